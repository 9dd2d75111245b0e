import Foundation

/// A project's lookup table (as CTP's lookup tables and XNAT's relabeling): original patient IDs
/// mapped to research IDs, and optionally accession numbers to research accession numbers and a
/// per-patient date offset in days. A CSV file with a header row naming its columns:
///
///     PatientID,ResearchID,AccessionNumber,ResearchAccessionNumber,DateOffset
///     12345678,SUBJ-001,A1001,R-0001,-12
///     12345678,SUBJ-001,A1002,R-0002,-12
///     87654321,SUBJ-001,,,-12            two originals, one research ID (merged records)
///
/// `PatientID` and `ResearchID` are required; the others optional (a row may leave them empty).
/// One patient keeps one research ID and one offset in every row. Values are the requester's
/// own data: they are never logged or shown; a mistake names its line and column, not the value.
/// Pure: text in, a table or every mistake out.
public struct LookupTable: Sendable, Equatable {
    public struct Patient: Sendable, Equatable {
        public let researchID: String
        public let dateOffset: Int?
    }

    /// By original patient ID.
    public let patients: [String: Patient]
    /// Research accession numbers by original accession number.
    public let accessions: [String: String]
    /// The rows as read (for export): patient, research ID, accession, research accession, offset.
    public let rows: [[String]]

    public struct Mistakes: Error, CustomStringConvertible {
        public let messages: [String]
        public var description: String { messages.prefix(10).joined(separator: "; ") + (messages.count > 10 ? "; and \(messages.count - 10) more" : "") }
    }

    static let columns = ["patientid", "researchid", "accessionnumber", "researchaccessionnumber", "dateoffset"]

    public static func parse(_ text: String) throws(Mistakes) -> LookupTable {
        // Any line ending: "\r\n" (a spreadsheet's export) is one Character, which is a newline.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let header = lines.first else { throw Mistakes(messages: ["the table is empty (a header row is needed)"]) }
        let names = fields(header).map { $0.lowercased().filter { !$0.isWhitespace && $0 != "_" } }
        var mistakes: [String] = []
        // Never the field's text: a table saved without its header has a patient's IDs here.
        for (i, n) in names.enumerated() where !columns.contains(n) {
            mistakes.append("line 1: column \(i + 1) is not a known column name (known: PatientID, ResearchID, AccessionNumber, ResearchAccessionNumber, DateOffset; is the header row missing?)")
        }
        guard let pid = names.firstIndex(of: "patientid"), let rid = names.firstIndex(of: "researchid") else {
            throw Mistakes(messages: mistakes + ["line 1: the header must name PatientID and ResearchID"])
        }
        let acc = names.firstIndex(of: "accessionnumber"), racc = names.firstIndex(of: "researchaccessionnumber")
        let off = names.firstIndex(of: "dateoffset")
        if (acc == nil) != (racc == nil) { mistakes.append("line 1: AccessionNumber and ResearchAccessionNumber go together") }
        var patients: [String: Patient] = [:], accessions: [String: String] = [:], rows: [[String]] = []
        for (i, line) in lines.enumerated().dropFirst() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let n = i + 1
            let f = fields(line)
            func at(_ c: Int?) -> String { c.flatMap { $0 < f.count ? f[$0] : nil } ?? "" }
            guard f.count == names.count else { mistakes.append("line \(n): \(f.count) fields, the header has \(names.count)"); continue }
            let original = at(pid), research = at(rid)
            guard !original.isEmpty, !research.isEmpty else { mistakes.append("line \(n): PatientID and ResearchID must not be empty"); continue }
            if !isValue(research, maxLength: 64) { mistakes.append("line \(n): ResearchID is not a Patient ID (LO: at most 64 characters, no backslash or control character)") }
            var offset: Int?
            if !at(off).isEmpty {
                if let o = Int(at(off)), abs(o) <= 36_500 { offset = o } else { mistakes.append("line \(n): DateOffset must be a whole number of days (at most 36500 either way)") }
            }
            let patient = Patient(researchID: research, dateOffset: offset)
            if let known = patients[original], known != patient {
                mistakes.append("line \(n): this PatientID has another ResearchID or DateOffset on an earlier line")
            } else {
                patients[original] = patient
            }
            let a = at(acc), r = at(racc)
            rows.append([original, research, a, r, offset.map(String.init) ?? ""])
            if a.isEmpty != r.isEmpty { mistakes.append("line \(n): AccessionNumber and ResearchAccessionNumber go together"); continue }
            if !a.isEmpty {
                if !isValue(r, maxLength: 16) { mistakes.append("line \(n): ResearchAccessionNumber is not an Accession Number (SH: at most 16 characters)") }
                if let known = accessions[a], known != r { mistakes.append("line \(n): this AccessionNumber has another ResearchAccessionNumber on an earlier line") }
                accessions[a] = r
            }
        }
        guard mistakes.isEmpty else { throw Mistakes(messages: mistakes) }
        return LookupTable(patients: patients, accessions: accessions, rows: rows)
    }

    /// A CSV line's fields: commas separate, double quotes quote ("" is a quote), spaces around
    /// a field are dropped.
    static func fields(_ line: String) -> [String] {
        var out: [String] = [], field = "", quoted = false, wasQuoted = false
        var chars = line.makeIterator()
        while let c = chars.next() {
            if quoted {
                if c == "\"" {
                    if let next = chars.next() {
                        if next == "\"" { field.append("\"") } else {
                            quoted = false
                            if next == "," { out.append(field); field = ""; wasQuoted = false } else { field.append(next) }
                        }
                    } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" && field.trimmingCharacters(in: .whitespaces).isEmpty {
                field = ""
                quoted = true
                wasQuoted = true
            } else if c == "," {
                out.append(wasQuoted ? field : field.trimmingCharacters(in: .whitespaces))
                field = ""
                wasQuoted = false
            } else { field.append(c) }
        }
        out.append(wasQuoted ? field : field.trimmingCharacters(in: .whitespaces))
        return out
    }

    static func isValue(_ s: String, maxLength: Int) -> Bool {
        s.count <= maxLength && !s.contains("\\") && s.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F }
    }

    /// The table as CSV, in the columns it is read in (an export reads back the same).
    public func csv() -> String {
        (["PatientID,ResearchID,AccessionNumber,ResearchAccessionNumber,DateOffset"]
            + rows.map { $0.map(LookupTable.quoted).joined(separator: ",") }).joined(separator: "\n") + "\n"
    }

    static func quoted(_ s: String) -> String {
        s.contains(",") || s.contains("\"") || s.hasPrefix(" ") || s.hasSuffix(" ") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}

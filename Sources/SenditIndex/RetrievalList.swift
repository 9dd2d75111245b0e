import Foundation

/// A requester's retrieval list (`sendit retrieve --accessions FILE`, the API's POST): what is
/// looked for, and for each value an optional research ID. Read from CSV with a header row (a
/// column named for the key, optionally one named `research_id`) or from one value per line.
/// Values are the requester's own data, kept as given (trimmed of the white space around them),
/// never logged. Pure.
public struct RetrievalList: Sendable, Equatable {
    /// What the values are.
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case accession, patientID = "patient_id", studyUID = "study_uid"

        /// The header names a CSV column of this kind may have (compared in lower case, with
        /// spaces and underscores left out).
        var headerNames: Set<String> {
            switch self {
            case .accession: ["accession", "accessionnumber", "accessionno", "acc"]
            case .patientID: ["patientid", "patient", "mrn", "pid"]
            case .studyUID: ["studyuid", "studyinstanceuid", "study"]
            }
        }
    }

    public struct Entry: Sendable, Equatable {
        public var value: String
        public var researchID: String?
        public init(value: String, researchID: String? = nil) {
            self.value = value
            self.researchID = researchID
        }
    }

    public struct Invalid: Error, Equatable, CustomStringConvertible, Sendable {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    public var kind: Kind
    public var entries: [Entry]

    public init(kind: Kind, entries: [Entry]) {
        self.kind = kind
        self.entries = entries
    }

    /// At most this many values in one list.
    public static let maxEntries = 100_000

    /// Reads `text`. A first line with a comma or a semicolon, or that names the key's column,
    /// is a CSV header; otherwise every non-empty line is one value. Repeated values are kept
    /// once (the first research ID wins). A refusal names the line, never its value.
    public static func parse(_ text: String, kind: Kind) throws(Invalid) -> RetrievalList {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: "\r")) }
        if let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[0] = String(first.dropFirst()) }
        guard let headerLine = lines.first(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
            throw Invalid("the list is empty")
        }
        let separator: Character? = headerLine.contains(",") ? "," : headerLine.contains(";") ? ";" : nil
        let header = fields(headerLine, separator).map(normalised)
        var keyColumn = 0, researchColumn: Int?
        var start = 0
        if separator != nil || kind.headerNames.contains(normalised(headerLine)) {
            guard let k = header.firstIndex(where: { kind.headerNames.contains($0) }) else {
                throw Invalid("the CSV header has no \(kind.rawValue) column (e.g. \(kind.headerNames.sorted().first!))")
            }
            keyColumn = k
            researchColumn = header.firstIndex(where: { ["researchid", "research", "subjectid", "pseudonym"].contains($0) })
            start = lines.firstIndex(of: headerLine)! + 1
        }
        var entries: [Entry] = [], seen = Set<String>()
        for (n, line) in lines.enumerated().dropFirst(start) {
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            let row = fields(line, separator)
            let value = keyColumn < row.count ? row[keyColumn] : ""
            guard !value.isEmpty else { throw Invalid("line \(n + 1): no \(kind.rawValue)") }
            try check(value, kind: kind, line: n + 1)
            var research = researchColumn.flatMap { $0 < row.count ? row[$0] : nil }
            if research?.isEmpty == true { research = nil }
            if let r = research, r.utf8.count > 64 || r.contains("\\") {
                throw Invalid("line \(n + 1): the research ID must be at most 64 bytes, no backslash")
            }
            guard seen.insert(value).inserted else { continue }
            entries.append(Entry(value: value, researchID: research))
            guard entries.count <= maxEntries else { throw Invalid("more than \(maxEntries) values") }
        }
        guard !entries.isEmpty else { throw Invalid("the list has no \(kind.rawValue)") }
        return RetrievalList(kind: kind, entries: entries)
    }

    /// A value must be one DICOM value, and no wildcard: a typo must not fetch a whole archive.
    public static func check(_ value: String, kind: Kind, line: Int) throws(Invalid) {
        let limit = kind == .accession ? 16 : 64
        guard value.utf8.count <= limit, !value.contains("\\"), !value.contains("*"), !value.contains("?"),
              !value.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            throw Invalid("line \(line): not a single \(kind.rawValue) (at most \(limit) bytes, no wildcard or backslash)")
        }
        if kind == .studyUID && !(value.allSatisfy { $0 == "." || ($0.isASCII && $0.isNumber) }) {
            throw Invalid("line \(line): a study UID is digits and dots")
        }
    }

    /// A DICOM date range of whole dates (PS3.4 C.2.2.2.5): YYYYMMDD, YYYYMMDD-YYYYMMDD,
    /// YYYYMMDD- or -YYYYMMDD.
    public static func isDateRange(_ text: String) -> Bool {
        func date(_ s: Substring) -> Bool { s.count == 8 && s.allSatisfy { $0.isASCII && $0.isNumber } }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        switch parts.count {
        case 1: return date(parts[0])
        case 2: return (parts[0].isEmpty || date(parts[0])) && (parts[1].isEmpty || date(parts[1])) && !(parts[0].isEmpty && parts[1].isEmpty)
        default: return false
        }
    }

    static func normalised(_ s: String) -> String {
        s.lowercased().filter { !$0.isWhitespace && $0 != "_" && $0 != "-" && $0 != "\"" }
    }

    /// One CSV line's fields (double quotes around a field are removed; a doubled quote inside
    /// one is a quote), trimmed.
    static func fields(_ line: String, _ separator: Character?) -> [String] {
        guard let separator else { return [line.trimmingCharacters(in: .whitespaces)] }
        var out: [String] = [], field = "", quoted = false
        var chars = Array(line)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { field.append("\""); chars.removeFirst() } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" && field.trimmingCharacters(in: .whitespaces).isEmpty {
                field = ""
                quoted = true
            } else if c == separator {
                out.append(field.trimmingCharacters(in: .whitespaces))
                field = ""
            } else { field.append(c) }
        }
        out.append(field.trimmingCharacters(in: .whitespaces))
        return out
    }
}

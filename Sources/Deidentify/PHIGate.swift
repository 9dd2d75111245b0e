import DICOMCore
import DICOMFile
import Foundation

/// The last check before the outbox, written apart from the engine and sharing none of its
/// tables: it collects the original's identifying values and searches the output for them in
/// two ways. (1) The file's bytes, ignoring ASCII case, everywhere but inside the top-level
/// Pixel Data value; of encapsulated frames, their JPEG and JPEG 2000 headers are searched (a
/// COM segment may carry a name). (2) Every text value of the output decoded in its character
/// set and compared with the decoded needles, ignoring case in any script, so that a name in
/// ISO 8859, ISO 2022 or UTF-8 is found too. A deflated output is searched inflated.
public struct PHIGate: Sendable {
    /// A value that must not appear in the output, and the attribute it came from.
    public struct Needle: Sendable, Hashable {
        public let attribute: String
        /// UTF-8, ASCII letters lower-cased (for the byte search).
        public let bytes: [UInt8]
        /// Lower-cased, canonically composed (for the decoded search).
        public let text: String
        /// Digits and separators only: matched only where no digit or "." is beside it.
        public let isNumeric: Bool
        /// Short (under 6 characters, not ideographic): matched as a whole word only.
        public let isWordOnly: Bool
    }

    public struct Hit: Error, Sendable, CustomStringConvertible {
        public let attribute: String
        public let offset: Int
        public var description: String {
            "PHI gate: the original \(attribute) occurs in the output (byte \(offset) of what was searched)"
        }
    }

    /// Which values are searched for. Retained by option, a kind of value is not searched.
    public struct Scope: Sendable, Equatable {
        public var uids = true
        public var institution = true
        public var device = true
        public var dates = true
        public init() {}

        /// What the profile's options retain is not searched for.
        public init(options: Set<ProfileOption>) {
            uids = !options.contains(.retainUIDs)
            institution = !options.contains(.retainInstitutionIdentity)
            device = !options.contains(.retainDeviceIdentity)
            dates = !options.contains(.retainLongitudinalFullDates)
        }
    }

    public let needles: [Needle]

    /// Identifying attributes by keyword, kept apart from Table E.1-1 on purpose.
    static let identifying: [String] = [
        "PatientName", "PatientID", "OtherPatientIDs", "OtherPatientNames", "PatientBirthName",
        "PatientMotherBirthName", "PatientAddress", "PatientTelephoneNumbers", "PatientTelecomInformation",
        "AccessionNumber", "ReferringPhysicianName", "ReferringPhysicianAddress", "ReferringPhysicianTelephoneNumbers",
        "PerformingPhysicianName", "OperatorsName", "PhysiciansOfRecord", "NameOfPhysiciansReadingStudy",
        "RequestingPhysician", "ScheduledPerformingPhysicianName", "IssuerOfPatientID", "MedicalRecordLocator",
        "PersonName", "PersonAddress", "PersonTelephoneNumbers", "ResponsiblePerson", "PatientInsurancePlanCodeSequence",
        "MilitaryRank", "BranchOfService", "RegionOfResidence", "CountryOfResidence", "StudyID", "AdmissionID",
        "PatientBirthDateInAlternativeCalendar", "PatientDeathDateInAlternativeCalendar",
    ]
    static let institutional: [String] = ["InstitutionName", "InstitutionAddress", "InstitutionalDepartmentName"]
    static let device: [String] = ["StationName"]
    static let dateKeywords: [String] = ["PatientBirthDate", "PatientBirthTime"]
    /// Values the de-identification writes itself (dummies): an original that already held one
    /// (data anonymized before) must not make every copy fail.
    static let placeholders: Set<String> = ["anonymized", "anonymous", "19000101", "19000101000000"]

    /// Collects the needles from the original data set, at every level of nesting.
    public init(original: DataSet, scope: Scope = Scope()) {
        var tags: [Tag: String] = [:]
        var keywords = PHIGate.identifying
        if scope.institution { keywords += PHIGate.institutional }
        if scope.device { keywords += PHIGate.device }
        if scope.dates { keywords += PHIGate.dateKeywords }
        for k in keywords {
            if let entry = DataDictionary.entry(forKeyword: k) { tags[entry.tag] = k }
        }
        var found: [String: String] = [:]   // lower-cased value -> attribute
        PHIGate.collect(original, tags: tags, uids: scope.uids, charset: original.specificCharacterSet, into: &found)
        needles = found.map { PHIGate.needle($0.key, attribute: $0.value) }
            .sorted { ($0.attribute, $0.bytes.count) < ($1.attribute, $1.bytes.count) }
    }

    public init(needles: [Needle]) { self.needles = needles }

    static func collect(_ ds: DataSet, tags: [Tag: String], uids: Bool, charset: SpecificCharacterSet,
                        into found: inout [String: String]) {
        let charset = ds[.specificCharacterSet] != nil ? ds.specificCharacterSet : charset
        for e in ds {
            if let items = e.items {
                for item in items { collect(item, tags: tags, uids: uids, charset: charset, into: &found) }
                continue
            }
            if let name = tags[e.tag] {
                for value in e.strings(characterSet: charset) {
                    add(value, as: name, into: &found)
                    if e.vr == .PN || e.vr == .UN {
                        for part in value.split(whereSeparator: { $0 == "^" || $0 == "=" || $0 == " " }) {
                            add(String(part), as: name, into: &found)
                        }
                    }
                }
            } else if uids, e.vr == .UI {
                let keyword = DataDictionary.entry(for: e.tag)?.keyword ?? "UID \(e.tag)"
                guard !PHIGate.classUIDKeywords.contains(where: { TextSearch.contains(keyword, $0) }) else { continue }
                for value in e.strings(characterSet: .default) where UIDRegistry.entry(for: UID(value)) == nil {
                    add(value, as: keyword, into: &found)
                }
            }
        }
    }

    /// UIDs of these attributes name kinds of things (classes, syntaxes, coding schemes), not
    /// the patient's instances: they are not searched for.
    static let classUIDKeywords = ["ClassUID", "TransferSyntaxUID", "CodingSchemeUID", "MappingResourceUID", "ImplementationClassUID"]

    /// Values of 3 characters or more (2 if ideographic: a Japanese or Chinese name part); a
    /// value of digits and separators only (a short study number, say) from 6: shorter numbers
    /// occur in any header (window widths, counts).
    static func add(_ value: String, as attribute: String, into found: inout [String: String]) {
        let v = fold(PlainText.trimmingWhitespace(value))
        let numeric = v.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D || $0 == 0x20 }
        let ideographic = PlainText.hasIdeographic(v)
        let minimum = numeric ? 6 : ideographic ? 2 : 3
        guard v.count >= minimum, !placeholders.contains(v), found[v] == nil else { return }
        found[v] = attribute
    }

    /// Lower case in any script, canonically composed.
    static func fold(_ s: String) -> String {
        PlainText.isASCII(s) ? s.lowercased() : s.lowercased().precomposedStringWithCanonicalMapping
    }

    static func needle(_ folded: String, attribute: String) -> Needle {
        let numeric = folded.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D || $0 == 0x20 }
        let ideographic = PlainText.hasIdeographic(folded)
        return Needle(attribute: attribute, bytes: Array(folded.utf8), text: folded, isNumeric: numeric,
                      isWordOnly: !numeric && !ideographic && folded.count < wordOnlyBelow)
    }

    /// Needles shorter than this match whole words only.
    static let wordOnlyBelow = 6

    static func isDigitOrDot(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || b == 0x2E }

    static func isWordByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b >= 0x80
    }

    /// Searches the output file: its bytes, then its decoded text. Throws the first hit; an
    /// unreadable output is a hit too.
    public func check(path: String) throws {
        do {
            if let hit = search(try PHIGate.searchable(path: path)) { throw hit }
            // An ASCII value is found by the byte search in any DICOM character set; the decoded
            // search is for the others (and costs a parse, so it runs only when there are some).
            let wide = needles.filter { n in n.bytes.contains { $0 >= 0x80 } }
            if !wide.isEmpty, let hit = PHIGate(needles: wide).searchText(try PHIGate.texts(path: path)) { throw hit }
        } catch let hit as Hit {
            throw hit
        } catch {
            throw Hit(attribute: "(the output cannot be read: \(error))", offset: 0)
        }
    }

    /// Every text value of the output, decoded in its character set and folded, at every level.
    static func texts(path: String) throws -> [String] {
        var options = ReadOptions(strictness: .strict, stopBeforePixelData: true)
        options.bulkDataThreshold = .max
        let file = try Part10File.read(path: path, options: options)
        var out: [String] = []
        func walk(_ ds: DataSet, _ charset: SpecificCharacterSet) {
            let charset = ds[.specificCharacterSet] != nil ? ds.specificCharacterSet : charset
            for e in ds {
                if let items = e.items {
                    for item in items { walk(item, charset) }
                } else if e.vr.isString || e.vr == .UN {
                    out.append(fold(e.strings(characterSet: charset).joined(separator: "\\")))
                }
            }
        }
        walk(file.fileMetaInformation, .default)
        walk(file.dataSet, file.dataSet.specificCharacterSet)
        return out
    }

    /// The first needle found in the decoded texts (whole words for short ones; numbers not
    /// beside another digit or ".").
    public func searchText(_ texts: [String]) -> Hit? {
        // One string, values apart: one search per needle.
        let text = texts.joined(separator: "\n")
        guard !text.isEmpty else { return nil }
        for needle in needles {
            var from = text.startIndex
            while let r = text.range(of: needle.text, range: from..<text.endIndex) {
                let before = r.lowerBound > text.startIndex ? text[text.index(before: r.lowerBound)] : nil
                let after = r.upperBound < text.endIndex ? text[r.upperBound] : nil
                if PHIGate.bounded(needle, before: before, after: after) {
                    return Hit(attribute: needle.attribute, offset: text.utf8.distance(from: text.startIndex, to: r.lowerBound))
                }
                from = text.index(after: r.lowerBound)
            }
        }
        return nil
    }

    static func bounded(_ n: Needle, before: Character?, after: Character?) -> Bool {
        if n.isNumeric {
            return !(before.map { $0.isNumber || $0 == "." } ?? false) && !(after.map { $0.isNumber || $0 == "." } ?? false)
        }
        if n.isWordOnly {
            return !(before.map { $0.isLetter || $0.isNumber } ?? false) && !(after.map { $0.isLetter || $0.isNumber } ?? false)
        }
        return true
    }

    /// The first needle found in `bytes`, ignoring ASCII case.
    public func search(_ bytes: [UInt8]) -> Hit? {
        guard !needles.isEmpty else { return nil }
        let lowered = bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        // Index the needles by their first byte: one pass over the bytes.
        var byFirst = [[Needle]](repeating: [], count: 256)
        var starts = [Bool](repeating: false, count: 256)
        for n in needles {
            byFirst[Int(n.bytes[0])].append(n)
            starts[Int(n.bytes[0])] = true
        }
        return lowered.withUnsafeBufferPointer { hay -> Hit? in
            for i in 0..<hay.count {
                guard starts[Int(hay[i])] else { continue }
                for n in byFirst[Int(hay[i])] where i + n.bytes.count <= hay.count {
                    var j = 1
                    while j < n.bytes.count && hay[i + j] == n.bytes[j] { j += 1 }
                    guard j == n.bytes.count else { continue }
                    // A short value ("Tom", "Lee") counts as a word only, not inside "Tomography";
                    // a number not inside a longer number or a UID.
                    let before = i > 0 ? hay[i - 1] : 0, after = i + j < hay.count ? hay[i + j] : 0
                    if n.isWordOnly && (PHIGate.isWordByte(before) || PHIGate.isWordByte(after)) { continue }
                    if n.isNumeric && (PHIGate.isDigitOrDot(before) || PHIGate.isDigitOrDot(after)) { continue }
                    return Hit(attribute: n.attribute, offset: i)
                }
            }
            return nil
        }
    }

    /// The file's bytes without the top-level Pixel Data value (read from the file around it,
    /// so a large image costs no more than its header); for a deflated data set, the File Meta
    /// Information's bytes followed by the data set re-encoded without Pixel Data.
    static func searchable(path: String) throws -> [UInt8] {
        // Values from 1 KiB are left in the file with their offsets, so a Pixel Data value of
        // that size is located and skipped; a smaller one is searched with the rest (fails safe).
        var options = ReadOptions(strictness: .strict)
        options.bulkDataThreshold = 1024
        let file = try Part10File.read(path: path, options: options)
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.uint64Value else {
            throw Hit(attribute: "(the output's size cannot be read)", offset: 0)
        }
        func region(_ from: UInt64, _ to: UInt64) throws -> [UInt8] {
            to > from ? try BulkDataLocation(path: path, offset: from, length: to - from).read() : []
        }
        if file.transferSyntax.isDeflated {
            var ds = file.dataSet
            ds.remove(.pixelData)
            let sink = MemorySink()
            try DataSetEncoder(explicitVR: true).encode(ds, into: sink)
            return try region(0, file.dataSetOffset) + sink.bytes
        }
        var ranges: [(UInt64, UInt64)] = []
        switch file.dataSet[.pixelData]?.value {
        case .binary(.deferred(let loc))?: ranges.append((loc.offset, loc.offset + loc.length))
        case .fragments(let fragments)?:
            // A frame's JPEG or JPEG 2000 header (up to the scan or the first tile) is searched:
            // a COM segment or a comment box may name the patient. The coded pixels are not.
            for case .deferred(let loc) in fragments {
                let head = try region(loc.offset, loc.offset + min(loc.length, 65536))
                ranges.append((loc.offset + UInt64(PHIGate.codestreamHeaderLength(head)), loc.offset + loc.length))
            }
        default: break   // none, or an empty or tiny value held in memory: searched with the rest
        }
        var out: [UInt8] = []
        var at: UInt64 = 0
        for (from, to) in ranges.sorted(by: { $0.0 < $1.0 }) where from >= at && to <= size {
            out += try region(at, from)
            out.append(0)   // no needle spans the gap
            at = to
        }
        out += try region(at, size)
        return out
    }

    /// How many leading bytes of a frame are its codestream's header: JPEG markers up to Start
    /// of Scan, JPEG 2000 markers up to the first Start of Tile, the first 4 KiB of a JP2 file,
    /// nothing for anything else (RLE).
    static func codestreamHeaderLength(_ b: [UInt8]) -> Int {
        func be16(_ i: Int) -> Int { i + 1 < b.count ? Int(b[i]) << 8 | Int(b[i + 1]) : 0 }
        if b.count >= 4 && b[0] == 0xFF && b[1] == 0xD8 {
            var i = 2
            while i + 3 < b.count, b[i] == 0xFF {
                let m = b[i + 1]
                if m == 0xDA { return i }
                if m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7) || m == 0xFF { i += (m == 0xFF ? 1 : 2); continue }
                i += 2 + be16(i + 2)
            }
            return min(i, b.count)
        }
        if b.count >= 4 && b[0] == 0xFF && b[1] == 0x4F {
            var i = 2
            while i + 3 < b.count, b[i] == 0xFF {
                if b[i + 1] == 0x90 { return i }
                i += 2 + be16(i + 2)
            }
            return min(i, b.count)
        }
        if b.count >= 12 && b[4] == 0x6A && b[5] == 0x50 { return min(4096, b.count) }   // a JP2 box file
        return 0
    }
}

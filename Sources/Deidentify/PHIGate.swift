import DICOMCore
import DICOMFile
import Foundation

/// The last check before the outbox, written apart from the engine and sharing none of its
/// code or tables: it collects the original's identifying values and searches the output file's
/// bytes for them (ignoring ASCII case), everywhere but inside the top-level Pixel Data value.
/// A deflated output is searched in its inflated form.
public struct PHIGate: Sendable {
    /// A value that must not appear in the output, and the attribute it came from.
    public struct Needle: Sendable, Hashable {
        public let attribute: String
        public let bytes: [UInt8]
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
        public var dates = true
        public init() {}
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
    ]
    static let institutional: [String] = ["InstitutionName", "InstitutionAddress", "InstitutionalDepartmentName", "StationName"]
    static let dateKeywords: [String] = ["PatientBirthDate", "PatientBirthTime"]

    /// Collects the needles from the original data set, at every level of nesting.
    public init(original: DataSet, scope: Scope = Scope()) {
        var tags: [Tag: String] = [:]
        var keywords = PHIGate.identifying
        if scope.institution { keywords += PHIGate.institutional }
        if scope.dates { keywords += PHIGate.dateKeywords }
        for k in keywords {
            if let entry = DataDictionary.entry(forKeyword: k) { tags[entry.tag] = k }
        }
        var found: [String: String] = [:]   // lower-cased value -> attribute
        PHIGate.collect(original, tags: tags, uids: scope.uids, charset: original.specificCharacterSet, into: &found)
        needles = found.map { Needle(attribute: $0.value, bytes: Array($0.key.utf8)) }
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
                guard !PHIGate.classUIDKeywords.contains(where: { keyword.contains($0) }) else { continue }
                for value in e.strings(characterSet: .default) where UIDRegistry.entry(for: UID(value)) == nil {
                    add(value, as: keyword, into: &found)
                }
            }
        }
    }

    /// UIDs of these attributes name kinds of things (classes, syntaxes, coding schemes), not
    /// the patient's instances: they are not searched for.
    static let classUIDKeywords = ["ClassUID", "TransferSyntaxUID", "CodingSchemeUID", "MappingResourceUID", "ImplementationClassUID"]

    /// Values of 3 characters or more; a value of digits and separators only (a short study
    /// number, say) from 6: shorter numbers occur in any header (window widths, counts).
    static func add(_ value: String, as attribute: String, into found: inout [String: String]) {
        let v = value.trimmingCharacters(in: .whitespaces).lowercased()
        let numeric = v.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D || $0 == 0x20 }
        guard v.utf8.count >= (numeric ? 6 : 3), found[v] == nil else { return }
        found[v] = attribute
    }

    /// Needles shorter than this match whole words only.
    static let wordOnlyBelow = 6

    static func isWordByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b >= 0x80
    }

    /// Searches the output file. Throws the first hit; an unreadable output is a hit too.
    public func check(path: String) throws {
        let bytes: [UInt8]
        do {
            bytes = try PHIGate.searchable(path: path)
        } catch let hit as Hit {
            throw hit
        } catch {
            throw Hit(attribute: "(the output cannot be read: \(error))", offset: 0)
        }
        if let hit = search(bytes) { throw hit }
    }

    /// The first needle found in `bytes`, ignoring ASCII case.
    public func search(_ bytes: [UInt8]) -> Hit? {
        guard !needles.isEmpty else { return nil }
        let lowered = bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        // Index the needles by their first byte: one pass over the bytes.
        var byFirst: [UInt8: [Needle]] = [:]
        for n in needles { byFirst[n.bytes[0], default: []].append(n) }
        return lowered.withUnsafeBufferPointer { hay -> Hit? in
            for i in 0..<hay.count {
                guard let candidates = byFirst[hay[i]] else { continue }
                for n in candidates where i + n.bytes.count <= hay.count {
                    var j = 1
                    while j < n.bytes.count && hay[i + j] == n.bytes[j] { j += 1 }
                    guard j == n.bytes.count else { continue }
                    // A short value ("Tom", "Lee") counts as a word only, not inside "Tomography".
                    if n.bytes.count < PHIGate.wordOnlyBelow {
                        let before = i > 0 ? hay[i - 1] : 0, after = i + j < hay.count ? hay[i + j] : 0
                        if PHIGate.isWordByte(before) || PHIGate.isWordByte(after) { continue }
                    }
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
            for case .deferred(let loc) in fragments { ranges.append((loc.offset, loc.offset + loc.length)) }
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
}

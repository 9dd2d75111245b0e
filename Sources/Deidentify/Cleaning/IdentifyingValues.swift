import DICOMCore
import DICOMFile

/// The identifying values of one original data set (matching spec 1), in every form the
/// cleaner looks for, each with its kind. Collected once per file, from every level of
/// nesting, each data set decoded in its own Specific Character Set (an item inherits its
/// parent's). Private elements are not sources: their values are the vendor's. The values an
/// option keeps are not collected (the engine would otherwise empty what it keeps on purpose),
/// nor the dummies sendit writes itself.
public struct IdentifyingValues: Sendable {
    /// Every form, deduplicated (a form two kinds share is counted as the earlier kind).
    var needles: [Needle]
    /// The birth dates (year, month, day), found in any format of spec 1.3 by DateScanner.
    var birthDates: [(Int, Int, Int)]
    /// The original's other dates as YYYYMMDD numbers (empty under retain-full-dates).
    var otherDates: Set<Int>
    /// Identifiers of 3 to 5 digits (too short to be needles, spec 1.2): a text value that is
    /// one of them, whole, is that identifier (a Code Value equal to the Patient ID).
    var wholeIdentifiers: Set<[UInt8]> = []

    public init(original: DataSet, options: Set<ProfileOption>) {
        var collector = Collector(options: options)
        collector.walk(original, characterSet: original.specificCharacterSet)
        self = collector.finish()
    }

    init(needles: [Needle], birthDates: [(Int, Int, Int)], otherDates: Set<Int>) {
        self.needles = needles
        self.birthDates = birthDates
        self.otherDates = otherDates
    }

    public var isEmpty: Bool { needles.isEmpty && birthDates.isEmpty && otherDates.isEmpty }

    /// How many forms of each kind were collected (for logs: never the values).
    public var countsByKind: [String: Int] {
        var counts: [String: Int] = [:]
        for n in needles { counts[n.kind.rawValue, default: 0] += 1 }
        return counts
    }

    /// Values sendit writes as dummies: never needles (an input anonymised before holds them).
    static let dummies: Set<String> = ["anonymized", "anonymous", "19000101", "19000101000000", "000000"]

    /// Whether a value is one of the dummies, ignoring case (most values are not even their
    /// length).
    static func isDummy(_ value: String) -> Bool {
        switch value.utf8.count {
        case 6, 8, 9, 10, 14: return dummies.contains(TextFold.fold(value))
        default: return false
        }
    }

    /// The same, for a folded form.
    static func isDummy(_ form: [UInt8]) -> Bool {
        switch form.count {
        case 6, 8, 9, 10, 14: return dummies.contains(String(decoding: form, as: UTF8.self))
        default: return false
        }
    }
}

extension IdentifyingValues {
    struct Collector {
        /// What the options withhold, asked once (a set of options hashes their names).
        let withholdInstitution: Bool
        let withholdDevice: Bool
        let withholdUIDs: Bool
        let withholdOtherDates: Bool
        var forms: [Needle] = []
        var birthDates: [(Int, Int, Int)] = []
        var otherDates = Set<Int>()
        var wholeIdentifiers = Set<[UInt8]>()
        /// Date values already read (the dates of a file are mostly one day, written alike).
        var datesSeen = Set<String>()
        var uids: [String] = []
        var classUIDs = Set<String>()

        init(options: Set<ProfileOption>) {
            withholdInstitution = options.contains(.retainInstitutionIdentity)
            withholdDevice = options.contains(.retainDeviceIdentity)
            withholdUIDs = options.contains(.retainUIDs)
            withholdOtherDates = options.contains(.retainLongitudinalFullDates)
        }

        mutating func walk(_ ds: DataSet, characterSet inherited: SpecificCharacterSet) {
            let charset = ds[.specificCharacterSet] != nil ? ds.specificCharacterSet : inherited
            // Elements are read in place: only text, sequences and UN are looked into (a copy
            // of every element costs more than the rest of the walk).
            ds.elements.withUnsafeBufferPointer { elements in
                for i in elements.indices {
                    let tag = elements[i].tag, vr = elements[i].vr
                    guard vr.isString || vr == .SQ || vr == .UN else { continue }
                    if tag.isGroupLength || tag.group == 0x0000 || tag.group == 0x0002 || tag.isDelimiterOrItem { continue }
                    switch elements[i].value {
                    case .sequence(let items):
                        // A private sequence's items may hold standard attributes: those are
                        // sources (only private elements themselves are not).
                        for item in items { walk(item, characterSet: charset) }
                    case _ where tag.isPrivate:
                        break
                    case .binary(.inline(let bytes)) where vr == .UN:
                        // The dictionary names the attribute and tells how to read it.
                        let dictionaryVR = DataDictionary.vr(for: tag)
                        if dictionaryVR == .SQ {
                            for item in Collector.items(ofUN: elements[i]) { walk(item, characterSet: charset) }
                        } else if dictionaryVR.isString {
                            collect(tag, bytes, vr: dictionaryVR, characterSet: charset)
                        }
                    case .binary(.inline(let bytes)) where vr.isString:
                        collect(tag, bytes, vr: vr, characterSet: charset)
                    default:
                        break
                    }
                }
            }
        }

        /// One text element: what kind of source its tag makes it (a listed keyword, or a PN,
        /// DA, DT or UI of the dictionary, whatever VR it arrived in), then its values.
        mutating func collect(_ tag: Tag, _ bytes: [UInt8], vr: VR, characterSet: SpecificCharacterSet) {
            let kind: IdentifyingKind
            if let source = IdentifyingAttributes.source(of: tag) {
                if source.institution && withholdInstitution { return }
                if source.device && withholdDevice { return }
                kind = source.kind
            } else if let textVR = IdentifyingAttributes.dictionaryVR(of: tag, elementVR: vr) {
                switch textVR {
                case .PN: kind = .name
                case .DA, .DT:
                    if withholdOtherDates { return }
                    kind = .otherdate
                default:
                    if withholdUIDs { return }
                    kind = .uid
                }
            } else {
                return
            }
            let isClass = kind == .uid && IdentifyingAttributes.holdsClassUID(tag)
            for value in Collector.values(of: tag, bytes, vr: vr, characterSet: characterSet) {
                guard !value.isEmpty, !IdentifyingValues.isDummy(value) else { continue }
                switch kind {
                case .uid:
                    if isClass { classUIDs.insert(value) } else { uids.append(value) }
                case .otherdate:
                    if datesSeen.insert(value).inserted { addOtherDates(value, vr: vr) }
                case .birthdate:
                    addBirthDate(value)
                default:
                    addForms(of: value, kind: kind)
                }
            }
        }

        /// The values of a text element (a UN one read as its dictionary VR), split at
        /// backslashes if the VR is multi-valued, without leading or trailing spaces. ASCII
        /// (nearly every value) is split here; anything else is decoded in the character set.
        static func values(of tag: Tag, _ bytes: [UInt8], vr: VR, characterSet: SpecificCharacterSet) -> [String] {
            var plain = true, backslash = false
            for b in bytes {
                if b >= 0x80 || b == 0x1B { plain = false; break }
                if b == 0x5C { backslash = true }
            }
            guard plain else {
                return DataElement(tag: tag, vr: vr, bytes: bytes).strings(characterSet: characterSet).map { NeedleForms.trimmed($0) }
            }
            func text(_ part: ArraySlice<UInt8>) -> String {
                var lo = part.startIndex, hi = part.endIndex
                while hi > lo && (part[hi - 1] == 0x20 || part[hi - 1] == 0x00) { hi -= 1 }
                while lo < hi && part[lo] == 0x20 { lo += 1 }
                return String(decoding: part[lo..<hi], as: UTF8.self)
            }
            guard backslash && vr.isMultiValuedString else { return [text(bytes[...])] }
            return bytes[...].split(separator: 0x5C, omittingEmptySubsequences: false).map(text)
        }

        mutating func addForms(of value: String, kind: IdentifyingKind) {
            // A value holding character references or URL escapes (`GRO&szlig;KOPF`, typed in
            // by a web form) is also known as what it reads as.
            if value.utf8.contains(where: { $0 == 0x26 || $0 == 0x25 }) {
                var copy = value
                if let decoded = copy.withUTF8({ CharacterReferences.decode($0) }) {
                    addFormsOnce(of: String(decoding: decoded.text, as: UTF8.self), kind: kind)
                }
            }
            addFormsOnce(of: value, kind: kind)
        }

        mutating func addFormsOnce(of value: String, kind: IdentifyingKind) {
            let folded = TextFold.foldedBytes(value)
            if kind == .id, (3...5).contains(folded.plain.count), folded.plain.allSatisfy(TextFold.isDigit) {
                wholeIdentifiers.insert(folded.plain)
            }
            for f in [folded.plain] + (folded.variant.map { [$0] } ?? []) {
                let forms: [[UInt8]]
                switch kind {
                case .name: forms = NeedleForms.name(f)
                case .id: forms = NeedleForms.identifier(f)
                case .contact: forms = NeedleForms.contact(f)
                case .place: forms = NeedleForms.place(f)
                case .device: forms = NeedleForms.device(f)
                default: forms = [f]
                }
                for form in forms where !IdentifyingValues.isDummy(form) {
                    if let n = Needle(folded: form, kind: kind) { self.forms.append(n) }
                }
            }
        }

        /// A birth date: its parts for DateScanner and its YYYYMMDD as a digit form. A value in
        /// another calendar that is not YYYYMMDD is looked for as an identifier is.
        mutating func addBirthDate(_ value: String) {
            let digits = String(value.prefix(8))
            if value.utf8.count >= 8, let date = DICOMDate(digits), digits.utf8.allSatisfy(TextFold.isDigit) {
                birthDates.append((date.year, date.month, date.day))
                forms.append(Needle(bytes: Array(digits.utf8), kind: .birthdate, match: .datePrefix, length: 8))
            } else if let date = DICOMDate(value) {
                birthDates.append((date.year, date.month, date.day))
                forms.append(Needle(bytes: Array(date.description.utf8), kind: .birthdate, match: .datePrefix, length: 8))
            } else {
                for f in NeedleForms.identifier(TextFold.foldedBytes(value).plain) {
                    if let n = Needle(folded: f, kind: .birthdate) { forms.append(n) }
                }
            }
        }

        /// Another date of the original: YYYYMMDD and YYYY-MM-DD. A DT gives its date part, a
        /// range (`20200101-20201231`) both ends.
        mutating func addOtherDates(_ value: String, vr: VR) {
            let parts = vr == .DA ? value.utf8.split(separator: 0x2D).map { String(decoding: $0, as: UTF8.self) } : [value]
            for part in parts {
                guard part.utf8.count >= 8, let date = DICOMDate(String(part.prefix(8))) else { continue }
                // Most dates of a file are the same day: its forms are made once.
                let number = date.year * 10_000 + date.month * 100 + date.day
                guard number != 1900_01_01, otherDates.insert(number).inserted else { continue }
                let yyyymmdd = Array(date.description.utf8)
                let dashed = yyyymmdd[0..<4] + [0x2D] + yyyymmdd[4..<6] + [0x2D] + yyyymmdd[6..<8]
                forms.append(Needle(bytes: yyyymmdd, kind: .otherdate, match: .number, length: 8))
                forms.append(Needle(bytes: Array(dashed), kind: .otherdate, match: .anywhere, length: 10))
            }
        }

        /// The items of a sequence that arrived as UN (implicit VR little endian, PS3.5 6.2.2),
        /// or none if they cannot be read.
        static func items(ofUN e: DataElement) -> [DataSet] {
            guard let bytes = e.bytes else { return [] }
            var framed: [UInt8] = []
            func le16(_ v: UInt16) { framed += [UInt8(v & 0xFF), UInt8(v >> 8)] }
            le16(e.tag.group); le16(e.tag.element); framed += [0xFF, 0xFF, 0xFF, 0xFF]
            framed += bytes
            le16(0xFFFE); le16(0xE0DD); framed += [0, 0, 0, 0]
            var options = ReadOptions(strictness: .lenient)
            options.bulkDataThreshold = .max
            guard let parsed = try? Part10File.readDataSet(bytes: framed, transferSyntax: .implicitVRLittleEndian, options: options),
                  let items = parsed.dataSet[e.tag]?.items else { return [] }
            return items
        }

        /// The needles, deduplicated (the earliest kind keeps a form two kinds share), UIDs
        /// that some class attribute holds left out.
        func finish() -> IdentifyingValues {
            var all = forms
            // The registry's UIDs are all under DICOM's root: others need no lookup.
            for uid in uids where !classUIDs.contains(uid) && !(uid.hasPrefix("1.2.840.10008.") && UIDRegistry.entry(for: UID(uid)) != nil) {
                if let n = Needle(folded: TextFold.foldedBytes(uid).plain, kind: .uid) { all.append(n) }
            }
            // Deduplicated by a hash of the bytes (FNV-1a: a few dozen short forms, where
            // hashing a byte array through Hasher costs more than the rest of the work); the
            // earliest kind keeps a form two kinds share.
            var index: [UInt64: Int] = [:]
            index.reserveCapacity(all.count)
            var needles: [Needle] = []
            needles.reserveCapacity(all.count)
            for n in all {
                var hash: UInt64 = 0xCBF2_9CE4_8422_2325
                for b in n.bytes { hash = (hash ^ UInt64(b)) &* 0x100_0000_01B3 }
                let same: Int?
                if let i = index[hash] {
                    same = needles[i].bytes == n.bytes ? i : needles.firstIndex { $0.bytes == n.bytes }   // a collision
                } else {
                    same = nil
                }
                if let same {
                    if n.kind < needles[same].kind { needles[same] = n }
                } else {
                    if index[hash] == nil { index[hash] = needles.count }
                    needles.append(n)
                }
            }
            var dates: [(Int, Int, Int)] = []
            for d in birthDates where !dates.contains(where: { $0 == d }) { dates.append(d) }
            var values = IdentifyingValues(needles: needles, birthDates: dates, otherDates: otherDates)
            values.wholeIdentifiers = wholeIdentifiers
            return values
        }
    }
}

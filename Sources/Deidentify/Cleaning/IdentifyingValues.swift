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
}

extension IdentifyingValues {
    struct Collector {
        let options: Set<ProfileOption>
        var forms: [Needle] = []
        var birthDates: [(Int, Int, Int)] = []
        var otherDates = Set<Int>()
        var uids: [String] = []
        var classUIDs = Set<String>()

        init(options: Set<ProfileOption>) { self.options = options }

        mutating func walk(_ ds: DataSet, characterSet inherited: SpecificCharacterSet) {
            let charset = ds[.specificCharacterSet] != nil ? ds.specificCharacterSet : inherited
            for e in ds {
                let tag = e.tag
                if tag.isPrivate || tag.isGroupLength || tag.group == 0x0000 || tag.group == 0x0002 || tag.isDelimiterOrItem {
                    continue
                }
                if let items = e.items {
                    for item in items { walk(item, characterSet: charset) }
                    continue
                }
                let dictionaryVR = DataDictionary.vr(for: tag)
                if e.vr == .UN && dictionaryVR == .SQ {
                    for item in Collector.items(ofUN: e) { walk(item, characterSet: charset) }
                    continue
                }
                guard e.vr.isString || e.vr == .UN, e.bytes != nil else { continue }
                // The dictionary names the attribute, whatever VR it arrived in.
                let vr = dictionaryVR.isString ? dictionaryVR : e.vr
                guard vr.isString else { continue }
                collect(e, vr: vr, characterSet: charset)
            }
        }

        mutating func collect(_ e: DataElement, vr: VR, characterSet: SpecificCharacterSet) {
            let tag = e.tag
            let source = IdentifyingAttributes.sources[tag.rawValue]
            let kind: IdentifyingKind
            if let source {
                if source.institution && options.contains(.retainInstitutionIdentity) { return }
                if source.device && options.contains(.retainDeviceIdentity) { return }
                kind = source.kind
            } else if vr == .PN {
                kind = .name
            } else if vr == .DA || vr == .DT {
                kind = .otherdate
            } else if vr == .UI {
                if options.contains(.retainUIDs) { return }
                kind = .uid
            } else {
                return
            }
            // Decoded as the dictionary's VR says: a UN value is text in the character set,
            // split at backslashes if the attribute is multi-valued.
            var element = e
            if e.vr == .UN { element.vr = vr }
            let values = element.strings(characterSet: characterSet)
            let isClass = kind == .uid && IdentifyingAttributes.holdsClassUID(tag)
            for raw in values {
                let value = NeedleForms.trimmed(raw)
                guard !value.isEmpty, !IdentifyingValues.isDummy(value) else { continue }
                switch kind {
                case .uid:
                    if isClass { classUIDs.insert(value) } else { uids.append(value) }
                case .otherdate:
                    if !options.contains(.retainLongitudinalFullDates) { addOtherDates(value, vr: vr) }
                case .birthdate:
                    addBirthDate(value)
                default:
                    addForms(of: value, kind: kind)
                }
            }
        }

        mutating func addForms(of value: String, kind: IdentifyingKind) {
            var folds = [TextFold.fold(value)]
            if let variant = TextFold.umlautVariant(value) { folds.append(variant) }
            for folded in folds {
                let forms: [String]
                switch kind {
                case .name: forms = NeedleForms.name(folded)
                case .id: forms = NeedleForms.identifier(folded)
                case .contact: forms = NeedleForms.contact(folded)
                case .place: forms = NeedleForms.place(folded)
                case .device: forms = NeedleForms.device(folded)
                default: forms = [folded]
                }
                for f in forms where !IdentifyingValues.dummies.contains(f) {
                    if let n = Needle(folded: f, kind: kind) { self.forms.append(n) }
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
                for f in NeedleForms.identifier(TextFold.fold(value)) {
                    if let n = Needle(folded: f, kind: .birthdate) { forms.append(n) }
                }
            }
        }

        /// Another date of the original: YYYYMMDD and YYYY-MM-DD. A DT gives its date part, a
        /// range (`20200101-20201231`) both ends.
        mutating func addOtherDates(_ value: String, vr: VR) {
            let parts = vr == .DA ? NeedleForms.split(value, 0x2D) : [value]
            for part in parts {
                guard part.utf8.count >= 8, let date = DICOMDate(String(part.prefix(8))) else { continue }
                // Most dates of a file are the same day: its forms are made once.
                let number = date.year * 10_000 + date.month * 100 + date.day
                guard number != 1900_01_01, otherDates.insert(number).inserted else { continue }
                let yyyymmdd = date.description
                let dashed = String(yyyymmdd.prefix(4)) + "-" + String(yyyymmdd.dropFirst(4).prefix(2)) + "-" + String(yyyymmdd.suffix(2))
                forms.append(Needle(bytes: Array(yyyymmdd.utf8), kind: .otherdate, match: .number, length: 8))
                forms.append(Needle(bytes: Array(dashed.utf8), kind: .otherdate, match: .anywhere, length: 10))
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
            for uid in uids where !classUIDs.contains(uid) && UIDRegistry.entry(for: UID(uid)) == nil {
                if let n = Needle(folded: TextFold.fold(uid), kind: .uid) { all.append(n) }
            }
            var kept: [String: Int] = [:]   // short strings hash their bytes at once; arrays byte by byte
            var needles: [Needle] = []
            for n in all {
                let key = String(decoding: n.bytes, as: UTF8.self)
                if let i = kept[key] {
                    if n.kind < needles[i].kind { needles[i] = n }
                } else {
                    kept[key] = needles.count
                    needles.append(n)
                }
            }
            var dates: [(Int, Int, Int)] = []
            for d in birthDates where !dates.contains(where: { $0 == d }) { dates.append(d) }
            return IdentifyingValues(needles: needles, birthDates: dates, otherDates: otherDates)
        }
    }
}

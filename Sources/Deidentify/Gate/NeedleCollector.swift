import DICOMCore
import DICOMFile
import Synchronization

/// Collects the needles of an original data set (matching spec 1): at every level of nesting,
/// each data set decoded in its Specific Character Set (an item inherits its parent's). Tags are
/// known by the data dictionary whatever VR they arrived in; private elements are not sources.
struct NeedleCollector {
    let scope: PHIGate.Scope

    struct Key: Hashable {
        let bytes: [UInt8]
        let boundary: GateNeedle.Boundary

        func hash(into hasher: inout Hasher) {
            bytes.withUnsafeBytes { hasher.combine(bytes: $0) }   // not byte by byte
            hasher.combine(boundary)
        }
    }

    /// Text forms, one per folded text and boundary (the first kind in `Kind.allCases` wins),
    /// in the order first found (a stable order: the same original finds the same first hit).
    private(set) var text = Forms(capacity: 192)
    /// The original values' own UTF-8 where it differs from the folded form (for the byte search).
    private(set) var raw = Forms(capacity: 0)
    /// Digit forms (spec 2.3), by their digits.
    private(set) var digits: [String: GateNeedle] = [:]
    /// Values that could not be read: the gate refuses every copy of this original.
    private(set) var problems: [String] = []
    /// The birth dates and other dates, for GateDateTriples.
    private(set) var dates: [GateProtectedDate] = []
    /// Identifiers of 3 to 5 digits (no needles, spec 1.2): found as whole text values.
    private(set) var wholeIDs: [String: GateNeedle] = [:]

    init(scope: PHIGate.Scope) { self.scope = scope }

    static let rank: [GateNeedle.Kind: Int] = Dictionary(uniqueKeysWithValues: GateNeedle.Kind.allCases.enumerated().map { ($1, $0) })

    /// Needles in the order first found, one per key.
    struct Forms {
        private(set) var needles: [GateNeedle] = []
        private var index: [Key: Int] = [:]

        /// A birth date alone gives some 60 forms: room for a typical original, no regrowing.
        init(capacity: Int) {
            needles.reserveCapacity(capacity)
            index.reserveCapacity(capacity)
        }

        mutating func insert(_ needle: GateNeedle) {
            let key = Key(bytes: needle.bytes, boundary: needle.boundary)
            if let i = index[key] {
                if NeedleCollector.rank[needles[i].kind]! > NeedleCollector.rank[needle.kind]! { needles[i] = needle }
                return
            }
            index[key] = needles.count
            needles.append(needle)
        }
    }

    mutating func collect(_ ds: DataSet, characterSet inherited: SpecificCharacterSet) {
        let charset = ds[.specificCharacterSet] != nil ? ds.specificCharacterSet : inherited
        for e in ds {
            if let items = e.items {
                for item in items { collect(item, characterSet: charset) }
                continue
            }
            guard e.tag.group != 0x0002, !e.tag.isPrivate else { continue }
            // Most elements are none of these: known by their tag and VR without the dictionary's entry.
            let dictionaryVR = DataDictionary.vr(for: e.tag)
            let keyword: String, kind: GateNeedle.Kind?
            if let listed = GateKeywords.byTag[e.tag] {
                keyword = listed.keyword
                kind = self.kind(listed.holds)
            } else if dictionaryVR == .PN || [.UI, .DA, .DT].contains(dictionaryVR) || [.UI, .DA, .DT].contains(e.vr),
                      let entry = DataDictionary.entry(for: e.tag) {
                keyword = entry.keyword
                kind = self.kind(keyword: keyword, dictionaryVR: dictionaryVR, vr: e.vr)
            } else {
                continue
            }
            // The VR its text is read in: its own if a text VR, else the dictionary's.
            let textVR = e.vr.isString ? e.vr : dictionaryVR
            guard textVR.isString, let kind else { continue }
            guard let values = values(of: e, vr: textVR, charset: charset, keyword: keyword) else { continue }
            for value in values { add(value, kind: kind, keyword: keyword) }
        }
    }

    func kind(_ holds: GateKeywords.Holds) -> GateNeedle.Kind? {
        switch holds {
        case .name: return .name
        case .id: return .id
        case .birthDate: return .birthdate
        case .address, .telephone: return .contact
        case .institution: return scope.institution ? .place : nil
        case .place: return .place
        case .device: return scope.device ? .device : nil
        }
    }

    /// An attribute not in the lists: a name by its dictionary VR, a UID, another date.
    func kind(keyword: String, dictionaryVR: VR, vr: VR) -> GateNeedle.Kind? {
        if dictionaryVR == .PN { return .name }
        if dictionaryVR == .UI || vr == .UI {
            guard scope.uids, !GateKeywords.isClassUID(keyword) else { return nil }
            return .uid
        }
        if dictionaryVR == .DA || dictionaryVR == .DT || vr == .DA || vr == .DT { return scope.dates ? .otherdate : nil }
        return nil
    }

    /// The element's values, split at backslashes where the VR is multi-valued, decoded in the
    /// character set where the VR uses it, trimmed; nil (and a problem) if it cannot be read.
    mutating func values(of e: DataElement, vr: VR, charset: SpecificCharacterSet, keyword: String) -> [String]? {
        let raw: [UInt8]
        switch e.value {
        case .binary(let value):
            do { raw = try value.load() } catch {
                problems.append("the original's \(keyword) cannot be read (\(error))")
                return nil
            }
        default:
            return nil
        }
        let parts = vr.isMultiValuedString ? raw[...].split(separator: 0x5C, omittingEmptySubsequences: false) : [raw[...]]
        let decoder = vr.usesSpecificCharacterSet ? charset : .default
        return parts.map { GateNeedleForms.trimmed(decoder.decode($0), also: "") }.filter { !$0.isEmpty }
    }

    /// The needles one value gives: what `add` inserts, remembered by value, kind and keyword.
    /// The images of a series share their patient's names, IDs and birth date, whose forms
    /// (some 60 for a birth date) are then made once, not once per image.
    struct Added: Sendable {
        var text: [GateNeedle] = []
        var raw: [GateNeedle] = []
        var digits: [(String, GateNeedle)] = []
        var dates: [GateProtectedDate] = []
        var wholeIDs: [(String, GateNeedle)] = []
    }

    private static let memo = Mutex<[String: Added]>([:])
    static let memoCapacity = 4096

    mutating func add(_ value: String, kind: GateNeedle.Kind, keyword: String) {
        // UIDs and other dates differ from image to image and cost one or two forms.
        guard kind != .uid && kind != .otherdate else { return addFresh(value, kind: kind, keyword: keyword) }
        let key = "\(kind.rawValue)\u{0}\(keyword)\u{0}\(value)"
        let added = NeedleCollector.memo.withLock { $0[key] } ?? {
            var fresh = NeedleCollector(scope: scope)
            fresh.addFresh(value, kind: kind, keyword: keyword)
            let made = Added(text: fresh.text.needles, raw: fresh.raw.needles, digits: fresh.digits.map { ($0.key, $0.value) },
                             dates: fresh.dates, wholeIDs: fresh.wholeIDs.map { ($0.key, $0.value) })
            NeedleCollector.memo.withLock { memo in
                if memo.count >= NeedleCollector.memoCapacity { memo.removeAll(keepingCapacity: true) }
                memo[key] = made
            }
            return made
        }()
        for n in added.text { text.insert(n) }
        for n in added.raw { raw.insert(n) }
        for d in added.dates { addDate(d) }
        for (v, n) in added.wholeIDs where wholeIDs[v] == nil { wholeIDs[v] = n }
        for (d, n) in added.digits {
            if let old = digits[d], NeedleCollector.rank[old.kind]! <= NeedleCollector.rank[n.kind]! { continue }
            digits[d] = n
        }
    }

    mutating func addFresh(_ value: String, kind: GateNeedle.Kind, keyword: String) {
        // A value holding character references or URL escapes is also known as what it reads as.
        if let resolved = GateCharacterReferences.resolved(value) { addFreshOnce(resolved, kind: kind, keyword: keyword) }
        addFreshOnce(value, kind: kind, keyword: keyword)
    }

    mutating func addFreshOnce(_ value: String, kind: GateNeedle.Kind, keyword: String) {
        let folded = GateFolding.fold(value)
        let plain = GateNeedleForms.trimmed(String(decoding: folded.text, as: UTF8.self), also: "")
        guard !plain.isEmpty, !GateKeywords.isDummy(plain) else { return }
        var variants = [plain]
        if let u = folded.umlautForm { variants.append(GateNeedleForms.trimmed(String(decoding: u, as: UTF8.self), also: "")) }
        for v in variants { addForms(of: v, kind: kind, keyword: keyword) }
        // The byte search also looks for the value's own UTF-8 (a JPEG comment is not folded).
        if value.utf8.contains(where: { $0 >= 0x80 }) {
            for form in [value] + GateNeedleForms.words(value) where form.utf8.count >= 4 {
                let bytes = Array(form.utf8).map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
                let needle = GateNeedle(bytes: bytes, boundary: GateNeedle.boundary(for: bytes), kind: kind, attribute: keyword)
                raw.insert(needle)
            }
        }
    }

    mutating func addForms(of v: String, kind: GateNeedle.Kind, keyword: String) {
        var forms = GateNeedleForms.Forms()
        switch kind {
        case .name: forms = GateNeedleForms.name(v)
        case .id:
            forms = GateNeedleForms.identifier(v)
            if (3...5).contains(v.utf8.count), v.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                wholeIDs[v] = GateNeedle(bytes: Array(v.utf8), boundary: .number, kind: kind, attribute: keyword)
            }
        case .contact:
            forms = GateNeedleForms.contact(v, isAddress: GateKeywords.addresses.contains(keyword),
                                        isTelephone: GateKeywords.telephones.contains(keyword))
        case .place: forms = GateNeedleForms.place(v)
        case .device:
            if GateNeedleForms.characters(v) >= 6 { forms.text = [v] }
        case .uid:
            if v.utf8.count >= 6, UIDRegistry.entry(for: UID(v)) == nil { addText(v, .number, kind, keyword) }
        case .birthdate:
            guard let date = DateForms.parse(v) else {
                // A date in another calendar that is not YYYYMMDD: the whole value.
                if GateNeedleForms.characters(v) >= 6 { forms.text = [v] }
                break
            }
            addText(DateForms.compact(date), .dateThenDigits, kind, keyword)
            for form in DateForms.birthForms(date) { addText(form, .date, kind, keyword) }
            addDate(date, kind, keyword)
        case .otherdate:
            guard let date = DateForms.parse(v) else { break }
            addText(DateForms.compact(date), .number, kind, keyword)
            for form in DateForms.otherForms(date) { addText(form, .date, kind, keyword) }
            addDate(date, kind, keyword)
        }
        for form in forms.text where !GateKeywords.isDummy(form) {
            addText(form, GateNeedle.boundary(for: Array(form.utf8)), kind, keyword)
        }
        for d in forms.digits where !GateKeywords.isDummy(d) {
            let needle = GateNeedle(bytes: Array(d.utf8), boundary: .number, kind: kind, attribute: keyword)
            if let old = digits[d], NeedleCollector.rank[old.kind]! <= NeedleCollector.rank[kind]! { continue }
            digits[d] = needle
            text.insert(needle)   // a digit form is a number in the text too (spec 2.2)
        }
    }

    mutating func addDate(_ date: DateForms.Date, _ kind: GateNeedle.Kind, _ keyword: String) {
        let needle = GateNeedle(bytes: Array(DateForms.compact(date).utf8), boundary: .number, kind: kind, attribute: keyword)
        addDate(GateProtectedDate(year: date.year, month: date.month, day: date.day, needle: needle))
    }

    mutating func addDate(_ d: GateProtectedDate) {
        if let i = dates.firstIndex(where: { $0.year == d.year && $0.month == d.month && $0.day == d.day }) {
            if NeedleCollector.rank[dates[i].needle.kind]! > NeedleCollector.rank[d.needle.kind]! { dates[i] = d }
            return
        }
        dates.append(d)
    }

    mutating func addText(_ form: String, _ boundary: GateNeedle.Boundary, _ kind: GateNeedle.Kind, _ keyword: String) {
        text.insert(GateNeedle(bytes: Array(form.utf8), boundary: boundary, kind: kind, attribute: keyword))
    }
}

import DICOMCore
import DICOMFile

/// One de-identification pass over a data set and its items: the table's action for every
/// element, carried out. Compound actions keep the attribute when the IOD might need it,
/// never its value: sendit has no PS3.3 module tables, so X/Z becomes Z (emptied), X/D, Z/D
/// and X/Z/D become D (a dummy: the attribute may be Type 1, as Device Serial Number is in the
/// enhanced IODs; a sequence under X/Z/D is emptied), and X/Z/U* keeps a sequence's items with
/// their UIDs remapped (Z for anything else). D on a sequence (Content Sequence, say, which may be
/// Type 1) keeps its items, cleaned by the profile at their level: the dummy that keeps the
/// IOD whole. A sequence that arrived as UN is parsed as implicit VR little endian items
/// (PS3.5 6.2.2) and treated as a sequence; if it cannot be parsed, it is removed.
struct Walk {
    let engine: Deidentifier
    let jitter: Int
    let tokens: CleaningTokens

    init(engine: Deidentifier, jitter: Int, tokens: CleaningTokens) {
        self.engine = engine
        self.jitter = jitter
        self.tokens = tokens
    }

    /// Dates are moved (not only kept or removed).
    var datesShifted: Bool {
        engine.settings.profile.options.contains(.retainLongitudinalModifiedDates) && jitter != 0
    }

    func clean(_ ds: DataSet, characterSet: SpecificCharacterSet) -> DataSet {
        let charset = ds[.specificCharacterSet] != nil ? ds.specificCharacterSet : characterSet
        var out: [DataElement] = []
        var privateCreatorsUsed = Set<Tag>()
        var overlayGroupsRemoved = Set<UInt16>()
        for e in ds {
            let tag = e.tag
            if tag.isGroupLength || tag.group == 0x0000 || tag.group == 0x0002 || tag.isDelimiterOrItem {
                continue
            }
            if tag.isPrivate {
                if tag.isPrivateCreator { continue }   // kept below if an element of its block is
                if let kept = keepPrivate(e, in: ds, characterSet: charset) {
                    out.append(kept)
                    if let creator = tag.privateCreatorTag { privateCreatorsUsed.insert(creator) }
                }
                continue
            }
            guard let rule = engine.settings.profile.rule(for: tag) else {
                // Kept: a known attribute (or any, when configured) that names no one.
                if !Walk.identifiesWithoutARow(e), DataDictionary.entry(for: tag) != nil || engine.settings.keepUnknownAttributes,
                   let kept = keep(e, characterSet: charset) {
                    out.append(kept)
                }
                continue
            }
            if let result = apply(rule.action, to: e, characterSet: charset) {
                out.append(result)
            } else if tag.group & 0xFF00 == 0x6000 && tag.element == 0x3000 {
                overlayGroupsRemoved.insert(tag.group)
            }
        }
        for creator in privateCreatorsUsed {
            if let e = ds[creator] { out.append(e) }
        }
        // An overlay without its data is no overlay: the rest of its group goes too.
        if !overlayGroupsRemoved.isEmpty {
            out.removeAll { overlayGroupsRemoved.contains($0.tag.group) }
        }
        var result = DataSet(out)
        result.hasUndefinedLength = ds.hasUndefinedLength
        return result
    }

    /// An element kept as it is; a sequence's items are cleaned. A sequence that arrived as UN
    /// is parsed first; if it cannot be, it is removed (its content cannot be cleaned).
    func keep(_ e: DataElement, characterSet: SpecificCharacterSet, items: [DataSet]?? = nil) -> DataElement? {
        if let items = items ?? Walk.items(of: e) {
            return DataElement(sequence: e.tag, items: items.map { clean($0, characterSet: characterSet) },
                               hasUndefinedLength: e.items != nil ? e.hasUndefinedLength : true)
        }
        if e.vr == .UN && DataDictionary.vr(for: e.tag) == .SQ { return nil }
        // Text the table keeps (a code meaning, an SR text value) is still emptied if it holds a
        // value the profile removes elsewhere: the patient's name in a kept attribute is no less
        // a leak. Only values of 6 characters or more count here (a name part "Long" must not
        // empty a code meaning "Long axis"); the PHI gate still refuses a shorter one as a word.
        if Walk.keptTextVRs.contains(effectiveVR(e)),
           tokens.found(in: e.strings(characterSet: characterSet).joined(separator: "\\"), shortestPart: 6) {
            return DataElement(tag: e.tag, vr: e.vr, value: .empty)
        }
        return e
    }

    /// Attributes Table E.1-1 has no row for that name or date a person all the same (a
    /// person's name in any PN attribute; birth and death dates in another calendar; addresses
    /// and telephone numbers): removed, whatever the table leaves out.
    static func identifiesWithoutARow(_ e: DataElement) -> Bool {
        if e.vr == .PN || DataDictionary.vr(for: e.tag) == .PN { return true }
        return TextSearch.keyword(of: e.tag, question: 1,
                                  containsAny: ["BirthDate", "DeathDate", "AlternativeCalendar", "Address", "Telephone", "Telecom"])
    }

    static let keptTextVRs: Set<VR> = [.AE, .CS, .LO, .LT, .PN, .SH, .ST, .UC, .UR, .UT]

    /// A sequence's items; for a sequence that arrived as UN, its value parsed as implicit VR
    /// little endian items (nil if it cannot be).
    static func items(of e: DataElement) -> [DataSet]? {
        if let items = e.items { return items }
        guard e.vr == .UN, DataDictionary.vr(for: e.tag) == .SQ, case .binary(let value) = e.value,
              let bytes = try? value.load() else { return nil }
        // The element re-framed as an undefined-length sequence: tag, 0xFFFFFFFF, the items,
        // a Sequence Delimitation Item.
        var framed: [UInt8] = []
        func le16(_ v: UInt16) { framed += [UInt8(v & 0xFF), UInt8(v >> 8)] }
        le16(e.tag.group); le16(e.tag.element); framed += [0xFF, 0xFF, 0xFF, 0xFF]
        framed += bytes
        le16(0xFFFE); le16(0xE0DD); framed += [0, 0, 0, 0]
        var options = ReadOptions(strictness: .lenient)
        options.bulkDataThreshold = .max
        guard let parsed = try? Part10File.readDataSet(bytes: framed, transferSyntax: .implicitVRLittleEndian, options: options),
              parsed.dataSet.count == 1, let items = parsed.dataSet[e.tag]?.items else { return nil }
        return items
    }

    func apply(_ action: ProfileAction, to e: DataElement, characterSet: SpecificCharacterSet) -> DataElement? {
        let isSequence = e.vr == .SQ || e.items != nil || (e.vr == .UN && DataDictionary.vr(for: e.tag) == .SQ)
        // A UN sequence is parsed once, here, and its items handed on.
        let items: [DataSet]? = isSequence ? Walk.items(of: e) : nil
        switch action {
        case .k:
            return keep(e, characterSet: characterSet, items: .some(items))
        case .x:
            return nil
        case .z, .xz:
            return emptied(e, isSequence: isSequence)
        case .xzd where isSequence:
            return emptied(e, isSequence: true)
        case .d, .xd, .zd, .xzd:
            if isSequence {
                if items != nil { return keep(e, characterSet: characterSet, items: .some(items)) }
                return emptied(e, isSequence: true)
            }
            return dummy(e)
        case .u, .xzu:
            if isSequence {
                if items != nil { return keep(e, characterSet: characterSet, items: .some(items)) }
                return emptied(e, isSequence: true)
            }
            if effectiveVR(e) == .UI { return remapped(e) }
            return emptied(e, isSequence: false)
        case .c:
            return cleaned(e, isSequence: isSequence, items: items, characterSet: characterSet)
        }
    }

    func effectiveVR(_ e: DataElement) -> VR {
        e.vr == .UN ? DataDictionary.vr(for: e.tag) : e.vr
    }

    func emptied(_ e: DataElement, isSequence: Bool) -> DataElement {
        if isSequence { return DataElement(sequence: e.tag, items: [], hasUndefinedLength: false) }
        return DataElement(tag: e.tag, vr: effectiveVR(e) == .UN ? .UN : effectiveVR(e), value: .empty)
    }

    /// Every value of a UI element through the keyed remapper.
    func remapped(_ e: DataElement) -> DataElement {
        let values = e.strings(characterSet: .default).filter { !$0.isEmpty }
        guard !values.isEmpty else { return DataElement(tag: e.tag, vr: .UI, value: .empty) }
        return DataElement(tag: e.tag, vr: .UI, strings: values.map(engine.uids.remap))
    }

    /// D: a value that says nothing, of the element's VR.
    func dummy(_ e: DataElement) -> DataElement? {
        let vr = effectiveVR(e)
        switch vr {
        case .UI: return remapped(e)
        case .DA: return DataElement(tag: e.tag, vr: vr, string: "19000101")
        case .TM: return DataElement(tag: e.tag, vr: vr, string: "000000")
        case .DT: return DataElement(tag: e.tag, vr: vr, string: "19000101000000")
        case .IS, .DS: return DataElement(tag: e.tag, vr: vr, string: "0")
        case .AS: return DataElement(tag: e.tag, vr: vr, string: "000D")
        case .AE, .CS, .LO, .LT, .PN, .SH, .ST, .UC, .UT: return DataElement(tag: e.tag, vr: vr, string: "ANONYMIZED")
        case .UR: return DataElement(tag: e.tag, vr: vr, string: "ANONYMIZED")   // a relative reference
        case .OB, .OW, .UN, .OD, .OF, .OL, .OV:
            let unit = vr == .OD || vr == .OV ? 8 : vr == .OF || vr == .OL ? 4 : 2
            return DataElement(tag: e.tag, vr: vr, bytes: [UInt8](repeating: 0, count: unit))
        default:
            if let size = vr.fixedValueSize { return DataElement(tag: e.tag, vr: vr, bytes: [UInt8](repeating: 0, count: size)) }
            return emptied(e, isSequence: false)
        }
    }

    /// C: sequences are cleaned item by item; dates moved by the patient's jitter; times kept
    /// (whole days are moved); UIDs remapped; text kept only if it holds none of the patient's
    /// identifying values (else emptied). Any other value (overlay or curve data under Clean
    /// Graphics: sendit cannot clean pixels) is removed.
    func cleaned(_ e: DataElement, isSequence: Bool, items: [DataSet]?, characterSet: SpecificCharacterSet) -> DataElement? {
        if isSequence {
            return items == nil ? nil : keep(e, characterSet: characterSet, items: .some(items))
        }
        let vr = effectiveVR(e)
        switch vr {
        case .DA, .DT:
            guard let shifted = DateShifter.shift(e.strings(characterSet: .default), vr: vr, days: shiftDays) else {
                return emptied(e, isSequence: false)
            }
            return DataElement(tag: e.tag, vr: vr, strings: shifted)
        case .TM:
            return e
        case .UI:
            return remapped(e)
        case .AE, .AS, .CS, .DS, .IS, .LO, .LT, .PN, .SH, .ST, .UC, .UR, .UT:
            let text = e.strings(characterSet: characterSet).joined(separator: "\\")
            if tokens.found(in: text) {
                return emptied(e, isSequence: false)
            }
            return e
        default:
            return nil
        }
    }

    /// Days dates move by: the jitter under Modified Dates, none under Full Dates.
    var shiftDays: Int {
        engine.settings.profile.options.contains(.retainLongitudinalModifiedDates) ? jitter : 0
    }

    /// A private element survives only under Retain Safe Private, on the safe list.
    func keepPrivate(_ e: DataElement, in ds: DataSet, characterSet: SpecificCharacterSet) -> DataElement? {
        guard engine.settings.profile.options.contains(.retainSafePrivate), !engine.settings.safePrivateAttributes.isEmpty,
              let creator = ds.privateCreator(of: e.tag) else { return nil }
        let safe = engine.settings.safePrivateAttributes.contains {
            $0.creator == creator && $0.group == e.tag.group && $0.elementByte == UInt8(e.tag.element & 0xFF)
        }
        guard safe else { return nil }
        if let items = e.items {
            return DataElement(sequence: e.tag, items: items.map { clean($0, characterSet: characterSet) },
                               hasUndefinedLength: e.hasUndefinedLength)
        }
        return e
    }
}

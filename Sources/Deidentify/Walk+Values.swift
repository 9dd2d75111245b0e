import DICOMCore

/// Carrying actions out on values: emptied, dummies, cleaned text and numbers, searched binary
/// values, moved dates, remapped UIDs, cleaned items.
extension Walk {
    func emptied(_ e: DataElement) -> DataElement {
        if e.items != nil || effectiveVR(e) == .SQ { return DataElement(sequence: e.tag, items: [], hasUndefinedLength: false) }
        return DataElement(tag: e.tag, vr: effectiveVR(e), value: .empty)
    }

    /// D: a value that says nothing, of the element's VR; a UID is remapped (so references
    /// still agree).
    func dummy(_ e: DataElement, path: [Tag]) -> DataElement? {
        let vr = effectiveVR(e)
        if vr == .UI {
            let values = e.strings().filter { !$0.isEmpty }
            if !values.isEmpty { return DataElement(tag: e.tag, vr: .UI, strings: values.map(uids.remap)) }
        }
        return DummyValue.value(e.tag, vr: vr, remap: uids.remap) ?? emptied(e)
    }

    /// A text value cleaned of the identifying values and patterns (TextCleaner). A value
    /// cleaned to nothing is removed, or made a dummy or empty as its IOD type requires.
    func cleanedText(_ e: DataElement, path: [Tag], reason: @autoclosure () -> String) -> DataElement? {
        let vr = effectiveVR(e)
        let values = e.strings(characterSet: .utf8)
        guard let cleaned = cleaner.clean(values, vr: vr, tag: e.tag) else {
            log.record(.kept, e.tag, at: path, reason: reason())
            return vr == e.vr ? e : DataElement(tag: e.tag, vr: vr, value: e.value)
        }
        let what = { cleaned.removals.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ") }
        if cleaned.values.allSatisfy(\.isEmpty) {
            return removeOrKeepPresent(e, path: path, reason: reason() + "; nothing left after cleaning (\(what()))")
        }
        log.record(.cleaned, e.tag, at: path, reason: reason(), outcome: "removed \(what())")
        return DataElement(tag: e.tag, vr: vr, strings: cleaned.values)
    }

    /// IS and DS: a value equal to an identifier's digits is replaced by 0; a value that is not
    /// a number at all is cleaned as text.
    func cleanedNumbers(_ e: DataElement, path: [Tag], reason: @autoclosure () -> String) -> DataElement? {
        let values = e.strings()
        let numeric = values.allSatisfy { v in v.isEmpty || v.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || b == 0x2B || b == 0x2D || b == 0x2E || b == 0x45 || b == 0x65 } }
        guard numeric else { return cleanedText(e, path: path, reason: reason() + "; not a number: cleaned as text") }
        guard let cleaned = cleaner.cleanNumbers(values) else {
            log.record(.kept, e.tag, at: path, reason: reason())
            return e
        }
        log.record(.replaced, e.tag, at: path, reason: reason() + "; a value equal to an identifier", outcome: "replaced by 0")
        return DataElement(tag: e.tag, vr: effectiveVR(e), strings: cleaned.values)
    }

    /// A binary value (numbers, OB, OW, UN…) is kept unless it holds an identifying value in
    /// some plausible encoding; then it is removed (zero-filled if the IOD requires it).
    func checkedBinary(_ e: DataElement, path: [Tag], reason: @autoclosure () -> String) -> DataElement? {
        guard case .binary(let value) = e.value, value.length >= 4 else {
            log.record(.kept, e.tag, at: path, reason: reason())
            return e
        }
        guard let bytes = try? value.load() else {
            return removeOrKeepPresent(e, path: path, reason: reason() + "; the value cannot be read to be checked")
        }
        guard let kind = cleaner.findInBinary(bytes, vr: e.vr, characterSet: .utf8) ?? identifyingNumber(e) else {
            log.record(.kept, e.tag, at: path, reason: reason())
            return e
        }
        let why = kind == CompressedContent.cutShort ? "holds \(kind)" : "holds an identifying value (\(kind))"
        if let t = type(of: e.tag, at: path), t.isType1 || t.isType2 {
            log.record(.zeroFilled, e.tag, at: path, reason: reason() + "; \(why); required by its IOD")
            return DummyValue.zeroed(e)
        }
        log.record(.removed, e.tag, at: path, reason: reason() + "; \(why)")
        return nil
    }

    /// Dates moved by the patient's jitter (retain-modified-dates), kept (retain-full-dates);
    /// a value that cannot be moved safely (not a whole date) is removed or emptied.
    func shiftedDates(_ e: DataElement, path: [Tag], reason: @autoclosure () -> String) -> DataElement? {
        let vr = effectiveVR(e)
        let days = options.contains(.retainLongitudinalModifiedDates) ? jitter : 0
        if days == 0 {
            log.record(.kept, e.tag, at: path, reason: reason())
            return canonicalTimes(e, path: path)
        }
        guard let moved = DateShifter.shift(e.strings(), vr: vr, days: days) else {
            return removeOrKeepPresent(e, path: path, reason: reason() + "; not a whole date, so it cannot be moved")
        }
        log.record(.shifted, e.tag, at: path, reason: reason(), outcome: "moved by the patient's jitter")
        return canonicalTimes(DataElement(tag: e.tag, vr: vr, strings: moved), path: path)
    }

    /// Each value not in the UID registry gets its keyed replacement. A class attribute (SOP
    /// class, coding scheme…) keeps a value the registry has, a well-known coding scheme's OID
    /// (spec/deid/coding-scheme-uids.tsv), or the instance's own SOP Class UID (a private SOP
    /// class); any other value there is remapped too.
    func remapped(_ e: DataElement, path: [Tag], kind: AttributePolicy.UIDKind, reason: @autoclosure () -> String) -> DataElement? {
        let values = e.strings()
        var changed = 0
        let out = values.map { v -> String in
            if v.isEmpty || UIDRegistry.entry(for: UID(v)) != nil { return v }
            if kind == .class && AttributePolicy.isWellKnownCodingScheme(v) { return v }
            // The instance's own private SOP class is kept, unless a component of it is an
            // identifier's digits (an MRN built into a UID): then it is remapped like any other.
            if kind == .class && v == ownSOPClass && !embedsIdentifier(v) { return v }
            changed += 1
            return uids.remap(v)
        }
        if changed == 0 {
            log.record(.kept, e.tag, at: path, reason: reason() + " (registered)")
            return e
        }
        log.record(.remapped, e.tag, at: path, reason: reason(), outcome: "\(changed) of \(values.count) remapped")
        return DataElement(tag: e.tag, vr: .UI, strings: out)
    }

    /// A UID one of whose components equals an identifier's digits.
    func embedsIdentifier(_ uid: String) -> Bool {
        uid.split(separator: ".").contains { cleaner.cleanNumbers([String($0)]) != nil }
    }

    /// A sequence whose items are kept, each cleaned at its own level.
    func cleanItems(_ e: DataElement, path: [Tag], reason: @autoclosure () -> String) -> DataElement? {
        guard let items = e.items else {
            log.record(.removed, e.tag, at: path, reason: reason() + "; not a readable sequence")
            return nil
        }
        let inside = path + [e.tag]
        var cleaned: [DataSet] = []
        cleaned.reserveCapacity(items.count)
        for item in items {
            if e.tag == .contentSequence, let why = contentItemToRemove(item) {
                log.record(.contentItemRemoved, e.tag, at: path, reason: why)
                continue
            }
            var c = clean(prepared(item, in: e.tag), path: inside)
            c.hasUndefinedLength = item.hasUndefinedLength
            cleaned.append(c)
        }
        if e.tag == .graphicAnnotationSequence && !options.contains(.cleanGraphics) {
            cleaned.removeAll { !$0.contains(.graphicObjectSequence) && !$0.contains(.textObjectSequence) }
            if cleaned.isEmpty {
                log.record(.removed, e.tag, at: path, reason: reason() + "; text annotations removed (no clean-graphics), nothing left")
                return nil
            }
        }
        if cleaned.isEmpty && !items.isEmpty, let t = type(of: e.tag, at: path), t.isType1 {
            log.record(.dummyItem, e.tag, at: path, reason: reason() + "; every item was removed and the sequence is Type 1")
            return DataElement(sequence: e.tag, items: [DummyValue.item(for: e.tag, at: path, original: items, iod: iod, remap: uids.remap)],
                               hasUndefinedLength: e.hasUndefinedLength)
        }
        log.record(.itemsCleaned, e.tag, at: path, reason: reason(), outcome: "\(cleaned.count) item(s)")
        return DataElement(sequence: e.tag, items: cleaned, hasUndefinedLength: e.items != nil ? e.hasUndefinedLength : true)
    }

    /// An item as the walk should see it: under the Basic Profile alone (no clean-graphics), the
    /// text objects of a graphic annotation go (they are what names and dates are written in).
    func prepared(_ item: DataSet, in sequence: Tag) -> DataSet {
        guard sequence == .graphicAnnotationSequence, !options.contains(.cleanGraphics), item.contains(.textObjectSequence) else { return item }
        var item = item
        item.remove(.textObjectSequence)
        log.record(.removed, .textObjectSequence, at: [sequence], reason: "graphic annotation text objects are removed without clean-graphics")
        return item
    }

    /// A structured report's content item that restates a patient attribute the profile
    /// removes (Subject Birth Date, Subject Age, Subject Sex…, spec/deid/sr-subject-concepts.tsv)
    /// goes with it: the table's action for that attribute decides.
    func contentItemToRemove(_ item: DataSet) -> String? {
        guard let concept = item[.conceptNameCodeSequence]?.items?.first,
              let value = concept.string(.codeValue), let scheme = concept.string(.codingSchemeDesignator),
              let attribute = SRSubjectConcepts.attribute(codeValue: value, scheme: scheme),
              let rule = settings.profile.rule(for: attribute) else { return nil }
        if rule.action == .k { return nil }
        let keyword = DataDictionary.entry(for: attribute)?.keyword ?? "\(attribute)"
        return "content item (\(scheme), \(value)) restates \(keyword), which Table E.1-1 does not keep (\(rule.action))"
    }

    /// A private element survives only under Retain Safe Private, on the safe list; its text is
    /// cleaned and its binary value searched like any other's.
    func keepPrivate(_ e: DataElement, in ds: DataSet, path: [Tag]) -> DataElement? {
        guard options.contains(.retainSafePrivate), !settings.safePrivateAttributes.isEmpty,
              let creator = ds.privateCreator(of: e.tag),
              settings.safePrivateAttributes.contains(where: {
                  $0.creator == creator && $0.group == e.tag.group && $0.elementByte == UInt8(e.tag.element & 0xFF)
              }) else {
            log.record(.removed, e.tag, at: path, reason: "private attribute, not on the safe list (Table E.1-1: X)")
            return nil
        }
        let why = "private attribute on the safe list (retain-safe-private, DEID_SAFE_PRIVATE)"
        if e.items != nil { return cleanItems(e, path: path, reason: why) }
        if e.vr.isString && e.vr != .UI { return cleanedText(e, path: path, reason: why) }
        if e.vr == .UI { return remapped(e, path: path, kind: .instance, reason: why) }
        return checkedBinary(e, path: path, reason: why)
    }
}

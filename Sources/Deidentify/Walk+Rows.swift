import DICOMCore

/// Attributes Table E.1-1 has a row for.
extension Walk {
    func applyRow(_ rule: ConfidentialityProfile.Rule, to e: DataElement, path: [Tag], in ds: DataSet) -> DataElement? {
        let type = iod == nil ? nil : self.type(of: e.tag, at: path)
        let action = SimpleAction.resolve(rule.action, type: type, iodKnown: iod != nil)
        let why = { () -> String in
            var s = "Table E.1-1 \(rule.action)"
            if let option = rule.option { s += " (option \(option.settingName))" }
            if rule.action.isCompound {
                s += " → \(action.rawValue.uppercased())"
                if let iod { s += type.map { " (Type \($0.label) in \(iod.id))" } ?? " (not in \(iod.id))" }
                else { s += " (IOD not known: the choice that keeps any IOD whole)" }
            }
            return s
        }
        let isSequence = e.items != nil
        switch action {
        case .x:
            log.record(.removed, e.tag, at: path, reason: why())
            return nil
        case .z:
            log.record(.emptied, e.tag, at: path, reason: why())
            return emptied(e)
        case .d:
            if isSequence { return dummySequence(e, path: path, reason: why()) }
            log.record(.dummy, e.tag, at: path, reason: why())
            return dummy(e, path: path)
        case .k:
            return keep(e, path: path, reason: why())
        case .c:
            return cleanByRow(e, path: path, reason: why())
        case .u:
            if isSequence { return cleanItems(e, path: path, reason: why()) }
            if effectiveVR(e) == .UI { return remapped(e, path: path, kind: .instance, reason: why()) }
            log.record(.emptied, e.tag, at: path, reason: why() + " (not a UID)")
            return emptied(e)
        }
    }

    /// K: kept; a sequence's items cleaned; kept text still cleaned of identifying values (a
    /// name in a code meaning is no less a leak); a kept binary value still searched.
    func keep(_ e: DataElement, path: [Tag], reason: @autoclosure () -> String) -> DataElement? {
        if e.items != nil { return cleanItems(e, path: path, reason: reason()) }
        let vr = effectiveVR(e)
        switch vr {
        case .UI, .DA, .DT, .TM:
            log.record(.kept, e.tag, at: path, reason: reason())
            return canonicalTimes(e, path: path)
        default:
            if vr.isString { return cleanedText(e, path: path, reason: reason()) }
            return checkedBinary(e, path: path, reason: reason())
        }
    }

    /// C: dates moved by the patient's jitter; times kept; UIDs remapped; a sequence's items
    /// cleaned; text cleaned (narrative text removed unless the site keeps it); values that
    /// cannot be cleaned (overlay and curve data: graphics) removed.
    func cleanByRow(_ e: DataElement, path: [Tag], reason: @autoclosure () -> String) -> DataElement? {
        if e.items != nil { return cleanItems(e, path: path, reason: reason()) }
        let vr = effectiveVR(e)
        switch vr {
        case .DA, .DT:
            return shiftedDates(e, path: path, reason: reason())
        case .TM:
            log.record(.kept, e.tag, at: path, reason: reason() + " (times are kept: dates move by whole days)")
            return canonicalTimes(e, path: path)
        case .UI:
            return remapped(e, path: path, kind: .instance, reason: reason())
        default:
            guard vr.isString else {
                log.record(.removed, e.tag, at: path, reason: reason() + " (a binary value cannot be cleaned)")
                return nil
            }
            let structured = options.contains(.cleanStructuredContent) && path.contains(.contentSequence)
            if AttributePolicy.textClass(e.tag) == .narrative && !settings.keepsNarrativeText && !structured {
                return removeOrKeepPresent(e, path: path, reason: reason() + "; narrative text is removed (DEID_NARRATIVE_TEXT=remove)")
            }
            return cleanedText(e, path: path, reason: reason())
        }
    }

    /// D on a sequence: a sequence that identifies gets a minimal item that conforms, never its
    /// own; one that carries the object's content (Content Sequence, Graphic Annotation
    /// Sequence) keeps its items, each cleaned at its own level. A sequence spec/deid does not
    /// name is taken to identify.
    func dummySequence(_ e: DataElement, path: [Tag], reason: @autoclosure () -> String) -> DataElement? {
        if AttributePolicy.sequenceUnderD(e.tag) == .content {
            return cleanItems(e, path: path, reason: reason() + " (a sequence of content: items cleaned in place)")
        }
        let item = DummyValue.item(for: e.tag, at: path, original: e.items ?? [], iod: iod, remap: uids.remap)
        log.record(.dummyItem, e.tag, at: path, reason: reason() + " (a sequence that identifies: one minimal item)")
        return DataElement(sequence: e.tag, items: [item], hasUndefinedLength: e.hasUndefinedLength)
    }
}

extension ProfileAction {
    var isCompound: Bool {
        switch self {
        case .zd, .xz, .xd, .xzd, .xzu: true
        default: false
        }
    }
}

extension AttributeType {
    var label: String {
        switch self {
        case .type1: "1"
        case .type1C: "1C"
        case .type2: "2"
        case .type2C: "2C"
        case .type3: "3"
        }
    }
}

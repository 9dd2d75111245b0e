import DICOMCore

/// Attributes Table E.1-1 has no row for. The table lists what may identify, not everything that
/// can: an attribute without a row is kept only where its VR cannot carry identifying text, or
/// where the reviewed allowlist (spec/deid/attributes-without-row.tsv) keeps it, and kept text
/// is cleaned like any other. docs/deidentification-attributes.md gives the decision for every
/// dictionary attribute.
extension Walk {
    func applyNoRow(to e: DataElement, path: [Tag]) -> DataElement? {
        guard let entry = DataDictionary.entry(for: e.tag) else {
            guard settings.keepUnknownAttributes else {
                log.record(.removed, e.tag, at: path, reason: "not in the data dictionary: not known to be safe (DEID_KEEP_UNKNOWN_ATTRIBUTES=false)")
                return nil
            }
            let why = "not in the data dictionary, kept by DEID_KEEP_UNKNOWN_ATTRIBUTES"
            if e.vr.isString && ![.UI, .DA, .DT, .TM, .IS, .DS].contains(e.vr) { return cleanedText(e, path: path, reason: why + "; cleaned") }
            return byVR(e, vr: e.vr, path: path, why: why)
        }
        // A value sent in a VR its tag does not have is not what the tag's rule was made for.
        if e.vr != .UN, e.items == nil, !entry.vrs.isEmpty, !entry.vrs.contains(e.vr),
           !(entry.vrs.contains(.SQ) && e.vr == .SQ) {
            return removeOrKeepPresent(e, path: path, reason: "no row; sent as \(e.vr), which is not its VR (\(entry.vrs.map { "\($0)" }.joined(separator: " or ")))")
        }
        return byVR(e, vr: effectiveVR(e), path: path, why: "no row")
    }

    func byVR(_ e: DataElement, vr: VR, path: [Tag], why: String) -> DataElement? {
        if e.items != nil || vr == .SQ {
            return cleanItems(e, path: path, reason: why + "; a sequence: items cleaned attribute by attribute")
        }
        switch vr {
        case .US, .SS, .UL, .SL, .FL, .FD, .SV, .UV, .AT, .OF, .OD, .OL, .OV, .OB, .OW, .UN:
            return checkedBinary(e, path: path, reason: why + "; binary: kept unless it holds an identifying value")
        case .IS, .DS:
            return cleanedNumbers(e, path: path, reason: why + "; a number")
        case .UI:
            let kind = AttributePolicy.uidKind(e.tag) ?? .instance
            if options.contains(.retainUIDs) {
                log.record(.kept, e.tag, at: path, reason: why + "; UID kept (retain-uids)")
                return e
            }
            return remapped(e, path: path, kind: kind, reason: why + "; UID (\(kind == .class ? "names a class" : "names an instance"))")
        case .DA, .DT, .TM:
            return byDateOptions(e, vr: vr, path: path, why: why)
        default:
            guard vr.isString else { return removeOrKeepPresent(e, path: path, reason: why + "; VR \(vr)") }
            let decision = AttributePolicy.withoutRow(e.tag) ?? (vr == .CS ? .keep : .remove)
            switch decision {
            case .keep:
                return cleanedText(e, path: path, reason: why + "; kept (reviewed allowlist), cleaned")
            case .narrative:
                if settings.keepsNarrativeText {
                    return cleanedText(e, path: path, reason: why + "; narrative text kept cleaned (DEID_NARRATIVE_TEXT=clean)")
                }
                if options.contains(.cleanStructuredContent) && path.contains(.contentSequence) {
                    return cleanedText(e, path: path, reason: why + "; structured content kept cleaned (clean-structured-content)")
                }
                return removeOrKeepPresent(e, path: path, reason: why + "; narrative text is removed (DEID_NARRATIVE_TEXT=remove)")
            case .remove:
                return removeOrKeepPresent(e, path: path, reason: why + "; text that may identify (reviewed: remove)")
            }
        }
    }

    /// A date or time where no row decides: kept under retain-full-dates, dates moved under
    /// retain-modified-dates (times kept with them), otherwise removed or emptied. A recipe's
    /// KEEP of a date comes here too: it keeps the attribute, not the real date.
    func byDateOptions(_ e: DataElement, vr: VR, path: [Tag], why: String) -> DataElement? {
        switch vr {
        case .DA, .DT:
            if options.contains(.retainLongitudinalFullDates) {
                log.record(.kept, e.tag, at: path, reason: why + "; date kept (retain-full-dates)")
                return canonicalTimes(e, path: path)
            }
            if options.contains(.retainLongitudinalModifiedDates) {
                return shiftedDates(e, path: path, reason: why + "; date moved (retain-modified-dates)")
            }
            return removeOrKeepPresent(e, path: path, reason: why + "; a date, and no date option keeps dates")
        case .TM:
            if options.contains(.retainLongitudinalFullDates) || options.contains(.retainLongitudinalModifiedDates) {
                log.record(.kept, e.tag, at: path, reason: why + "; time kept with the dates")
                return canonicalTimes(e, path: path)
            }
            return removeOrKeepPresent(e, path: path, reason: why + "; a time, and no date option keeps dates")
        default:
            return nil
        }
    }
}

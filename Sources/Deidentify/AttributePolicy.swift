import DICOMCore

/// sendit's reviewed decisions for what Table E.1-1 leaves open (spec/deid/*.tsv, generated into
/// AttributePolicy+Tables.swift; docs/deidentification-attributes.md shows them per attribute).
/// Each look-up answers for dictionary attributes only; nil means the reviewed file has no row
/// for the tag, which for an attribute the file must cover only happens with placeholder files.
public enum AttributePolicy {
    /// An attribute of a text VR or CS without a row in Table E.1-1 (attributes-without-row.tsv).
    public enum NoRowDecision: UInt8, Sendable, CaseIterable {
        /// A descriptor or acquisition parameter researchers need: kept, cleaned of identifying values.
        case keep = 1
        /// Free text: removed by default; a site may keep it cleaned.
        case narrative
        /// Identifies or may identify: removed (a dummy if Type 1, empty if Type 2 in the IOD).
        case remove
    }

    /// A text attribute whose Table E.1-1 row has C or K (text-attributes-with-row.tsv).
    public enum TextClass: UInt8, Sendable, CaseIterable {
        /// A short descriptor, kept after cleaning under clean-descriptors.
        case descriptor = 1
        /// Free text: removed by default, kept cleaned under a site setting.
        case narrative
    }

    /// A sequence whose Table E.1-1 row has D (sequences-under-d.tsv).
    public enum SequenceUnderD: UInt8, Sendable, CaseIterable {
        /// Its items describe or identify a person, order, device or institution: replaced by a
        /// minimal conforming dummy item, never its original items.
        case identifying = 1
        /// It carries the object's content: its items are kept, each cleaned in place.
        case content
    }

    /// What a UI attribute names (uid-attributes.tsv).
    public enum UIDKind: UInt8, Sendable, CaseIterable {
        /// An instance, series, study, frame of reference…: remapped unless registered in PS3.6.
        case instance = 1
        /// A kind of thing (SOP class, transfer syntax, coding scheme…): kept when registered, a
        /// well-known coding scheme, or the instance's own SOP Class UID; otherwise remapped.
        case `class`
    }

    public static func withoutRow(_ tag: Tag) -> NoRowDecision? {
        attributesWithoutRow.value(for: tag).flatMap(NoRowDecision.init(rawValue:))
    }

    public static func textClass(_ tag: Tag) -> TextClass? {
        textAttributesWithRow.value(for: tag).flatMap(TextClass.init(rawValue:))
    }

    public static func sequenceUnderD(_ tag: Tag) -> SequenceUnderD? {
        sequencesUnderD.value(for: tag).flatMap(SequenceUnderD.init(rawValue:))
    }

    public static func uidKind(_ tag: Tag) -> UIDKind? {
        uidAttributes.value(for: tag).flatMap(UIDKind.init(rawValue:))
    }

    /// Whether `uid` is a well-known external coding scheme (coding-scheme-uids.tsv: SNOMED CT,
    /// LOINC, UCUM…), which a class attribute such as Coding Scheme UID may keep.
    public static func isWellKnownCodingScheme(_ uid: String) -> Bool {
        var lo = 0, hi = codingSchemeUIDs.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if codingSchemeUIDs[mid] < uid { lo = mid + 1 } else { hi = mid }
        }
        return lo < codingSchemeUIDs.count && codingSchemeUIDs[lo] == uid
    }
}

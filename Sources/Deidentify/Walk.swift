import DICOMCore
import DICOMFile

/// One de-identification pass over a data set and its items: for every element, the action of
/// PS3.15 Table E.1-1 with the options (compound actions resolved by the attribute's type in the
/// instance's IOD), or, for an attribute the table has no row for, the reviewed decision of
/// spec/deid by its VR (see docs/deidentification-attributes.md); then carried out. Every
/// kept text value is cleaned of the original's identifying values and of identifying
/// patterns; every kept binary value is searched for them. Each action is recorded in the log.
///
/// The data set was normalised first (InputNormalizer): text is UTF-8 or the default
/// repertoire, UN values of known tags have their VR, UN sequences are parsed.
struct Walk {
    let settings: DeidentificationSettings
    let uids: UIDRemapper
    let jitter: Int
    let cleaner: TextCleaner
    let iod: InformationObjectDefinition?
    /// The instance's own SOP Class UID (a private SOP class is kept where a class is named).
    let ownSOPClass: String
    let log: ActionLog

    var options: Set<ProfileOption> { settings.profile.options }

    /// Dates are moved (not only kept or removed).
    var datesShifted: Bool { options.contains(.retainLongitudinalModifiedDates) && jitter != 0 }

    /// Cleans one data set (the top level, or an item inside the sequences `path`).
    func clean(_ ds: DataSet, path: [Tag]) -> DataSet {
        var out: [DataElement] = []
        out.reserveCapacity(ds.count)
        var creatorsUsed = Set<Tag>()
        for e in ds {
            let tag = e.tag
            if tag.isGroupLength || tag.group == 0x0000 || tag.group == 0x0002 || tag.isDelimiterOrItem {
                if !tag.isDelimiterOrItem { log.record(.removed, tag, at: path, reason: "group length, command or File Meta element (File Meta is written anew)") }
                continue
            }
            if tag.isPrivate {
                if tag.isPrivateCreator { continue }   // kept below if an element of its block is
                if let kept = keepPrivate(e, in: ds, path: path) {
                    out.append(kept)
                    if let creator = tag.privateCreatorTag { creatorsUsed.insert(creator) }
                }
                continue
            }
            if Walk.isOverlayOrCurve(tag) {
                log.record(.removed, tag, at: path, reason: tag.group & 0xFF00 == 0x6000
                    ? "overlay group: its bitmap, description and label may carry text that cannot be cleaned"
                    : "curve group (retired): its data and labels may carry text")
                continue
            }
            if !path.isEmpty && Walk.isSampleData(tag) {
                log.record(.removed, tag, at: path, reason: "sample data inside an item: only the top level's Pixel Data is rebuilt and checked, and no IOD puts sample data here (an icon's goes with its sequence)")
                continue
            }
            if let result = handle(e, path: path, in: ds) { out.append(result) }
        }
        for creator in creatorsUsed {
            if let e = ds[creator] { out.append(e) }
        }
        var result = DataSet(out)
        result.hasUndefinedLength = ds.hasUndefinedLength
        return result
    }

    /// Overlays (60xx, even groups 6000–601E) and retired curves (50xx) go whole: an overlay's
    /// bitmap is graphics that may spell a name, and nothing can clean it; an overlay without
    /// its data is no overlay, and its description or label is free text.
    static func isOverlayOrCurve(_ tag: Tag) -> Bool {
        let g = tag.group
        return (g >= 0x6000 && g <= 0x601E && g & 1 == 0) || (g >= 0x5000 && g <= 0x501E && g & 1 == 0)
    }

    /// Pixel Data, Float Pixel Data, Double Float Pixel Data and their offset tables (group
    /// 7FE0): images of their own, which only the top level's rebuilder can make safe.
    static func isSampleData(_ tag: Tag) -> Bool { tag.group == 0x7FE0 }

    /// One standard element.
    func handle(_ e: DataElement, path: [Tag], in ds: DataSet) -> DataElement? {
        if let rule = settings.profile.rule(for: e.tag) {
            return applyRow(rule, to: e, path: path, in: ds)
        }
        return applyNoRow(to: e, path: path)
    }

    /// The attribute's type where it stands in the instance's IOD (nil: not in it, or no IOD).
    func type(of tag: Tag, at path: [Tag]) -> AttributeType? {
        guard let iod else { return nil }
        // Nested content items are folded onto the first level by the IOD's look-up.
        return iod.type(at: path + [tag])
    }

    /// The VR the element is handled as: its own, or the dictionary's when it arrived as UN.
    func effectiveVR(_ e: DataElement) -> VR {
        e.vr == .UN ? DataDictionary.vr(for: e.tag) : e.vr
    }

    /// Removed, unless the IOD needs it: Type 1 → a dummy, Type 2 → empty.
    func removeOrKeepPresent(_ e: DataElement, path: [Tag], reason: @autoclosure () -> String) -> DataElement? {
        switch type(of: e.tag, at: path) {
        case let t? where t.isType1:
            log.record(.dummy, e.tag, at: path, reason: reason() + "; Type 1 in \(iod?.id ?? "the IOD"), so a dummy")
            return dummy(e, path: path)
        case let t? where t.isType2:
            log.record(.emptied, e.tag, at: path, reason: reason() + "; Type 2 in \(iod?.id ?? "the IOD"), so empty")
            return emptied(e)
        default:
            log.record(.removed, e.tag, at: path, reason: reason())
            return nil
        }
    }
}

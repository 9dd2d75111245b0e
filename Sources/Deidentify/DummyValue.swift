import DICOMCore

/// The D action's values (PS3.15 E.1.1: "a non-zero length value that may be a dummy value and
/// consistent with the VR"), and the minimal item a Type 1 sequence that identifies gets
/// instead of its own.
enum DummyValue {
    /// The text sendit writes for a dummy. The PHI gate ignores it as a value.
    static let text = "ANONYMIZED"

    /// A value of `vr` that says nothing; nil for a VR that has none (the caller empties it).
    static func value(_ tag: Tag, vr: VR, remap: (String) -> String) -> DataElement? {
        switch vr {
        case .DA: return DataElement(tag: tag, vr: vr, string: "19000101")
        case .TM: return DataElement(tag: tag, vr: vr, string: "000000")
        case .DT: return DataElement(tag: tag, vr: vr, string: "19000101000000")
        case .IS, .DS: return DataElement(tag: tag, vr: vr, string: "0")
        case .AS: return DataElement(tag: tag, vr: vr, string: "000D")
        // A person name of one component with its separator, as PS3.5 6.2.1 writes it.
        case .PN: return DataElement(tag: tag, vr: vr, string: text + "^")
        case .AE, .CS, .LO, .LT, .SH, .ST, .UC, .UT: return DataElement(tag: tag, vr: vr, string: text)
        case .UR: return DataElement(tag: tag, vr: vr, string: text)   // a relative reference
        case .UI: return DataElement(tag: tag, vr: vr, string: remap("\(tag.rawValue)"))
        case .OB, .OW, .UN, .OD, .OF, .OL, .OV:
            let unit = vr == .OD || vr == .OV ? 8 : vr == .OF || vr == .OL ? 4 : 2
            return DataElement(tag: tag, vr: vr, bytes: [UInt8](repeating: 0, count: unit))
        default:
            if let size = vr.fixedValueSize { return DataElement(tag: tag, vr: vr, bytes: [UInt8](repeating: 0, count: size)) }
            return nil
        }
    }

    /// A value of the same length, all zero (a binary value that held an identifying value and
    /// that its IOD requires).
    static func zeroed(_ e: DataElement) -> DataElement {
        let length = Int(e.binaryLength ?? 0)
        return DataElement(tag: e.tag, vr: e.vr, bytes: [UInt8](repeating: 0, count: length + (length & 1)))
    }

    /// The minimal item of a sequence that identifies: the IOD's Type 1 attributes inside it
    /// with dummies, Type 2 ones empty (the tables list them by path). Without the IOD's
    /// tables: a code item when the original items were codes (Code Value, Coding Scheme
    /// Designator, Code Meaning), else an empty item.
    static func item(for sequence: Tag, at path: [Tag], original: [DataSet], iod: InformationObjectDefinition?,
                     remap: (String) -> String) -> DataSet {
        var item = DataSet()
        let inside = path + [sequence]
        let candidates = Set(original.flatMap(\.tags))
        if let iod {
            for tag in candidates.sorted() {
                guard let type = iod.type(at: inside + [tag]) else { continue }
                let vr = DataDictionary.vr(for: tag)
                if type.isType1 {
                    if vr == .SQ { item.set(DataElement(sequence: tag, items: [], hasUndefinedLength: false)); continue }
                    if let v = value(tag, vr: vr, remap: remap) { item.set(v) }
                } else if type.isType2 {
                    item.set(vr == .SQ ? DataElement(sequence: tag, items: [], hasUndefinedLength: false)
                                       : DataElement(tag: tag, vr: vr, value: .empty))
                }
            }
            if !item.isEmpty { return item }
        }
        if candidates.contains(.codeValue) || candidates.contains(.codeMeaning) {
            item.set(DataElement(tag: .codeValue, vr: .SH, string: text))
            item.set(DataElement(tag: .codingSchemeDesignator, vr: .SH, string: "99SENDIT"))
            item.set(DataElement(tag: .codeMeaning, vr: .LO, string: text))
        }
        return item
    }
}

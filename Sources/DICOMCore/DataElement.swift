/// A data element: tag, VR and value (PS3.5 7.1). Values are kept as they were read and
/// decoded only when asked for (see DataElement+Values.swift).
public struct DataElement: Sendable {
    public var tag: Tag
    public var vr: VR
    public var value: ElementValue
    /// The element was encoded with undefined length (a sequence or encapsulated Pixel Data).
    /// The writer keeps the form it was read in.
    public var hasUndefinedLength: Bool

    public init(tag: Tag, vr: VR, value: ElementValue, hasUndefinedLength: Bool = false) {
        self.tag = tag
        self.vr = vr
        self.value = value
        self.hasUndefinedLength = hasUndefinedLength
    }

    public init(tag: Tag, vr: VR, bytes: [UInt8]) {
        self.init(tag: tag, vr: vr, value: .binary(.inline(bytes)))
    }

    /// A string element, padded to even length as its VR requires.
    public init(tag: Tag, vr: VR, string: String) {
        var bytes = Array(string.utf8)
        if bytes.count & 1 == 1 { bytes.append(vr.paddingByte) }
        self.init(tag: tag, vr: vr, bytes: bytes)
    }

    /// A string element with several values, joined by backslashes.
    public init(tag: Tag, vr: VR, strings: [String]) {
        self.init(tag: tag, vr: vr, string: strings.joined(separator: "\\"))
    }

    public init(sequence tag: Tag, items: [DataSet], hasUndefinedLength: Bool = true) {
        self.init(tag: tag, vr: .SQ, value: .sequence(items), hasUndefinedLength: hasUndefinedLength)
    }

    /// The bytes of the value if they are in memory; nil for sequences, fragments and values
    /// left in the file.
    public var bytes: [UInt8]? {
        if case .binary(.inline(let b)) = value { return b }
        return nil
    }

    public var items: [DataSet]? {
        if case .sequence(let items) = value { return items }
        return nil
    }

    /// The length of a binary value; nil for sequences and fragments (their length depends on
    /// the encoding they are written in).
    public var binaryLength: UInt64? {
        if case .binary(let b) = value { return b.length }
        return nil
    }

    public var isEmpty: Bool {
        switch value {
        case .binary(let b): return b.length == 0
        case .sequence(let items): return items.isEmpty
        case .fragments(let f): return f.isEmpty
        }
    }

    public var dictionaryEntry: DictionaryEntry? { DataDictionary.entry(for: tag) }
}

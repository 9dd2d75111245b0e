/// The value field of a data element, in little-endian byte order whatever the source's order.
public enum ElementValue: Sendable {
    /// A value as bytes (strings, numbers, OB/OW/UN…), in memory or left in the file.
    case binary(BinaryValue)
    /// A sequence's items, in order.
    case sequence([DataSet])
    /// Encapsulated Pixel Data (PS3.5 A.4): the items in order; the first is the Basic Offset
    /// Table (possibly empty), the others are fragments. Kept as bytes.
    case fragments([BinaryValue])

    public static let empty = ElementValue.binary(.inline([]))
}

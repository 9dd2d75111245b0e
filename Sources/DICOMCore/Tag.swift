/// A data element tag (group, element), PS3.5 7.1. Ordered as the standard orders a data set:
/// by group, then element (which is the order of the 32-bit value).
public struct Tag: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32

    @inlinable public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    @inlinable public init(group: UInt16, element: UInt16) {
        rawValue = UInt32(group) << 16 | UInt32(element)
    }

    @inlinable public var group: UInt16 { UInt16(truncatingIfNeeded: rawValue >> 16) }
    @inlinable public var element: UInt16 { UInt16(truncatingIfNeeded: rawValue) }

    /// Odd group other than 0001, 0003, 0005, 0007 and FFFF (PS3.5 7.8.1).
    public var isPrivate: Bool {
        group & 1 == 1 && group > 0x0007 && group != 0xFFFF
    }
    /// (gggg,0010-00FF) in a private group: reserves a block of 256 elements for a creator.
    public var isPrivateCreator: Bool { isPrivate && element >= 0x0010 && element <= 0x00FF }
    /// The private creator element that owns this private data element, e.g. (0029,1010) → (0029,0010).
    public var privateCreatorTag: Tag? {
        guard isPrivate, element >= 0x1000 else { return nil }
        return Tag(group: group, element: element >> 8)
    }
    /// (gggg,0000): a group length.
    public var isGroupLength: Bool { element == 0 }
    /// The item and delimitation tags of group FFFE.
    public var isDelimiterOrItem: Bool { group == 0xFFFE }
    public var isFileMetaInformation: Bool { group == 0x0002 }
    public var isCommand: Bool { group == 0x0000 }

    @inlinable public static func < (a: Tag, b: Tag) -> Bool { a.rawValue < b.rawValue }

    /// `(0010,0010)`, upper-case hex as dcmdump prints it.
    public var description: String {
        "(" + Tag.hex4(group) + "," + Tag.hex4(element) + ")"
    }

    /// `00100010`, the form of the DICOM JSON Model and of the spec tables.
    public var hexString: String { Tag.hex4(group) + Tag.hex4(element) }

    /// Parses `(0010,0010)`, `0010,0010` or `00100010`.
    public init?(parsing text: String) {
        let hex = text.filter { $0 != "(" && $0 != ")" && $0 != "," && $0 != " " }
        guard hex.count == 8, let value = UInt32(hex, radix: 16) else { return nil }
        self.init(value)
    }

    static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)
    static func hex4(_ v: UInt16) -> String {
        let d = hexDigits
        return String(decoding: [d[Int(v >> 12)], d[Int(v >> 8 & 0xF)], d[Int(v >> 4 & 0xF)], d[Int(v & 0xF)]],
                      as: UTF8.self)
    }

}

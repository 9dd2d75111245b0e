/// A DICOM unique identifier (PS3.5 9): dot-separated numbers, at most 64 characters.
public struct UID: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }

    public var description: String { rawValue }
    public static func < (a: UID, b: UID) -> Bool { a.rawValue < b.rawValue }

    /// True if the UID has PS3.5 9.1's form: 1-64 characters, components of digits separated by
    /// single dots, no leading zero in a component of more than one digit.
    public var isValid: Bool {
        let bytes = Array(rawValue.utf8)
        guard !bytes.isEmpty, bytes.count <= 64 else { return false }
        var componentStart = true, leadingZero = false
        for b in bytes {
            if b == UInt8(ascii: ".") {
                if componentStart { return false }
                componentStart = true
                leadingZero = false
            } else if b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") {
                if leadingZero { return false }
                if componentStart { leadingZero = b == UInt8(ascii: "0") }
                componentStart = false
            } else {
                return false
            }
        }
        return !componentStart
    }

    /// The registry entry, if this UID is one the standard defines.
    public var registryEntry: UIDEntry? { UIDRegistry.entry(for: self) }
}

/// An attribute's type in a module of PS3.3 (7.4): whether it must be present and may be empty.
/// The raw values order the types from strictest to loosest, so `<` means "stricter".
///
/// A conditional type (1C, 2C) is its number when the attribute is present, which is when the
/// de-identifier asks: it never needs the condition itself.
public enum AttributeType: UInt8, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    /// Required, with a value.
    case type1 = 1
    /// Required with a value under a condition.
    case type1C
    /// Required, may be empty.
    case type2
    /// Required, may be empty, under a condition.
    case type2C
    /// Optional.
    case type3

    /// The type ignoring its condition: 1C → 1, 2C → 2.
    public var unconditional: AttributeType {
        switch self {
        case .type1, .type1C: .type1
        case .type2, .type2C: .type2
        case .type3: .type3
        }
    }

    /// As PS3.3 prints it: "1", "1C", "2", "2C", "3".
    public var description: String {
        switch self {
        case .type1: "1"
        case .type1C: "1C"
        case .type2: "2"
        case .type2C: "2C"
        case .type3: "3"
        }
    }

    public static func < (a: AttributeType, b: AttributeType) -> Bool { a.rawValue < b.rawValue }
}

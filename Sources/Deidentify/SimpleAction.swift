/// What is done to one attribute once a compound action of Table E.1-1 is resolved (PS3.15
/// E.1.1): remove, empty, a dummy, keep, clean, or new UIDs.
enum SimpleAction: String, Sendable {
    case x, z, d, k, c, u

    /// Resolves `action` by the attribute's type where it stands in the instance's IOD (PS3.3
    /// tables): Type 1 (or 1C, present) → D, Type 2 → Z, Type 3 or not in the IOD → X. Z/D is Z
    /// unless Type 1. X/Z/U* of a Type 1 or Type 2 sequence is U: its items kept with their
    /// UIDs replaced, since other attributes refer to what it references (a Referenced Series
    /// Sequence, say), and an emptied one would leave them pointing at nothing. When the IOD is not known (an SOP class newer than the
    /// tables, or none), the conservative choice that keeps any IOD whole: X/Z → Z, X/D, Z/D and
    /// X/Z/D → D, X/Z/U* → U.
    static func resolve(_ action: ProfileAction, type: AttributeType?, iodKnown: Bool) -> SimpleAction {
        switch action {
        case .x: return .x
        case .z: return .z
        case .d: return .d
        case .k: return .k
        case .c: return .c
        case .u: return .u
        case .zd:
            guard iodKnown else { return .d }
            return type?.isType1 == true ? .d : .z
        case .xz:
            guard iodKnown else { return .z }
            return type?.isType1 == true || type?.isType2 == true ? .z : .x
        case .xd:
            guard iodKnown else { return .d }
            if type?.isType1 == true { return .d }
            return type?.isType2 == true ? .z : .x
        case .xzd:
            guard iodKnown else { return .d }
            if type?.isType1 == true { return .d }
            return type?.isType2 == true ? .z : .x
        case .xzu:
            guard iodKnown else { return .u }
            return type?.isType1 == true || type?.isType2 == true ? .u : .x
        }
    }
}

extension AttributeType {
    /// Type 1, or 1C (asked only of attributes that are present, so the condition held).
    var isType1: Bool { self == .type1 || self == .type1C }
    var isType2: Bool { self == .type2 || self == .type2C }
}

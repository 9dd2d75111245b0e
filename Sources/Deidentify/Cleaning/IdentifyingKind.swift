/// What a removal is counted as (matching spec 1 and 4): the kind of identifying value found,
/// or the pattern that matched. Counts are kept by kind, never by value.
enum IdentifyingKind: String, Sendable, CaseIterable, Comparable {
    case name, id, birthdate, otherdate, contact, place, device, uid
    case patternDate = "pattern:date"
    case patternDigits = "pattern:digits"
    case patternPhone = "pattern:phone"
    case patternEmail = "pattern:email"
    case patternURL = "pattern:url"

    /// When the same folded form comes from two kinds, the earlier one names it (a name part
    /// that is also a word of the institution is counted as a name).
    var priority: Int {
        switch self {
        case .name: 0
        case .id: 1
        case .birthdate: 2
        case .otherdate: 3
        case .contact: 4
        case .place: 5
        case .device: 6
        case .uid: 7
        case .patternDate: 8
        case .patternDigits: 9
        case .patternPhone: 10
        case .patternEmail: 11
        case .patternURL: 12
        }
    }

    static func < (a: IdentifyingKind, b: IdentifyingKind) -> Bool { a.priority < b.priority }
}

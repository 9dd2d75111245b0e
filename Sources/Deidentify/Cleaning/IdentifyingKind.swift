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
    var priority: Int { IdentifyingKind.allCases.firstIndex(of: self)! }

    var isPattern: Bool { priority >= IdentifyingKind.patternDate.priority }

    static func < (a: IdentifyingKind, b: IdentifyingKind) -> Bool { a.priority < b.priority }
}

import DICOMCore

/// What the engine did to each attribute, and why. Counts are always kept (each de-identified
/// image records them, for the audit trail); the lines only when a person asked for an
/// explanation (`sendit deid --explain`). Neither ever holds a value.
final class ActionLog {
    /// Per kind of action, in `ActionTaken.allCases` order (an array: counted for every
    /// element of every image).
    private var tally = [Int](repeating: 0, count: ActionTaken.allCases.count)
    private(set) var lines: [ExplainedAction]?

    var counts: [ActionTaken: Int] {
        var out: [ActionTaken: Int] = [:]
        for (i, n) in tally.enumerated() where n > 0 { out[ActionTaken.allCases[i]] = n }
        return out
    }

    init(explaining: Bool) {
        lines = explaining ? [] : nil
    }

    var isExplaining: Bool { lines != nil }

    /// Records one action; `reason` and `outcome` are built only when explaining.
    func record(_ action: ActionTaken, _ tag: Tag, at path: [Tag],
                reason: @autoclosure () -> String, outcome: @autoclosure () -> String = "") {
        tally[action.index] += 1
        guard lines != nil else { return }
        lines!.append(ExplainedAction(path: path, tag: tag, action: action, reason: reason(), outcome: outcome()))
    }

    /// A note about the file as a whole (normalisation, Pixel Data).
    func note(_ action: ActionTaken, _ tag: Tag, reason: String) {
        record(action, tag, at: [], reason: reason)
    }
}

/// The kinds of action, as counted.
public enum ActionTaken: String, Sendable, CaseIterable, Comparable {
    case removed, emptied, dummy, kept, cleaned, remapped, shifted, itemsCleaned = "items-cleaned",
         dummyItem = "dummy-item", zeroFilled = "zero-filled", contentItemRemoved = "content-item-removed",
         replaced, rebuilt, normalized

    public static func < (a: ActionTaken, b: ActionTaken) -> Bool { a.index < b.index }

    /// Its place in `allCases`.
    var index: Int {
        switch self {
        case .removed: 0
        case .emptied: 1
        case .dummy: 2
        case .kept: 3
        case .cleaned: 4
        case .remapped: 5
        case .shifted: 6
        case .itemsCleaned: 7
        case .dummyItem: 8
        case .zeroFilled: 9
        case .contentItemRemoved: 10
        case .replaced: 11
        case .rebuilt: 12
        case .normalized: 13
        }
    }
}

/// One line of an explanation: which attribute (with the sequences around it), what was done,
/// the rule that decided it, and the outcome with values masked.
public struct ExplainedAction: Sendable, CustomStringConvertible {
    public let path: [Tag]
    public let tag: Tag
    public let action: ActionTaken
    public let reason: String
    public let outcome: String

    public var keyword: String { DataDictionary.entry(for: tag)?.keyword ?? (tag.isPrivate ? "(private)" : "(unknown)") }

    public var description: String {
        let where_ = (path.map { "\($0)/" }.joined()) + "\(tag)"
        var line = "\(where_) \(keyword): \(action.rawValue) — \(reason)"
        if !outcome.isEmpty { line += " → \(outcome)" }
        return line
    }
}

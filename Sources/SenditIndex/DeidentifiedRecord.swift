import Foundation

/// A row of `deidentified`: the outbox copy of an image, with its new UIDs, and when the index
/// recorded it. Only the de-identification stage writes it, after the copy passed the PHI gate.
@dynamicMemberLookup
public struct DeidentifiedRecord: Sendable, Equatable {
    public var copy: DeidentifiedCopy
    /// When the index recorded the copy: which copy of the image this is.
    public var createdAt: Date

    public init(_ copy: DeidentifiedCopy, createdAt: Date) {
        self.copy = copy
        self.createdAt = createdAt
    }

    public subscript<Value>(dynamicMember keyPath: KeyPath<DeidentifiedCopy, Value>) -> Value { copy[keyPath: keyPath] }
}

import Deidentify

/// Where a series' replacement identifiers come from: the identifiers service, or the keyed
/// local pseudonymizer. Throw `StageError.permanent` for an answer that retrying cannot change.
public protocol IdentifiersProvider: Sendable {
    /// A short name for logs and events ("local", the service's URL).
    var name: String { get }
    func identifiers(for request: IdentifiersRequest) throws -> IdentifiersResponse
}

/// The keyed local pseudonymizer (no service configured).
public struct LocalIdentifiersProvider: IdentifiersProvider {
    public let pseudonymizer: LocalPseudonymizer
    public var name: String { "local pseudonymizer" }

    public init(pseudonymizer: LocalPseudonymizer) { self.pseudonymizer = pseudonymizer }

    public func identifiers(for request: IdentifiersRequest) throws -> IdentifiersResponse {
        pseudonymizer.identifiers(for: request)
    }
}

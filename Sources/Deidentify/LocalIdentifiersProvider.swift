/// The keyed local pseudonymizer (no service configured).
public struct LocalIdentifiersProvider: IdentifiersProvider {
    public let pseudonymizer: LocalPseudonymizer
    public var name: String { "local pseudonymizer" }

    public init(pseudonymizer: LocalPseudonymizer) { self.pseudonymizer = pseudonymizer }

    public func identifiers(for request: IdentifiersRequest) throws -> IdentifiersResponse {
        pseudonymizer.identifiers(for: request)
    }
}

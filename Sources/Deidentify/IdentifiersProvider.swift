/// Where a series' replacement identifiers come from: the identifiers service, or the keyed
/// local pseudonymizer. The identify stage records as permanent the errors retrying cannot
/// change (the identifiers service's `RESTIdentifiersProvider.Refusal`).
public protocol IdentifiersProvider: Sendable {
    /// A short name for logs and events ("local", the service's URL).
    var name: String { get }
    func identifiers(for request: IdentifiersRequest) throws -> IdentifiersResponse
}

import SenditIndex

/// What the web app needs for retrievals (RETRIEVE_SOURCES): the index's retrieval jobs and the
/// archives by name with their method. nil in `WebApp` when no archive is configured.
public struct RetrievalAccess: Sendable {
    public var store: any RetrievalStore
    public var sources: [String: RetrievalJob.Method]
    /// The node's projects as they are now (SIGHUP may change them): a retrieval goes to one.
    public var projects: @Sendable () -> Set<String> = { ["default"] }

    public init(store: any RetrievalStore, sources: [String: RetrievalJob.Method]) {
        self.store = store
        self.sources = sources
    }

    /// Who may start, pause and resume retrievals and see their lists' values: admins (a
    /// retrieval list is the requester's own data).
    public static let role = AccessRole.admin
}

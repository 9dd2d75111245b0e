import Foundation

/// One line of the audit trail: who (a user, a token as `token:NAME`, or `-`), from where, did
/// what to what, when. Never a PHI value: targets are series and study keys as the index holds
/// them, user and token names.
public struct AuditEntry: Sendable, Equatable, Codable {
    public enum Action: String, CaseIterable, Codable, Sendable {
        case login, loginFailed = "login-failed", logout
        case retry, release, drop, forceComplete = "force-complete"
        case userAdded = "user-added", userRemoved = "user-removed", passwordChanged = "password-changed"
        case tokenAdded = "token-added", tokenRemoved = "token-removed"
        /// A search by a patient ID or accession number (original or coded): how many series
        /// matched, never the value searched for or its digest.
        case search
        /// An admin was shown a series' original values (SHOW_PHI).
        case viewOriginals = "view-originals"
        /// A project's lookup table (the link between original and research IDs) imported or
        /// exported: the project and the count of patients, never an ID.
        case lookupImported = "lookup-imported", lookupExported = "lookup-exported"
        /// A retrieval job was asked for, paused or resumed (by job id and counts, never a value).
        case retrievalRequested = "retrieval-requested", retrievalPaused = "retrieval-paused", retrievalResumed = "retrieval-resumed"
    }

    public var id: Int64?
    public var at: Date
    public var actor: String
    public var address: String
    public var action: Action
    public var target: String
    public var detail: String

    public init(id: Int64? = nil, at: Date, actor: String, address: String, action: Action, target: String, detail: String = "") {
        self.id = id
        self.at = at
        self.actor = actor
        self.address = address
        self.action = action
        self.target = target
        self.detail = detail
    }
}

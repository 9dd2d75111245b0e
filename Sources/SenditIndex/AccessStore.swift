import Foundation

/// Who may use the web pages and the JSON API, and what they did: users, API tokens,
/// sessions and the audit trail. Every method one transaction; what goes in and out are
/// values. `IndexDatabase` implements it in the same SQLite file as the index.
public protocol AccessStore: AnyObject, Sendable {
    // MARK: users

    /// Adds a user; fails with `AccessError.exists` if the name is taken. Records `audit`.
    func addUser(_ user: WebUser, audit: AuditEntry) throws
    func users() throws -> [WebUser]
    func user(named name: String) throws -> WebUser?
    /// Removes a user and ends their sessions; false if there was none. Records `audit`.
    func removeUser(named name: String, audit: AuditEntry) throws -> Bool
    /// Replaces a user's password hash and ends their sessions; false if there was none.
    func changePassword(user name: String, passwordHash: String, now: Date, audit: AuditEntry) throws -> Bool

    // MARK: API tokens

    func addToken(_ token: APIToken, audit: AuditEntry) throws
    func tokens() throws -> [APIToken]
    /// The token with this digest, marking it used now.
    func useToken(digest: String, now: Date) throws -> APIToken?
    func removeToken(named name: String, audit: AuditEntry) throws -> Bool

    // MARK: sessions

    /// Starts a session; records the login in the same transaction.
    func startSession(_ session: WebSession, audit: AuditEntry) throws
    /// The live session with this digest, its idle clock restarted unless `touch` is false (a
    /// page's automatic refresh: not a sign of anyone there); nil (and the row removed) when it
    /// has expired (idle for `idle`, or past its `expiresAt`).
    func resumeSession(digest: String, idle: TimeInterval, now: Date, touch: Bool) throws -> WebSession?
    /// Ends a session (logout); records `audit` when there was one.
    func endSession(digest: String, audit: AuditEntry?) throws

    // MARK: the audit trail

    func recordAudit(_ entry: AuditEntry) throws
    /// Newest first: at most `limit` entries older than the entry `before` (nil: the newest).
    func auditTrail(limit: Int, before: Int64?, since: Date?) throws -> [AuditEntry]
}

public enum AccessError: Error, Equatable, CustomStringConvertible {
    case exists(String)

    public var description: String {
        switch self {
        case .exists(let name): "\(name) exists already"
        }
    }
}

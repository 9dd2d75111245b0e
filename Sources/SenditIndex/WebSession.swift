import Foundation

/// A logged-in browser: stored by the SHA-256 digest of its cookie's id (a stolen database
/// gives no usable cookie), with the CSRF token its forms carry, and when it ends: after
/// `idle` without a request, or at `expiresAt` whatever happens.
public struct WebSession: Sendable, Equatable {
    public var digest: String
    public var userName: String
    public var role: AccessRole
    public var csrfToken: String
    public var address: String
    public var createdAt: Date
    public var lastSeenAt: Date
    public var expiresAt: Date

    public init(digest: String, userName: String, role: AccessRole, csrfToken: String, address: String, createdAt: Date,
                lastSeenAt: Date, expiresAt: Date) {
        self.digest = digest
        self.userName = userName
        self.role = role
        self.csrfToken = csrfToken
        self.address = address
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
        self.expiresAt = expiresAt
    }
}

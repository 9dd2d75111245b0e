import Foundation

/// A bearer token for the JSON API: a name, a role, and the SHA-256 digest of the token (the
/// token itself is shown once, when made, and never stored).
public struct APIToken: Sendable, Equatable, Codable {
    public var name: String
    public var role: AccessRole
    public var digest: String
    public var createdAt: Date
    public var lastUsedAt: Date?

    public init(name: String, role: AccessRole, digest: String, createdAt: Date, lastUsedAt: Date? = nil) {
        self.name = name
        self.role = role
        self.digest = digest
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }
}

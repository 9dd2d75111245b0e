import Foundation

/// A person who logs in to the web pages: a name, a role, and only a slow salted hash of the
/// password (bcrypt; see SenditWeb's `PasswordHasher`).
public struct WebUser: Sendable, Equatable, Codable {
    public var name: String
    public var role: AccessRole
    public var passwordHash: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(name: String, role: AccessRole, passwordHash: String, createdAt: Date, updatedAt: Date) {
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

import Foundation

/// An alert as the index keeps it, with how far its deliveries got (`AlertStore.recentAlerts`).
public struct AlertRecord: Sendable, Equatable, Codable {
    public var id: Int64
    public var key: String
    public var condition: String
    public var kind: String
    public var body: String
    public var createdAt: Date
    /// When the condition stopped holding (nil: it still holds, or never clears).
    public var clearedAt: Date?
    /// Webhooks that took it (answered 2xx), and those still to.
    public var delivered: Int
    public var pending: Int
    public var lastError: String?

    public init(id: Int64, key: String, condition: String, kind: String, body: String, createdAt: Date, clearedAt: Date?,
                delivered: Int, pending: Int, lastError: String?) {
        self.id = id
        self.key = key
        self.condition = condition
        self.kind = kind
        self.body = body
        self.createdAt = createdAt
        self.clearedAt = clearedAt
        self.delivered = delivered
        self.pending = pending
        self.lastError = lastError
    }
}

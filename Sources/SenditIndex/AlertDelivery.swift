import Foundation

/// An alert still to be delivered to one webhook (`target`: the digest of its URL, never the
/// URL), as `AlertStore.dueAlertDeliveries` hands it to the sender.
public struct AlertDelivery: Sendable, Equatable {
    public var alertId: Int64
    public var key: String
    public var kind: String
    public var body: String
    public var target: String
    /// Tries so far.
    public var attempts: Int
    public var createdAt: Date

    public init(alertId: Int64, key: String, kind: String, body: String, target: String, attempts: Int, createdAt: Date) {
        self.alertId = alertId
        self.key = key
        self.kind = kind
        self.body = body
        self.target = target
        self.attempts = attempts
        self.createdAt = createdAt
    }
}

import Foundation
internal import GRDB

/// A row of `event`: one status change of an entity (image, job, quarantine, folder), with why.
public struct EventRecord: Codable, Sendable {
    public static let databaseTableName = "event"
    public var id: Int64?
    public var entity: String
    public var entityId: Int64?
    public var fromStatus: String?
    public var toStatus: String
    public var reason: String
    public var at: Date

    public init(entity: String, entityId: Int64?, from: String?, to: String, reason: String, at: Date) {
        self.entity = entity
        self.entityId = entityId
        fromStatus = from
        toStatus = to
        self.reason = reason
        self.at = at
    }

}

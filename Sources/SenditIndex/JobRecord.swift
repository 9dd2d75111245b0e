import Foundation
internal import GRDB

/// A row of `job`: one stage of one series. At most one queued and one running job per series
/// and stage (unique partial indexes); a running job holds a lease that expires.
public struct JobRecord: Codable, Sendable {
    public enum State: String, Codable, Sendable, CaseIterable {
        case queued, running, done, failed
    }

    public static let databaseTableName = "job"
    public var id: Int64?
    public var seriesId: Int64
    public var stage: String
    public var state: State
    public var attempts: Int
    public var maxAttempts: Int
    public var availableAt: Date
    public var leaseOwner: String?
    public var leaseExpiresAt: Date?
    public var lastError: String?
    public var createdAt: Date
    public var updatedAt: Date
    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

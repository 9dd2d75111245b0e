import Foundation
import GRDB

/// A row of `quarantine`: a file that could not be imported, where it came from, where it went
/// and why. `moved` is false between the import's commit and the rename into the quarantine
/// folder; start-up finishes such moves.
public struct QuarantineRecord: Codable, FetchableRecord, MutablePersistableRecord, Sendable {
    public static let databaseTableName = "quarantine"
    public var id: Int64?
    public var fileName: String
    public var folder: String
    public var movedTo: String
    public var reason: String
    public var moved: Bool
    public var at: Date
    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    public var sourcePath: String { folder + "/" + fileName }
}

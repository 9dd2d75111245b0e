import Foundation
internal import GRDB

/// A row of `quarantine`: a file that could not be imported, where it came from, where it went
/// and why. `moved` is false between the import's commit and the rename into the quarantine
/// folder; start-up finishes such moves.
public struct QuarantineRecord: Codable, Sendable {
    public static let databaseTableName = "quarantine"
    public var id: Int64?
    public var fileName: String
    public var folder: String
    public var movedTo: String
    public var reason: String
    public var moved: Bool
    public var at: Date

    public init(fileName: String, folder: String, movedTo: String, reason: String, moved: Bool, at: Date) {
        self.fileName = fileName
        self.folder = folder
        self.movedTo = movedTo
        self.reason = reason
        self.moved = moved
        self.at = at
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    public var sourcePath: String { folder + "/" + fileName }
}

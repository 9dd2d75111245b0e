import Foundation
internal import GRDB

/// A row of `image`: one per SOPInstanceUID, with the file it was imported from and its status.
public struct ImageRecord: Codable, Sendable {
    public static let databaseTableName = "image"
    public var id: Int64?
    public var seriesId: Int64
    public var sopInstanceUID: String
    public var sopClassUID: String
    public var transferSyntaxUID: String
    public var path: String
    public var size: Int64
    public var status: ImageStatus
    public var statusReason: String?
    public var createdAt: Date
    public var updatedAt: Date
    /// When its file was written (v12; nil in older rows): see `ImportedImage.receivedAt`.
    public var receivedAt: Date?
    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

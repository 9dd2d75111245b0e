import Foundation
internal import GRDB

/// A row of `series`: one per SeriesInstanceUID. Its status is derived from its images.
public struct SeriesRecord: Codable, Sendable {
    public static let databaseTableName = "series"
    public var id: Int64?
    public var studyId: Int64
    public var seriesInstanceUID: String
    public var modality: String?
    public var createdAt: Date
    /// The project routing chose for its images ("default": a node without projects).
    public var project: String = ImportedImage.defaultProject

    public init(studyId: Int64, seriesInstanceUID: String, modality: String?, createdAt: Date) {
        self.studyId = studyId
        self.seriesInstanceUID = seriesInstanceUID
        self.modality = modality
        self.createdAt = createdAt
    }
    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

import Foundation
internal import GRDB

/// A row of `study`: one per StudyInstanceUID. Its status is derived from its images.
public struct StudyRecord: Codable, Sendable {
    public static let databaseTableName = "study"
    public var id: Int64?
    public var studyInstanceUID: String
    public var createdAt: Date
    /// The project routing chose for its images ("default": a node without projects).
    public var project: String = ImportedImage.defaultProject

    public init(studyInstanceUID: String, createdAt: Date) {
        self.studyInstanceUID = studyInstanceUID
        self.createdAt = createdAt
    }
    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

import Foundation
internal import GRDB

/// A row of `deidentified`: the outbox copy of an image, with its new UIDs. Only the
/// de-identification stage writes it, after the copy passed the PHI gate.
public struct DeidentifiedRecord: Codable, Sendable {
    public static let databaseTableName = "deidentified"
    public var imageId: Int64
    public var studyInstanceUID: String
    public var seriesInstanceUID: String
    public var sopInstanceUID: String
    public var path: String
    public var size: Int64
    public var createdAt: Date
    /// What the engine did, as counts per kind of action (`removed=41 cleaned=3 …`); empty for
    /// copies made before sendit recorded it.
    public var actions: String = ""

    public init(imageId: Int64, studyInstanceUID: String, seriesInstanceUID: String, sopInstanceUID: String, path: String, size: Int64, createdAt: Date, actions: String = "") {
        self.imageId = imageId
        self.studyInstanceUID = studyInstanceUID
        self.seriesInstanceUID = seriesInstanceUID
        self.sopInstanceUID = sopInstanceUID
        self.path = path
        self.size = size
        self.createdAt = createdAt
        self.actions = actions
    }
}

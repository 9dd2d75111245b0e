import Foundation
import GRDB

/// A row of `deidentified`: the outbox copy of an image, with its new UIDs. Only the
/// de-identification stage writes it, after the copy passed the PHI gate.
public struct DeidentifiedRecord: Codable, FetchableRecord, PersistableRecord, Sendable {
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
}

import Foundation

/// An outbox copy as the de-identify stage made it. The index records it with the time it
/// records it (`DeidentifiedRecord.createdAt`, which tells an image's copies apart).
public struct DeidentifiedCopy: Sendable, Equatable {
    public var imageId: Int64
    public var studyInstanceUID: String
    public var seriesInstanceUID: String
    public var sopInstanceUID: String
    public var path: String
    public var size: Int64
    /// What the engine did, as counts per kind of action (`removed=41 cleaned=3 …`).
    public var actions: String

    public init(imageId: Int64, studyInstanceUID: String, seriesInstanceUID: String, sopInstanceUID: String, path: String, size: Int64,
                actions: String = "") {
        self.imageId = imageId
        self.studyInstanceUID = studyInstanceUID
        self.seriesInstanceUID = seriesInstanceUID
        self.sopInstanceUID = sopInstanceUID
        self.path = path
        self.size = size
        self.actions = actions
    }
}

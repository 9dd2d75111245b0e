import Foundation

/// A series that one call moved to DONE: its last images became DONE in that transaction, and
/// every image of it is DONE now. Reported once per series (the transaction that finished it),
/// for the end-to-end latency (from the receipt of its newest image to now).
public struct SeriesCompletion: Sendable, Equatable {
    public var seriesId: Int64
    public var images: Int
    /// When the series' newest image was received (`image.receivedAt`: its file's time, written
    /// as the C-STORE arrived; the import's time for images imported before v12).
    public var lastImageAt: Date
    /// When it became DONE.
    public var doneAt: Date

    public init(seriesId: Int64, images: Int, lastImageAt: Date, doneAt: Date) {
        self.seriesId = seriesId
        self.images = images
        self.lastImageAt = lastImageAt
        self.doneAt = doneAt
    }

    /// Seconds from the newest image's receipt to DONE (never negative).
    public var seconds: Double { max(0, doneAt.timeIntervalSince(lastImageAt)) }
}

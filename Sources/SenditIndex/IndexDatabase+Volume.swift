import Foundation
internal import GRDB

/// An image of a series a volume destination (Google Cloud Storage) takes at once.
public struct VolumeImage: Sendable, Equatable {
    public let id: Int64
    /// The outbox copy, and its de-identified UIDs.
    public let path: String
    public let size: Int64
    public let sopInstanceUID: String
    public let seriesInstanceUID: String
    /// The destination has a record of it already.
    public let done: Bool

    public init(id: Int64, path: String, size: Int64, sopInstanceUID: String, seriesInstanceUID: String, done: Bool) {
        self.id = id
        self.path = path
        self.size = size
        self.sopInstanceUID = sopInstanceUID
        self.seriesInstanceUID = seriesInstanceUID
        self.done = done
    }
}

/// The volume send stage's reads, each one transaction.
extension IndexDatabase {
    /// How many of the series' images are still being identified or de-identified, and its
    /// de-identified images (DONEPROCESSING or SENT), by row id.
    public func volumeInput(seriesId: Int64, destination: String) throws -> (unfinished: Int, images: [VolumeImage]) {
        try writer.read { db in
            (try unfinishedImages(db, seriesId: seriesId),
             try Row.fetchAll(db, sql: """
                SELECT i.id, d.path, d.size, d.sopInstanceUID, d.seriesInstanceUID,
                       EXISTS (SELECT 1 FROM delivery AS v WHERE v.imageId = i.id AND v.destination = ?)
                FROM image AS i JOIN deidentified AS d ON d.imageId = i.id
                WHERE i.seriesId = ? AND i.status IN \([ImageStatus.doneProcessing, .sent].sqlList) ORDER BY i.id
                """, arguments: [destination, seriesId]).map {
                VolumeImage(id: $0[0], path: $0[1], size: $0[2], sopInstanceUID: $0[3], seriesInstanceUID: $0[4], done: $0[5])
             })
        }
    }

    /// Where the series' volume went if it was uploaded to the destination already (its images
    /// delivered there, some perhaps cleaned up since): the object, or "an earlier upload".
    public func earlierUpload(seriesId: Int64, destination: String) throws -> String? {
        try writer.read { db in
            try String.fetchOne(db, sql: """
                SELECT v.detail FROM delivery AS v JOIN image AS i ON i.id = v.imageId
                WHERE i.seriesId = ? AND v.destination = ? AND v.state = \(DeliveryRecord.State.done.sql) LIMIT 1
                """, arguments: [seriesId, destination])
                ?? (try String.fetchOne(db, sql: """
                    SELECT s.destinations FROM seriesSummary AS s
                    JOIN series AS x ON x.seriesInstanceUID = s.seriesInstanceUID AND x.project = s.project
                    WHERE x.id = ? AND instr(',' || s.destinations || ',', ',' || ? || ',') > 0
                    """, arguments: [seriesId, destination])).map { _ in "an earlier upload" }
        }
    }
}

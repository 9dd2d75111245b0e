import Foundation
import GRDB
@testable import SenditIndex

/// States no intent makes at the moment a test needs them (a kill between two steps, a race
/// with another worker), put into the SQLite index by hand. Test-only; each one transaction.
/// Where an intent can make the state, tests use the intent.
extension IndexDatabase {
    /// Puts images (by row id; nil: every image) in `status`, with no event: as another worker,
    /// or an import, would have moved them meanwhile.
    public func forceStatus(_ status: ImageStatus, imageIds: [Int64]? = nil) throws {
        try writer.write { db in
            if let imageIds {
                for id in imageIds {
                    try db.execute(sql: "UPDATE image SET status = ? WHERE id = ?", arguments: [status.rawValue, id])
                }
            } else {
                try db.execute(sql: "UPDATE image SET status = ?", arguments: [status.rawValue])
            }
        }
    }

    /// As if the node was killed while `stage`'s jobs ran, after their work was done but before
    /// it was recorded: every image back in `images`, the stage's jobs queued again with no
    /// attempt counted.
    public func interruptAsIfKilled(stage: String, images: ImageStatus) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE image SET status = ?", arguments: [images.rawValue])
            try db.execute(sql: "UPDATE job SET state = ?, attempts = 0 WHERE stage = ?",
                           arguments: [JobRecord.State.queued.rawValue, stage])
        }
    }

    /// As if the image had been imported from `path` (a file clean-up cannot remove, say).
    public func forcePath(_ path: String, imageId: Int64) throws {
        try writer.write { db in try db.execute(sql: "UPDATE image SET path = ? WHERE id = ?", arguments: [path, imageId]) }
    }
}

import Foundation
internal import GRDB

/// Images indexed before their study was quiet (`ImportedImage.staged`), and the rename of their
/// staging folder once it is: recorded before the rename, finished (the images' paths moved
/// under the new name) after it, in one transaction each, so that a kill between the two is
/// finished at the next start (`stagingRenames`).
extension IndexDatabase {
    /// Records that the staging folder `from` is about to be renamed `to` (full paths).
    public func recordStagingRename(from: String, to: String, now: Date) throws {
        try writer.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO stagingRename (fromFolder, toFolder, at) VALUES (?, ?, ?)",
                           arguments: [from, to, now])
        }
    }

    /// The folder was renamed: the staged images' paths under `from` move under `to`, they are no
    /// longer staged, the intent is dropped, and `firstStage` is queued for each of their series
    /// (whose verification, volume and clean-up waited for this), in one transaction. Returns how
    /// many images moved.
    @discardableResult
    public func finishStagingRename(from: String, to: String, firstStage: String?, maxAttempts: Int, now: Date) throws -> Int {
        try writer.write { db in
            // Every path under `from/` sorts between `from/` and `from0` ('0' follows '/').
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, seriesId, path FROM image WHERE staged = 1 AND path >= ? AND path < ?
                """, arguments: [from + "/", from + "0"])
            var series = Set<Int64>()
            let update = try db.cachedStatement(sql: "UPDATE image SET path = ?, staged = 0 WHERE id = ?")
            for row in rows {
                let id: Int64 = row[0], path: String = row[2]
                try update.execute(arguments: [to + path.dropFirst(from.count), id])
                series.insert(row[1])
            }
            try db.execute(sql: "DELETE FROM stagingRename WHERE fromFolder = ?", arguments: [from])
            if !rows.isEmpty {
                try EventRecord(entity: "folder", entityId: nil, from: "STAGING", to: "FINISHED",
                                reason: "\(from) finished as \(to): \(rows.count) images indexed while it arrived", at: now).insert(db)
            }
            if let firstStage {
                for id in series.sorted() {
                    try SQLiteJobQueue.enqueue(db, seriesId: id, stage: firstStage, maxAttempts: maxAttempts, now: now,
                                               reason: "its staging folder was finished (\(to))")
                }
            }
            return rows.count
        }
    }

    /// Renames recorded and not finished (a kill came between), oldest first.
    public func stagingRenames() throws -> [(from: String, to: String)] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT fromFolder, toFolder FROM stagingRename ORDER BY at, fromFolder").map { ($0[0], $0[1]) }
        }
    }

    /// Forgets a recorded rename that did not happen (the folder is still being written).
    public func dropStagingRename(from: String) throws {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM stagingRename WHERE fromFolder = ?", arguments: [from])
        }
    }

    /// How many images are indexed from staging folders still being written (for tests and the
    /// staging page).
    public func stagedImageCount() throws -> Int {
        try writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM image WHERE staged = 1") ?? 0 }
    }
}

import Foundation
import GRDB

/// What a person does with HELD images (`sendit release`): release them for de-identification
/// (the burned-in rules then skip them; the PHI gate still checks), or drop them (FAILED, never
/// sent). One transaction.
public enum HeldImages {
    public struct Outcome: Sendable {
        public var images = 0
        public var seriesQueued = 0
        /// UIDs that named no HELD image.
        public var unmatched: [String] = []
    }

    /// `uids`: SOPInstanceUIDs or SeriesInstanceUIDs.
    public static func release(_ database: IndexDatabase, uids: [String], drop: Bool, reason: String,
                               maxAttempts: Int, now: Date = Date()) throws -> Outcome {
        try database.writer.write { db in
            var outcome = Outcome()
            var series = Set<Int64>()
            for uid in uids {
                let rows = try Row.fetchAll(db, sql: """
                    SELECT i.id, i.seriesId FROM image AS i JOIN series AS s ON s.id = i.seriesId
                    WHERE i.status = 'HELD' AND (i.sopInstanceUID = ? OR s.seriesInstanceUID = ?)
                    """, arguments: [uid, uid])
                if rows.isEmpty { outcome.unmatched.append(uid) }
                for row in rows {
                    let id: Int64 = row[0], seriesId: Int64 = row[1]
                    if drop {
                        try ImageTransition.moveImage(db, imageId: id, from: .held, to: .failed, reason: "dropped by hand: \(reason)", at: now)
                    } else {
                        try db.execute(sql: "INSERT OR REPLACE INTO released (imageId, reason, at) VALUES (?, ?, ?)", arguments: [id, reason, now])
                        try ImageTransition.moveImage(db, imageId: id, from: .held, to: .processing, reason: "released by hand: \(reason)", at: now)
                        series.insert(seriesId)
                    }
                    outcome.images += 1
                }
            }
            for id in series.sorted() {
                try JobQueue.enqueue(db, seriesId: id, stage: "deidentify", maxAttempts: maxAttempts, now: now, reason: "held images released")
            }
            outcome.seriesQueued = series.count
            return outcome
        }
    }
}

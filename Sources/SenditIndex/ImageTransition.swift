import Foundation
internal import GRDB

/// Moves a series' images from some statuses to another, with one event per image, inside the
/// caller's transaction. Every image status change in sendit goes through here.
enum ImageTransition {
    /// Returns how many images changed.
    @discardableResult
    static func move(_ db: Database, seriesId: Int64, from: [ImageStatus], to: ImageStatus,
                            reason: String, at: Date) throws -> Int {
        guard !from.isEmpty else { return 0 }
        let marks = Array(repeating: "?", count: from.count).joined(separator: ",")
        let fromValues = from.map(\.rawValue)
        try db.execute(sql: """
            INSERT INTO event (entity, entityId, fromStatus, toStatus, reason, at)
            SELECT 'image', id, status, ?, ?, ? FROM image WHERE seriesId = ? AND status IN (\(marks))
            """, arguments: StatementArguments([to.rawValue, reason, at, seriesId] as [any DatabaseValueConvertible]) + StatementArguments(fromValues))
        try db.execute(sql: """
            UPDATE image SET status = ?, statusReason = ?, updatedAt = ? WHERE seriesId = ? AND status IN (\(marks))
            """, arguments: StatementArguments([to.rawValue, reason, at, seriesId] as [any DatabaseValueConvertible]) + StatementArguments(fromValues))
        return db.changesCount
    }
}

extension ImageTransition {
    /// Puts a series' FAILED images back in the status each had before it failed (from its
    /// events), for `sendit retry`. Returns how many changed.
    @discardableResult
    static func restoreFailed(_ db: Database, seriesId: Int64, at: Date) throws -> Int {
        let rows = try Row.fetchAll(db, sql: """
            SELECT i.id AS id, (SELECT e.fromStatus FROM event AS e WHERE e.entity = 'image' AND e.entityId = i.id
                                AND e.toStatus = \(ImageStatus.failed.sql) ORDER BY e.id DESC LIMIT 1) AS previous
            FROM image AS i WHERE i.seriesId = ? AND i.status = \(ImageStatus.failed.sql)
            """, arguments: [seriesId])
        for row in rows {
            let id: Int64 = row["id"]
            let previous = (row["previous"] as String?).flatMap(ImageStatus.init(rawValue:)) ?? .new
            try db.execute(sql: "UPDATE image SET status = ?, statusReason = NULL, updatedAt = ? WHERE id = ?",
                           arguments: [previous.rawValue, at, id])
            try EventRecord(entity: "image", entityId: id, from: ImageStatus.failed.rawValue, to: previous.rawValue,
                            reason: "retried by hand", at: at).insert(db)
        }
        return rows.count
    }
}

extension ImageTransition {
    /// Moves one image, if it is in `from`, with its event. Returns whether it moved.
    @discardableResult
    static func moveImage(_ db: Database, imageId: Int64, from: ImageStatus, to: ImageStatus,
                                 reason: String, at: Date) throws -> Bool {
        // Cached statements: this runs once per image at every stage (prepared statements were
        // the index's largest cost per image).
        let update = try db.cachedStatement(sql: "UPDATE image SET status = ?, statusReason = ?, updatedAt = ? WHERE id = ? AND status = ?")
        try update.execute(arguments: [to.rawValue, reason, at, imageId, from.rawValue])
        guard db.changesCount == 1 else { return false }
        let event = try db.cachedStatement(sql: """
            INSERT INTO event (entity, entityId, fromStatus, toStatus, reason, at) VALUES ('image', ?, ?, ?, ?, ?)
            """)
        try event.execute(arguments: [imageId, from.rawValue, to.rawValue, reason, at])
        return true
    }
}

extension ImageTransition {
    /// Fails a de-identified image (DONEPROCESSING or SENT) with why: a destination refused it,
    /// or gave up on it. An image in another status is left as it is.
    static func failDeidentified(_ db: Database, imageId: Int64, reason: String, at: Date) throws {
        for from in [ImageStatus.doneProcessing, .sent] {
            try moveImage(db, imageId: imageId, from: from, to: .failed, reason: reason, at: at)
        }
    }

    /// A destination's refusals of the series' FAILED images are forgotten: they are sent again.
    static func forgetRefusals(_ db: Database, seriesId: Int64) throws {
        try db.execute(sql: """
            DELETE FROM delivery WHERE state = \(DeliveryRecord.State.failed.sql)
            AND imageId IN (SELECT id FROM image WHERE seriesId = ? AND status = \(ImageStatus.failed.sql))
            """, arguments: [seriesId])
    }
}

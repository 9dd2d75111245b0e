import Foundation
internal import GRDB

/// An image clean-up may remove: DONE, verified at every enabled destination.
public struct CleanupCandidate: Sendable, Equatable {
    public let id: Int64
    public let seriesId: Int64
    /// The original, and its size.
    public let path: String
    public let size: Int64
    /// The outbox copy, and its size.
    public let outboxPath: String?
    public let outboxSize: Int64
    /// Its de-identified SeriesInstanceUID.
    public let newSeries: String?
    /// Its other copies (duplicates, superseded files).
    public let others: [String]

    public init(id: Int64, seriesId: Int64, path: String, size: Int64, outboxPath: String?, outboxSize: Int64, newSeries: String?, others: [String]) {
        self.id = id
        self.seriesId = seriesId
        self.path = path
        self.size = size
        self.outboxPath = outboxPath
        self.outboxSize = outboxSize
        self.newSeries = newSeries
        self.others = others
    }
}

/// A folder as it is now: what `importedFolder` compares a rescan with.
public struct FolderStamp: Sendable, Equatable {
    public let device: Int64
    public let inode: Int64
    public let modifiedAt: Double

    public init(device: Int64, inode: Int64, modifiedAt: Double) {
        self.device = device
        self.inode = inode
        self.modifiedAt = modifiedAt
    }
}

/// What a clean-up removed from the index.
public struct CleanupOutcome: Sendable, Equatable {
    /// The images whose files were removed and whose rows are gone.
    public var removed: [CleanupCandidate] = []
    /// Series removed, left with no image and no pending job.
    public var series = 0
}

/// Clean-up's reads and writes, each one transaction.
extension IndexDatabase {
    /// Removes up to `limit` images DONE at or before `cutoff` that every one of `destinations`
    /// verified (or skipped), in one write transaction: the candidates are chosen, `removeFiles`
    /// removes each one's files (false: it could not; the image is kept), and the rows of those
    /// removed are deleted (each series' summary row updated, its event recorded), while no other
    /// writer can change them; then series and studies left with no image and no pending job go.
    /// `skipping`: images a sweep could not remove before, left out.
    public func cleanUp(cutoff: Date, limit: Int, skipping: Set<Int64>, project: String? = nil, destinations: [String], reason: String, now: Date,
                        removeFiles: (CleanupCandidate) -> Bool) throws -> CleanupOutcome {
        guard !destinations.isEmpty else { return CleanupOutcome() }
        return try writer.write { db in
            var outcome = CleanupOutcome()
            for c in try eligible(db, cutoff: cutoff, limit: limit, skipping: skipping, project: project, destinations: destinations)
            where removeFiles(c) {
                outcome.removed.append(c)
            }
            for c in outcome.removed {
                try summarize(db, c, at: now)
                try db.execute(sql: "DELETE FROM image WHERE id = ?", arguments: [c.id])
                try EventRecord(entity: "cleanup", entityId: c.id, from: ImageStatus.done.rawValue, to: "removed",
                                reason: reason, at: now).insert(db)
            }
            // Series and studies left with no image and no pending job.
            for seriesId in Set(outcome.removed.map(\.seriesId)) {
                let left = try Int.fetchOne(db, sql: """
                    SELECT (SELECT COUNT(*) FROM image WHERE seriesId = ?)
                         + (SELECT COUNT(*) FROM job WHERE seriesId = ? AND state IN \([JobRecord.State.queued, .running].sqlList))
                    """, arguments: [seriesId, seriesId]) ?? 1
                guard left == 0, let studyId = try Int64.fetchOne(db, sql: "SELECT studyId FROM series WHERE id = ?", arguments: [seriesId]) else { continue }
                try db.execute(sql: "DELETE FROM series WHERE id = ?", arguments: [seriesId])
                try EventRecord(entity: "series", entityId: seriesId, from: nil, to: "removed", reason: "clean-up: no images left", at: now).insert(db)
                outcome.series += 1
                if try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM series WHERE studyId = ?", arguments: [studyId]) == 0 {
                    try db.execute(sql: "DELETE FROM study WHERE id = ?", arguments: [studyId])
                    try EventRecord(entity: "study", entityId: studyId, from: nil, to: "removed", reason: "clean-up: no series left", at: now).insert(db)
                }
            }
            return outcome
        }
    }

    /// `project`: only that project's images (nil: every image).
    func eligible(_ db: Database, cutoff: Date, limit: Int, skipping: Set<Int64>, project: String? = nil,
                  destinations: [String]) throws -> [CleanupCandidate] {
        let marks = Array(repeating: "?", count: destinations.count).joined(separator: ",")
        let rows = try Row.fetchAll(db, sql: """
            SELECT i.id, i.seriesId, i.path, i.size, d.path, d.size, d.seriesInstanceUID FROM image AS i
            LEFT JOIN deidentified AS d ON d.imageId = i.id
            WHERE i.status = \(ImageStatus.done.sql) AND i.staged = 0 AND i.updatedAt <= ?
            AND (SELECT COUNT(*) FROM delivery AS v WHERE v.imageId = i.id AND v.state IN \(DeliveryProgress.final)
                 AND v.destination IN (\(marks))) = ?
            \(skipping.isEmpty ? "" : "AND i.id NOT IN (\(skipping.sorted().map(String.init).joined(separator: ",")))")
            \(project == nil ? "" : "AND i.seriesId IN (SELECT id FROM series WHERE project = ?)")
            ORDER BY i.id LIMIT ?
            """, arguments: StatementArguments([cutoff] as [any DatabaseValueConvertible]) + StatementArguments(destinations)
                + [destinations.count] + StatementArguments(project.map { [$0] } ?? []) + [limit])
        return try rows.map { row in
            let id: Int64 = row[0]
            let others = try String.fetchAll(db, sql: "SELECT path FROM otherCopy WHERE imageId = ?", arguments: [id])
            return CleanupCandidate(id: id, seriesId: row[1], path: row[2], size: row[3], outboxPath: row[4],
                                    outboxSize: row[5] ?? 0, newSeries: row[6], others: others)
        }
    }

    /// Adds the image to its series' summary row.
    func summarize(_ db: Database, _ c: CleanupCandidate, at: Date) throws {
        guard let series = try Row.fetchOne(db, sql: """
            SELECT s.seriesInstanceUID, st.studyInstanceUID, s.modality, s.createdAt, s.project FROM series AS s
            JOIN study AS st ON st.id = s.studyId WHERE s.id = ?
            """, arguments: [c.seriesId]) else { return }
        let delivered = try Date.fetchOne(db, sql: "SELECT MAX(verifiedAt) FROM delivery WHERE imageId = ?", arguments: [c.id])
        let deidentified = try Date.fetchOne(db, sql: "SELECT createdAt FROM deidentified WHERE imageId = ?", arguments: [c.id])
        let names = try String.fetchAll(db, sql: "SELECT DISTINCT destination FROM delivery WHERE imageId = ? ORDER BY destination",
                                        arguments: [c.id]).joined(separator: ",")
        try db.execute(sql: """
            INSERT INTO seriesSummary (seriesInstanceUID, studyInstanceUID, deidentifiedSeriesInstanceUID, modality, images, bytes,
                                       deidentifiedBytes, destinations, receivedAt, deliveredAt, cleanedAt, deidentifiedAt, project)
            VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(project, seriesInstanceUID) DO UPDATE SET images = images + 1, bytes = bytes + excluded.bytes,
                deidentifiedBytes = deidentifiedBytes + excluded.deidentifiedBytes,
                deidentifiedSeriesInstanceUID = COALESCE(excluded.deidentifiedSeriesInstanceUID, deidentifiedSeriesInstanceUID),
                destinations = excluded.destinations,
                deliveredAt = MAX(COALESCE(deliveredAt, excluded.deliveredAt), COALESCE(excluded.deliveredAt, deliveredAt)),
                deidentifiedAt = MAX(COALESCE(deidentifiedAt, excluded.deidentifiedAt), COALESCE(excluded.deidentifiedAt, deidentifiedAt)),
                cleanedAt = excluded.cleanedAt
            """, arguments: [series[0] as String, series[1] as String, c.newSeries, series[2] as String?, c.size, c.outboxSize,
                             names, series[3] as Date, delivered, at, deidentified, series[4] as String])
    }

    /// After clean-up tidied folders: an imported folder that remains gets its new stamp (so
    /// the watcher does not import it again), one that went (nil) loses its row.
    public func refreshImportedFolders(_ folders: [(path: String, now: FolderStamp?)]) throws {
        try writer.write { db in
            for (path, stamp) in folders {
                if let stamp {
                    try db.execute(sql: "UPDATE importedFolder SET modifiedAt = ? WHERE path = ? AND device = ? AND inode = ?",
                                   arguments: [stamp.modifiedAt, path, stamp.device, stamp.inode])
                } else {
                    try db.execute(sql: "DELETE FROM importedFolder WHERE path = ?", arguments: [path])
                }
            }
        }
    }
}

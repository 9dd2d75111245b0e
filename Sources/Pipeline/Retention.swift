#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GRDB
import SenditIndex

/// Clean-up: removes DONE images (the original and its other copies when they are in the data
/// folder, the outbox copy, then the rows) once the retention policy allows, and never before every enabled destination
/// verified the image (checked here again, whatever the status says). What remains is the audit
/// trail: the events, and one `seriesSummary` row per series (counts, bytes, times,
/// destinations). Files go first, rows after, in the transaction that chose them: a kill
/// between leaves rows whose files are gone, and the next sweep finishes them. Folders left
/// empty are removed.
public struct Retention: Sendable {
    public enum Policy: Equatable, Sendable, CustomStringConvertible {
        case immediately
        case after(days: Double)
        case never

        /// `0`, a number of days, or `never`.
        public init?(setting: String) {
            let s = setting.trimmingCharacters(in: .whitespaces).lowercased()
            if s == "never" { self = .never; return }
            guard let days = Double(s), days >= 0, days <= 36_500 else { return nil }
            self = days == 0 ? .immediately : .after(days: days)
        }

        public var description: String {
            switch self {
            case .immediately: "immediately"
            case .after(let days): "after \(days) days"
            case .never: "never"
            }
        }
    }

    public struct Report: Sendable, Equatable {
        public var images = 0
        public var bytes: Int64 = 0
        public var series = 0
        public var folders = 0
        /// Files that could not be removed (their image is kept for the next sweep).
        public var problems: [String] = []
        /// The images kept for that reason.
        public var keptImageIds: Set<Int64> = []
    }

    public let database: IndexDatabase
    public let dataFolder: String
    public let outboxFolder: String
    public let destinations: [String]
    public let policy: Policy

    public init(database: IndexDatabase, dataFolder: String, outboxFolder: String, destinations: [String], policy: Policy) {
        self.database = database
        self.dataFolder = dataFolder
        self.outboxFolder = outboxFolder
        self.destinations = destinations
        self.policy = policy
    }

    struct Candidate {
        let id: Int64
        let seriesId: Int64
        let path: String
        let size: Int64
        let outboxPath: String?
        let outboxSize: Int64
        let newSeries: String?
        let others: [String]
    }

    /// Removes up to `limit` images the policy allows. Returns what it did.
    @discardableResult
    /// `skipping`: images a sweep could not remove before; left out, so that they do not fill
    /// every batch and hold up the others.
    public func sweep(now: Date = Date(), limit: Int = 2000, skipping: Set<Int64> = []) throws -> Report {
        var report = Report()
        let cutoff: Date
        switch policy {
        case .never: return report
        case .immediately: cutoff = now
        case .after(let days): cutoff = now.addingTimeInterval(-days * 86_400)
        }
        // No destination enabled: nothing is ever verified, so nothing is removed.
        guard !destinations.isEmpty else { return report }
        // One write transaction: the candidates are chosen, their files unlinked and their rows
        // deleted while no other writer (an import replacing an instance, a stage) can change
        // them. A kill after some unlinks leaves rows whose files are gone; the next sweep
        // finishes them (a file already gone counts as removed).
        var folders = Set<String>()
        try database.writer.write { db in
            let at = now
            var removed: [Candidate] = []
            for c in try eligible(db, cutoff: cutoff, limit: limit, skipping: skipping) {
                // Originals are removed only from the data folder: a folder imported from
                // elsewhere with `sendit import` is a person's, and stays.
                let paths = [c.outboxPath].compactMap { $0 } + (c.others + [c.path]).filter { PipelineConfiguration.contains(dataFolder, $0) }
                let failures = paths.compactMap(Self.remove)
                guard failures.isEmpty else {
                    report.problems += failures
                    report.keptImageIds.insert(c.id)
                    continue
                }
                removed.append(c)
                folders.insert((c.path as NSString).deletingLastPathComponent)
                for other in c.others { folders.insert((other as NSString).deletingLastPathComponent) }
                if let o = c.outboxPath { folders.insert((o as NSString).deletingLastPathComponent) }
            }
            for c in removed {
                try summarize(db, c, at: at)
                try db.execute(sql: "DELETE FROM image WHERE id = ?", arguments: [c.id])
                try EventRecord(entity: "cleanup", entityId: c.id, from: ImageStatus.done.rawValue, to: "removed",
                                reason: "retention \(policy): original, other copies and outbox copy removed", at: at).insert(db)
                report.images += 1
                report.bytes += c.size + c.outboxSize
            }
            // Series and studies left with no image and no pending job.
            for seriesId in Set(removed.map(\.seriesId)) {
                let left = try Int.fetchOne(db, sql: """
                    SELECT (SELECT COUNT(*) FROM image WHERE seriesId = ?) + (SELECT COUNT(*) FROM job WHERE seriesId = ? AND state IN ('queued','running'))
                    """, arguments: [seriesId, seriesId]) ?? 1
                guard left == 0, let studyId = try Int64.fetchOne(db, sql: "SELECT studyId FROM series WHERE id = ?", arguments: [seriesId]) else { continue }
                try db.execute(sql: "DELETE FROM series WHERE id = ?", arguments: [seriesId])
                try EventRecord(entity: "series", entityId: seriesId, from: nil, to: "removed", reason: "clean-up: no images left", at: at).insert(db)
                report.series += 1
                if try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM series WHERE studyId = ?", arguments: [studyId]) == 0 {
                    try db.execute(sql: "DELETE FROM study WHERE id = ?", arguments: [studyId])
                    try EventRecord(entity: "study", entityId: studyId, from: nil, to: "removed", reason: "clean-up: no series left", at: at).insert(db)
                }
            }
        }
        guard report.images > 0 else { return report }
        report.folders = try tidy(folders)
        return report
    }

    func eligible(_ db: Database, cutoff: Date, limit: Int, skipping: Set<Int64> = []) throws -> [Candidate] {
        let marks = Array(repeating: "?", count: destinations.count).joined(separator: ",")
        let rows = try Row.fetchAll(db, sql: """
            SELECT i.id, i.seriesId, i.path, i.size, d.path, d.size, d.seriesInstanceUID FROM image AS i
            LEFT JOIN deidentified AS d ON d.imageId = i.id
            WHERE i.status = 'DONE' AND i.updatedAt <= ?
            AND (SELECT COUNT(*) FROM delivery AS v WHERE v.imageId = i.id AND v.state IN ('done','skipped') AND v.destination IN (\(marks))) = ?
            \(skipping.isEmpty ? "" : "AND i.id NOT IN (\(skipping.sorted().map(String.init).joined(separator: ",")))")
            ORDER BY i.id LIMIT ?
            """, arguments: StatementArguments([cutoff] as [any DatabaseValueConvertible]) + StatementArguments(destinations)
                + [destinations.count, limit])
        return try rows.map { row in
            let id: Int64 = row[0]
            let others = try String.fetchAll(db, sql: "SELECT path FROM otherCopy WHERE imageId = ?", arguments: [id])
            return Candidate(id: id, seriesId: row[1], path: row[2], size: row[3], outboxPath: row[4],
                             outboxSize: row[5] ?? 0, newSeries: row[6], others: others)
        }
    }

    /// Adds the image to its series' summary row.
    func summarize(_ db: Database, _ c: Candidate, at: Date) throws {
        guard let series = try Row.fetchOne(db, sql: """
            SELECT s.seriesInstanceUID, st.studyInstanceUID, s.modality, s.createdAt FROM series AS s
            JOIN study AS st ON st.id = s.studyId WHERE s.id = ?
            """, arguments: [c.seriesId]) else { return }
        let delivered = try Date.fetchOne(db, sql: "SELECT MAX(verifiedAt) FROM delivery WHERE imageId = ?", arguments: [c.id])
        let names = try String.fetchAll(db, sql: "SELECT DISTINCT destination FROM delivery WHERE imageId = ? ORDER BY destination",
                                        arguments: [c.id]).joined(separator: ",")
        try db.execute(sql: """
            INSERT INTO seriesSummary (seriesInstanceUID, studyInstanceUID, deidentifiedSeriesInstanceUID, modality, images, bytes,
                                       deidentifiedBytes, destinations, receivedAt, deliveredAt, cleanedAt)
            VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(seriesInstanceUID) DO UPDATE SET images = images + 1, bytes = bytes + excluded.bytes,
                deidentifiedBytes = deidentifiedBytes + excluded.deidentifiedBytes,
                deidentifiedSeriesInstanceUID = COALESCE(excluded.deidentifiedSeriesInstanceUID, deidentifiedSeriesInstanceUID),
                destinations = excluded.destinations,
                deliveredAt = MAX(COALESCE(deliveredAt, excluded.deliveredAt), COALESCE(excluded.deliveredAt, deliveredAt)),
                cleanedAt = excluded.cleanedAt
            """, arguments: [series[0] as String, series[1] as String, c.newSeries, series[2] as String?, c.size, c.outboxSize,
                             names, series[3] as Date, delivered, at])
    }

    /// Unlinks a file; a file already gone is fine. Returns the problem, if any.
    static func remove(_ path: String) -> String? {
        if unlink(path) == 0 || errno == ENOENT { return nil }
        return "\(path): \(String(cString: strerror(errno)))"
    }

    /// Removes the folders left empty, and their empty parents up to (not including) the data
    /// folder and the outbox; an imported folder that remains gets its new modification time in
    /// `importedFolder` (so the watcher does not import it again), one that went loses its row.
    func tidy(_ folders: Set<String>) throws -> Int {
        var removed = 0
        var touched = Set<String>()
        for start in folders.sorted(by: >) {
            var folder = start
            while let root = [dataFolder, outboxFolder].first(where: { PipelineConfiguration.contains($0, folder) && folder != $0 }) {
                if root == dataFolder { touched.insert(Self.topFolder(of: folder, in: dataFolder)) }
                guard rmdir(folder) == 0 else { break }
                removed += 1
                folder = (folder as NSString).deletingLastPathComponent
            }
        }
        try database.writer.write { db in
            for top in touched {
                if let identity = FileIdentity(path: top) {
                    try db.execute(sql: "UPDATE importedFolder SET modifiedAt = ? WHERE path = ? AND device = ? AND inode = ?",
                                   arguments: [identity.modifiedAt, top, identity.device, identity.inode])
                } else {
                    try db.execute(sql: "DELETE FROM importedFolder WHERE path = ?", arguments: [top])
                }
            }
        }
        return removed
    }

    /// The data folder's child that holds `folder`.
    static func topFolder(of folder: String, in data: String) -> String {
        let rest = folder.dropFirst(data.count + 1)
        return data + "/" + (rest.split(separator: "/").first.map(String.init) ?? "")
    }
}

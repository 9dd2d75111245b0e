import Foundation
internal import GRDB

/// What `sendit status` shows: counts of everything, and the series with their derived status.
public struct IndexSummary: Codable, Sendable, Equatable {
    public struct SeriesLine: Codable, Sendable, Equatable {
        public var studyInstanceUID: String
        public var seriesInstanceUID: String
        public var modality: String?
        public var images: Int
        public var status: String
        public var imagesByStatus: [String: Int]
        public var lastJob: String?
        /// Why its HELD images are held (the reason each was given), with how many.
        public var heldReasons: [String: Int] = [:]
        /// Why its FAILED images failed (a PHI gate refusal names the attribute, never the
        /// value), with how many.
        public var failedReasons: [String: Int] = [:]
    }

    public var studies: Int
    public var series: Int
    public var images: Int
    public var imagesByStatus: [String: Int]
    public var jobsByState: [String: Int]
    public var quarantined: Int
    public var foldersImported: Int
    /// Most recently created first: the newest `limit` series, and every series with a FAILED
    /// or HELD image, however old.
    public var seriesLines: [SeriesLine]

    /// Reads the summary (`limit`: the newest series listed, besides every FAILED or HELD one;
    /// nil: all).
    public static func read(_ database: any IndexStore, limit: Int? = 50) throws -> IndexSummary {
        try database.summary(limit: limit)
    }

    static func readSQLite(_ database: IndexDatabase, limit: Int?) throws -> IndexSummary {
        try database.writer.read { db in
            func countBy(_ sql: String) throws -> [String: Int] {
                var out: [String: Int] = [:]
                for row in try Row.fetchAll(db, sql: sql) { out[row[0]] = row[1] }
                return out
            }
            let byStatus = try countBy("SELECT status, COUNT(*) FROM image GROUP BY status")
            // The newest `limit` series, and every series with a FAILED or HELD image however old:
            // each one's reasons must be shown.
            let rows = try Row.fetchAll(db, sql: """
                SELECT s.id, st.studyInstanceUID, s.seriesInstanceUID, s.modality FROM series AS s
                JOIN study AS st ON st.id = s.studyId
                WHERE s.id IN (SELECT id FROM series ORDER BY id DESC LIMIT ?)
                   OR s.id IN (SELECT seriesId FROM image WHERE status IN (\(ImageStatus.held.sql), \(ImageStatus.failed.sql)))
                ORDER BY s.id DESC
                """, arguments: [limit ?? -1])
            // Two grouped queries for all the listed series (not two per series).
            let ids = rows.map { $0[0] as Int64 }
            let filter = limit == nil ? "" : "WHERE seriesId IN (\(ids.map(String.init).joined(separator: ",")))"
            var counts: [Int64: [ImageStatus: Int]] = [:]
            for c in try Row.fetchAll(db, sql: "SELECT seriesId, status, COUNT(*) FROM image \(filter) GROUP BY seriesId, status") {
                if let status = ImageStatus(rawValue: c[1]) { counts[c[0], default: [:]][status] = c[2] }
            }
            var lastJob: [Int64: String] = [:]
            for j in try Row.fetchAll(db, sql: """
                SELECT seriesId, stage, state, lastError FROM job WHERE id IN (SELECT MAX(id) FROM job \(filter) GROUP BY seriesId)
                """) {
                let error: String? = j[3]
                lastJob[j[0]] = "\(j[1] as String) \(j[2] as String)" + (error.map { ": \($0)" } ?? "")
            }
            var held: [Int64: [String: Int]] = [:], failed: [Int64: [String: Int]] = [:]
            for h in try Row.fetchAll(db, sql: """
                SELECT seriesId, status, statusReason, COUNT(*) FROM image WHERE status IN (?, ?)
                \(filter.isEmpty ? "" : "AND" + filter.dropFirst(5)) GROUP BY seriesId, status, statusReason
                """, arguments: [ImageStatus.held.rawValue, ImageStatus.failed.rawValue]) {
                let reason = (h[2] as String?) ?? "?"
                if (h[1] as String) == ImageStatus.held.rawValue {
                    held[h[0], default: [:]][reason] = h[3]
                } else {
                    failed[h[0], default: [:]][reason] = h[3]
                }
            }
            let lines = rows.map { row -> SeriesLine in
                let id: Int64 = row[0]
                let c = counts[id] ?? [:]
                return SeriesLine(studyInstanceUID: row[1], seriesInstanceUID: row[2], modality: row[3],
                                  images: c.values.reduce(0, +), status: DerivedStatus.derive(c)?.rawValue ?? "EMPTY",
                                  imagesByStatus: Dictionary(uniqueKeysWithValues: c.map { ($0.key.rawValue, $0.value) }),
                                  lastJob: lastJob[id], heldReasons: held[id] ?? [:], failedReasons: failed[id] ?? [:])
            }
            return IndexSummary(
                studies: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM study") ?? 0,
                series: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM series") ?? 0,
                images: byStatus.values.reduce(0, +), imagesByStatus: byStatus,
                jobsByState: try countBy("SELECT state, COUNT(*) FROM job GROUP BY state"),
                quarantined: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM quarantine") ?? 0,
                foldersImported: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM importedFolder") ?? 0,
                seriesLines: lines)
        }
    }
}

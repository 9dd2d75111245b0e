import Foundation
import GRDB

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
    }

    public var studies: Int
    public var series: Int
    public var images: Int
    public var imagesByStatus: [String: Int]
    public var jobsByState: [String: Int]
    public var quarantined: Int
    public var foldersImported: Int
    /// Most recently created first; at most `limit` lines.
    public var seriesLines: [SeriesLine]

    public static func read(_ database: IndexDatabase, limit: Int? = 50) throws -> IndexSummary {
        try database.writer.read { db in
            func countBy(_ sql: String) throws -> [String: Int] {
                var out: [String: Int] = [:]
                for row in try Row.fetchAll(db, sql: sql) { out[row[0]] = row[1] }
                return out
            }
            let byStatus = try countBy("SELECT status, COUNT(*) FROM image GROUP BY status")
            var lines: [SeriesLine] = []
            let rows = try Row.fetchAll(db, sql: """
                SELECT s.id, st.studyInstanceUID, s.seriesInstanceUID, s.modality FROM series AS s
                JOIN study AS st ON st.id = s.studyId ORDER BY s.id DESC LIMIT ?
                """, arguments: [limit ?? -1])
            for row in rows {
                let id: Int64 = row[0]
                var counts: [ImageStatus: Int] = [:]
                for c in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) FROM image WHERE seriesId = ? GROUP BY status", arguments: [id]) {
                    if let s = ImageStatus(rawValue: c[0]) { counts[s] = c[1] }
                }
                let job = try Row.fetchOne(db, sql: "SELECT stage, state, lastError FROM job WHERE seriesId = ? ORDER BY id DESC LIMIT 1", arguments: [id])
                let lastJob = job.map { j -> String in
                    let error: String? = j[2]
                    return "\(j[0] as String) \(j[1] as String)" + (error.map { ": \($0)" } ?? "")
                }
                lines.append(SeriesLine(studyInstanceUID: row[1], seriesInstanceUID: row[2], modality: row[3],
                                        images: counts.values.reduce(0, +), status: DerivedStatus.derive(counts)?.rawValue ?? "EMPTY",
                                        imagesByStatus: Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) }),
                                        lastJob: lastJob))
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

import Foundation
internal import GRDB

/// `sendit report`'s reads (`ReportStore`).
extension IndexDatabase: ReportStore {
    /// The newest migration this binary knows: the schema version `sendit version` prints.
    public static var schemaVersion: String { migrator.migrations.last ?? "none" }

    public func seriesTimes(since: Date) throws -> [SeriesTimes] {
        try writer.read { db in
            // By project and SeriesInstanceUID: one series may be in several projects.
            var out: [String: SeriesTimes] = [:]
            func key(_ project: String, _ uid: String) -> String { project + "\u{0}" + uid }
            // The series still in the index: a few grouped queries, not some per series.
            let recent = "SELECT id FROM series WHERE createdAt >= ?"
            var counts: [Int64: [ImageStatus: Int]] = [:], bytes: [Int64: Int64] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT seriesId, status, COUNT(*), SUM(size) FROM image WHERE seriesId IN (\(recent)) GROUP BY seriesId, status
                """, arguments: [since]) {
                if let status = ImageStatus(rawValue: row[1]) { counts[row[0], default: [:]][status] = row[2] }
                bytes[row[0], default: 0] += row[3] as Int64
            }
            var deidentified: [Int64: (at: Date, bytes: Int64, uid: String)] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT i.seriesId, MAX(d.createdAt), SUM(d.size), MAX(d.seriesInstanceUID) FROM deidentified AS d
                JOIN image AS i ON i.id = d.imageId WHERE i.seriesId IN (\(recent)) GROUP BY i.seriesId
                """, arguments: [since]) {
                deidentified[row[0]] = (row[1] as Date, row[2] as Int64, row[3] as String)
            }
            var delivered: [Int64: (at: Date?, destinations: [String])] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT i.seriesId, MAX(v.verifiedAt), GROUP_CONCAT(DISTINCT v.destination) FROM delivery AS v
                JOIN image AS i ON i.id = v.imageId WHERE i.seriesId IN (\(recent)) GROUP BY i.seriesId
                """, arguments: [since]) {
                delivered[row[0]] = (row[1] as Date?, ((row[2] as String?) ?? "").split(separator: ",").map(String.init))
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT s.id, s.seriesInstanceUID, st.studyInstanceUID, s.modality, s.createdAt, s.project FROM series AS s
                JOIN study AS st ON st.id = s.studyId WHERE s.createdAt >= ?
                """, arguments: [since]) {
                let id: Int64 = row[0], c = counts[id] ?? [:]
                let status = DerivedStatus.derive(c)?.rawValue ?? "EMPTY"
                let images = c.values.reduce(0, +)
                let allDone = images > 0 && c[.done] == images
                let k = key(row[5], row[1])
                out[k] = SeriesTimes(
                    seriesInstanceUID: row[1], studyInstanceUID: row[2], deidentifiedSeriesInstanceUID: deidentified[id]?.uid,
                    modality: row[3], status: status, images: images, bytes: bytes[id] ?? 0,
                    deidentifiedBytes: deidentified[id]?.bytes ?? 0,
                    destinations: (delivered[id]?.destinations ?? []).sorted().joined(separator: ","), receivedAt: row[4],
                    deidentifiedAt: deidentified[id]?.at, deliveredAt: allDone ? delivered[id]?.at : nil)
                out[k]?.project = row[5]
            }
            // What clean-up removed: its summary rows, merged into the series still there.
            for row in try Row.fetchAll(db, sql: """
                SELECT seriesInstanceUID, studyInstanceUID, deidentifiedSeriesInstanceUID, modality, images, bytes, deidentifiedBytes,
                       destinations, receivedAt, deidentifiedAt, deliveredAt, project FROM seriesSummary WHERE receivedAt >= ?
                """, arguments: [since]) {
                let uid: String = row[0], images: Int = row[4], deidentifiedAt: Date? = row[9], deliveredAt: Date? = row[10]
                let destinations = ((row[7] as String?) ?? "").split(separator: ",").map(String.init)
                let k = key(row[11], uid)
                guard var s = out[k] else {
                    out[k] = SeriesTimes(seriesInstanceUID: uid, studyInstanceUID: row[1], deidentifiedSeriesInstanceUID: row[2],
                                           modality: row[3], status: "CLEANED", images: images, cleanedImages: images, bytes: row[5],
                                           deidentifiedBytes: row[6], destinations: destinations.sorted().joined(separator: ","),
                                           receivedAt: row[8], deidentifiedAt: deidentifiedAt, deliveredAt: deliveredAt)
                    out[k]?.project = row[11]
                    continue
                }
                let allDone = s.status == ImageStatus.done.rawValue
                s.images += images
                s.cleanedImages += images
                s.bytes += row[5] as Int64
                s.deidentifiedBytes += row[6] as Int64
                s.deidentifiedSeriesInstanceUID = s.deidentifiedSeriesInstanceUID ?? row[2]
                s.destinations = Set(s.destinations.split(separator: ",").map(String.init) + destinations).sorted().joined(separator: ",")
                s.deidentifiedAt = [s.deidentifiedAt, deidentifiedAt].compactMap { $0 }.max()
                s.deliveredAt = allDone ? [s.deliveredAt, deliveredAt].compactMap { $0 }.max() : nil
                out[k] = s
            }
            return out.values.sorted { ($0.receivedAt, $0.seriesInstanceUID, $0.project) < ($1.receivedAt, $1.seriesInstanceUID, $1.project) }
        }
    }
}

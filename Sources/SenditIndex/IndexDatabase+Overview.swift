import Foundation
internal import GRDB

/// The pages' reads (`OverviewStore`), each one read transaction.
extension IndexDatabase: OverviewStore {
    public func dashboard(since: Date) throws -> DashboardFigures {
        try writer.read { db in
            func countBy(_ sql: String, _ arguments: StatementArguments = []) throws -> [String: Int] {
                var out: [String: Int] = [:]
                for row in try Row.fetchAll(db, sql: sql, arguments: arguments) { out[row[0]] = row[1] }
                return out
            }
            // seriesImageCount (kept by triggers, v8): one row per series and status, not one per image.
            let imagesByStatus = try countBy("SELECT status, SUM(images) FROM seriesImageCount GROUP BY status")
            // Each series' derived status, kept by triggers (v13): a count per status from its index.
            let seriesByStatus = try countBy("""
                SELECT derivedStatus, COUNT(*) FROM series WHERE derivedStatus <> 'EMPTY' GROUP BY derivedStatus
                """)
            var jobs: [String: [String: Int]] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT stage, state, COUNT(*) FROM job WHERE state IN (\(JobRecord.State.queued.sql), \(JobRecord.State.running.sql))
                GROUP BY stage, state
                """) {
                jobs[row[0], default: [:]][row[1]] = row[2]
            }
            let pending = try countBy("""
                SELECT v.destination, COUNT(*) FROM delivery AS v WHERE v.state = \(DeliveryRecord.State.sent.sql) GROUP BY v.destination
                """)
            // From the partial index image_problem alone (v8); the series' UIDs for the ten only.
            let problems = try Row.fetchAll(db, sql: """
                SELECT s.seriesInstanceUID, p.status, p.reason, p.images, p.at, s.project FROM (
                    SELECT seriesId, status, COALESCE(statusReason, '?') AS reason, COUNT(*) AS images, MAX(updatedAt) AS at
                    FROM image WHERE status IN (\(ImageStatus.failed.sql), \(ImageStatus.held.sql))
                    GROUP BY status, seriesId, statusReason ORDER BY at DESC LIMIT 10) AS p
                JOIN series AS s ON s.id = p.seriesId ORDER BY p.at DESC
                """).map { ProblemLine(seriesInstanceUID: $0[0], project: $0[5], status: $0[1], reason: $0[2], images: $0[3], at: $0[4]) }
            return DashboardFigures(
                studies: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM study") ?? 0,
                series: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM series") ?? 0,
                images: imagesByStatus.values.reduce(0, +), imagesByStatus: imagesByStatus, seriesByStatus: seriesByStatus,
                jobs: jobs, pendingDeliveries: pending,
                quarantined: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM quarantine") ?? 0,
                activity: try activityRows(db, since: since), latestProblems: problems)
        }
    }

    public func activity(since: Date) throws -> [ActivityRow] {
        try writer.read { db in try activityRows(db, since: since) }
    }

    private func activityRows(_ db: Database, since: Date) throws -> [ActivityRow] {
        try Row.fetchAll(db, sql: "SELECT hour, kind, images, bytes FROM activity WHERE hour >= ? ORDER BY hour, kind",
                         arguments: [Activity.hour(since)]).compactMap { row in
            guard let kind = Activity.Kind(rawValue: row[1]) else { return nil }
            return ActivityRow(hour: row[0], kind: kind, images: row[2], bytes: row[3])
        }
    }

    public func seriesList(_ filter: SeriesFilter) throws -> SeriesListPage {
        try writer.read { db in
            var conditions: [String] = [], arguments: [any DatabaseValueConvertible] = []
            if let before = filter.before { conditions.append("s.id < ?"); arguments.append(before) }
            if let status = filter.status {
                conditions.append("s.id IN (SELECT seriesId FROM seriesImageCount WHERE status = ?)")
                arguments.append(status.rawValue)
            }
            if let modality = filter.modality { conditions.append("s.modality = ?"); arguments.append(modality) }
            if let project = filter.project { conditions.append("s.project = ?"); arguments.append(project) }
            if let from = filter.receivedFrom { conditions.append("s.createdAt >= ?"); arguments.append(from) }
            if let to = filter.receivedTo { conditions.append("s.createdAt < ?"); arguments.append(to) }
            if let uid = filter.uid, !uid.isEmpty {
                conditions.append("(s.seriesInstanceUID >= ? AND s.seriesInstanceUID < ? OR st.studyInstanceUID >= ? AND st.studyInstanceUID < ?)")
                arguments += [uid, uid + "\u{FFFF}", uid, uid + "\u{FFFF}"]
            }
            if !filter.searchDigests.isEmpty || filter.codedValue != nil {
                var any: [String] = []
                if !filter.searchDigests.isEmpty {
                    any.append("EXISTS (SELECT 1 FROM searchKey AS k WHERE k.seriesId = s.id AND k.digest IN (\(filter.searchDigests.map { _ in "?" }.joined(separator: ","))))")
                    arguments += filter.searchDigests
                }
                if let coded = filter.codedValue {
                    // A coded value: a patient or study code (`suid`) of the series' identifiers,
                    // never any other field of them (the answer also echoes the originals).
                    any.append("""
                        EXISTS (SELECT 1 FROM seriesIdentifiers AS si, json_tree(si.json) AS t
                        WHERE si.seriesId = s.id AND t.key = 'suid' AND t.type = 'text' AND t.atom = ?)
                        """)
                    arguments.append(coded)
                }
                conditions.append("(" + any.joined(separator: " OR ") + ")")
            }
            if let destination = filter.failedAt {
                // From the few failed delivery records to their series, not from every series to its images.
                conditions.append("""
                    s.id IN (SELECT i.seriesId FROM delivery AS v JOIN image AS i ON i.id = v.imageId
                    WHERE v.destination = ? AND v.state = \(DeliveryRecord.State.failed.sql))
                    """)
                arguments.append(destination)
            }
            let limit = max(1, min(filter.limit, 500))
            let rows = try Row.fetchAll(db, sql: """
                SELECT s.id, st.studyInstanceUID, s.seriesInstanceUID, s.modality, s.createdAt, s.project FROM series AS s
                JOIN study AS st ON st.id = s.studyId \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
                ORDER BY s.id DESC LIMIT ?
                """, arguments: StatementArguments(arguments + [limit + 1]))
            var lines: [SeriesListPage.Line] = []
            let counts = try db.cachedStatement(sql: "SELECT status, images FROM seriesImageCount WHERE seriesId = ?")
            for row in rows.prefix(limit) {
                let id: Int64 = row[0]
                var byStatus: [ImageStatus: Int] = [:]
                for c in try Row.fetchAll(counts, arguments: [id]) {
                    if let s = ImageStatus(rawValue: c[0]) { byStatus[s] = c[1] }
                }
                lines.append(.init(id: id, studyInstanceUID: row[1], seriesInstanceUID: row[2], modality: row[3], project: row[5], receivedAt: row[4],
                                   images: byStatus.values.reduce(0, +), status: DerivedStatus.derive(byStatus)?.rawValue ?? "EMPTY",
                                   imagesByStatus: Dictionary(uniqueKeysWithValues: byStatus.map { ($0.key.rawValue, $0.value) })))
            }
            return SeriesListPage(series: lines, next: rows.count > limit ? lines.last?.id : nil)
        }
    }

    public func seriesDetail(seriesInstanceUID: String, project: String?) throws -> SeriesDetail? {
        try writer.read { db in
            let all = try Row.fetchAll(db, sql: """
                SELECT s.id, st.studyInstanceUID, s.seriesInstanceUID, s.modality, s.createdAt, s.project FROM series AS s
                JOIN study AS st ON st.id = s.studyId WHERE s.seriesInstanceUID = ? ORDER BY s.id DESC
                """, arguments: [seriesInstanceUID])
            guard let series = project.map({ p in all.first { $0[5] == p } }) ?? all.first else { return nil }
            let id: Int64 = series[0]
            let images = try Row.fetchAll(db, sql: """
                SELECT sopInstanceUID, sopClassUID, status, statusReason, size FROM image WHERE seriesId = ? ORDER BY sopInstanceUID
                """, arguments: [id]).map { SeriesDetail.Image(sopInstanceUID: $0[0], sopClassUID: $0[1], status: $0[2], reason: $0[3], size: $0[4]) }
            var byStatus: [ImageStatus: Int] = [:]
            for image in images { if let s = ImageStatus(rawValue: image.status) { byStatus[s, default: 0] += 1 } }
            let jobs = try Row.fetchAll(db, sql: """
                SELECT stage, state, attempts, maxAttempts, lastError, updatedAt FROM job WHERE seriesId = ? ORDER BY id
                """, arguments: [id]).map { SeriesDetail.Job(stage: $0[0], state: $0[1], attempts: $0[2], maxAttempts: $0[3], lastError: $0[4], updatedAt: $0[5]) }
            let deliveries = try Row.fetchAll(db, sql: """
                SELECT v.destination, v.state, COUNT(*), MAX(v.detail) FROM delivery AS v JOIN image AS i ON i.id = v.imageId
                WHERE i.seriesId = ? GROUP BY v.destination, v.state ORDER BY v.destination, v.state
                """, arguments: [id]).map { SeriesDetail.Delivery(destination: $0[0], state: $0[1], images: $0[2], detail: $0[3]) }
            let events = try Row.fetchAll(db, sql: """
                SELECT at, entity, fromStatus, toStatus, reason FROM event WHERE
                (entity IN ('image', 'delivery') AND entityId IN (SELECT id FROM image WHERE seriesId = ?))
                OR (entity = 'job' AND entityId IN (SELECT id FROM job WHERE seriesId = ?))
                ORDER BY id DESC LIMIT 200
                """, arguments: [id, id]).map { SeriesDetail.Event(at: $0[0], entity: $0[1], from: $0[2], to: $0[3], reason: $0[4]) }
            // The coded values only: each patient's and study's code (`suid`) and date jitter,
            // never the originals the answer echoes (`id`, `id_source`).
            var identifiers: [String: String] = [:]
            if let json = try String.fetchOne(db, sql: "SELECT json FROM seriesIdentifiers WHERE seriesId = ?", arguments: [id]),
               let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
               let results = object["results"] as? [[String: Any]] {
                for (r, result) in results.enumerated() {
                    let patient = results.count == 1 ? "patient" : "patient \(r + 1)"
                    if let code = result["suid"] as? String { identifiers[patient + " code"] = code }
                    if let jitter = result["jitter"] as? Int { identifiers[patient + " date shift (days)"] = String(jitter) }
                    for (i, item) in ((result["items"] as? [[String: Any]]) ?? []).enumerated() {
                        let study = (result["items"] as? [Any])?.count == 1 ? "study" : "study \(i + 1)"
                        if let code = item["suid"] as? String { identifiers[(results.count == 1 ? "" : patient + " ") + study + " code"] = code }
                    }
                }
            }
            return SeriesDetail(studyInstanceUID: series[1], seriesInstanceUID: series[2], modality: series[3], project: series[5],
                                receivedAt: series[4],
                                status: DerivedStatus.derive(byStatus)?.rawValue ?? "EMPTY",
                                imagesByStatus: Dictionary(uniqueKeysWithValues: byStatus.map { ($0.key.rawValue, $0.value) }),
                                images: images, jobs: jobs, deliveries: deliveries, events: events, identifiers: identifiers,
                                alsoIn: all.map { $0[5] as String }.filter { $0 != series[5] as String }.sorted())
        }
    }

    public func recordSearchKeys(seriesId: Int64, patient: String?, study: String?) throws {
        try writer.write { db in
            for (kind, digest) in [("patient", patient), ("study", study)] {
                guard let digest, !digest.isEmpty else { continue }
                try db.execute(sql: "INSERT OR IGNORE INTO searchKey (seriesId, kind, digest) VALUES (?, ?, ?)",
                               arguments: [seriesId, kind, digest])
            }
        }
    }

    public func quarantineList(limit: Int) throws -> [QuarantineLine] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT id, fileName, movedTo, reason, at FROM quarantine ORDER BY id DESC LIMIT ?",
                             arguments: [limit]).map { QuarantineLine(id: $0[0], fileName: $0[1], movedTo: $0[2], reason: $0[3], at: $0[4]) }
        }
    }

    public func imagePaths(seriesInstanceUID: String, project: String?, limit: Int) throws -> [String] {
        try writer.read { db in
            try String.fetchAll(db, sql: """
                SELECT i.path FROM image AS i JOIN series AS s ON s.id = i.seriesId
                WHERE s.seriesInstanceUID = ?1 AND (?2 IS NULL OR s.project = ?2) ORDER BY i.id LIMIT ?3
                """, arguments: [seriesInstanceUID, project, limit])
        }
    }
}

import Foundation
internal import GRDB

/// The alerts' queue and what they watch (`AlertStore`), each method one transaction.
extension IndexDatabase: AlertStore {
    public func alertObservation(destinations: [SendDestination], now: Date) throws -> AlertObservation {
        try writer.read { db in
            let trouble = [ImageStatus.failed, .held].sqlList
            let series = try Row.fetchAll(db, sql: """
                SELECT i.seriesId, s.modality, COUNT(*),
                       SUM(i.status = \(ImageStatus.failed.sql)), SUM(i.status = \(ImageStatus.held.sql)),
                       SUM(i.status IN \([ImageStatus.new, .processing].sqlList)),
                       MIN(CASE WHEN i.status IN \(trouble) THEN i.updatedAt END)
                FROM image AS i JOIN series AS s ON s.id = i.seriesId
                WHERE i.seriesId IN (SELECT DISTINCT seriesId FROM image WHERE status IN \(trouble))
                GROUP BY i.seriesId ORDER BY i.seriesId
                """).map {
                AlertObservation.Series(id: $0[0], modality: $0[1], images: $0[2], failed: $0[3], held: $0[4], inFlight: $0[5],
                                        troubleSince: $0[6])
            }
            var failing: [AlertObservation.Destination] = []
            for d in destinations {
                if let f = try failingDestination(db, d) { failing.append(f) }
            }
            let open = try String.fetchAll(db, sql: "SELECT condition FROM alert WHERE clearedAt IS NULL")
            return AlertObservation(series: series, failingDestinations: failing, retrievalSourcesFailingTLS: try retrievalSourcesFailingTLS(db),
                                    open: Set(open))
        }
    }

    /// Retrieval sources with work waiting after a TLS failure: queued items (their C-FIND) or
    /// studies (their C-MOVE or C-GET) whose last try ended with a TLS error (`NetworkError.tls`
    /// writes "TLS: …"), in jobs a person has not paused.
    private func retrievalSourcesFailingTLS(_ db: Database) throws -> [AlertObservation.RetrievalSource] {
        let tls = "AND j.paused = 0 AND w.attempts > 0 AND w.statusMeaning LIKE '%TLS: %'"
        let rows = try Row.fetchAll(db, sql: """
            SELECT j.source, w.updatedAt, w.statusMeaning FROM retrievalItem w JOIN retrievalJob j ON j.id = w.jobId
            WHERE w.state = \(RetrievalItem.State.queued.sql) \(tls)
            UNION ALL
            SELECT j.source, w.updatedAt, w.statusMeaning FROM retrievalStudy w
            JOIN retrievalItem i ON i.id = w.itemId JOIN retrievalJob j ON j.id = i.jobId
            WHERE w.state = \(RetrievalStudy.State.queued.sql) \(tls)
            ORDER BY 2 DESC
            """)
        var bySource: [String: AlertObservation.RetrievalSource] = [:]
        for row in rows {
            let (source, at, meaning): (String, Date, String) = (row[0], row[1], row[2])
            if var s = bySource[source] {
                s.failingSince = min(s.failingSince, at)
                s.waiting += 1
                bySource[source] = s
            } else {
                // The newest first: its reason is the one shown.
                bySource[source] = .init(name: source, failingSince: at, waiting: 1, lastError: meaning)
            }
        }
        return bySource.values.sorted { $0.name < $1.name }
    }

    /// A destination is failing when send jobs of its stage wait to be tried again after a
    /// failed try (a job put back after a stop does not count) and none of its tries succeeded
    /// since: from the first failed try after its last stored image.
    private func failingDestination(_ db: Database, _ d: SendDestination) throws -> AlertObservation.Destination? {
        let jobs = try Row.fetchAll(db, sql: """
            SELECT id, lastError FROM job WHERE stage = ? AND state IN \([JobRecord.State.queued, .running].sqlList)
            AND attempts > 0 AND lastError IS NOT NULL ORDER BY updatedAt DESC
            """, arguments: [d.stage])
        guard !jobs.isEmpty else { return nil }
        let lastStored = try Date.fetchOne(db, sql: "SELECT MAX(sentAt) FROM delivery WHERE destination = ? AND sentAt IS NOT NULL",
                                           arguments: [d.name])
        var first: Date?
        for chunk in jobs.map({ $0[0] as Int64 }).sqlChunks {
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            // SQLiteJobQueue.fail's event of a try that failed and will be tried again.
            let since = try Date.fetchOne(db, sql: """
                SELECT MIN(at) FROM event WHERE entity = 'job' AND entityId IN (\(marks))
                AND fromStatus = \(JobRecord.State.running.sql) AND toStatus = \(JobRecord.State.queued.sql)
                AND reason LIKE 'attempt % failed: %' AND at > ?
                """, arguments: StatementArguments(chunk) + [lastStored ?? Date.distantPast])
            if let since { first = min(first ?? since, since) }
        }
        guard let first else { return nil }
        return AlertObservation.Destination(name: d.name, failingSince: first, jobs: jobs.count, lastError: jobs[0][1])
    }

    public func alertReasons(seriesId: Int64, status: ImageStatus, limit: Int) throws -> [AlertObservation.Reason] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT COALESCE(statusReason, ''), COUNT(*) FROM image WHERE seriesId = ? AND status = ?
                GROUP BY statusReason ORDER BY COUNT(*) DESC, statusReason LIMIT ?
                """, arguments: [seriesId, status.rawValue, limit]).map { AlertObservation.Reason(reason: $0[0], images: $0[1]) }
        }
    }

    @discardableResult
    public func recordAlerts(_ alerts: [NewAlert], clearing: [String], targets: [String], now: Date) throws -> [String] {
        guard !alerts.isEmpty || !clearing.isEmpty else { return [] }
        return try writer.write { db in
            for condition in clearing {
                try db.execute(sql: "UPDATE alert SET clearedAt = ? WHERE condition = ? AND clearedAt IS NULL", arguments: [now, condition])
            }
            var keys: [String] = []
            for alert in alerts {
                if let key = try Self.insertAlert(db, alert, targets: targets, now: now) { keys.append(key) }
            }
            return keys
        }
    }

    /// Inside the caller's transaction: the alert and its deliveries, unless its condition is
    /// open already. Returns its key.
    private static func insertAlert(_ db: Database, _ alert: NewAlert, targets: [String], now: Date) throws -> String? {
        let open = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alert WHERE condition = ? AND clearedAt IS NULL",
                                    arguments: [alert.condition]) ?? 0
        guard open == 0 else { return nil }
        let earlier = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alert WHERE condition = ?", arguments: [alert.condition]) ?? 0
        let key = earlier == 0 ? alert.condition : "\(alert.condition)#\(earlier + 1)"
        try db.execute(sql: "INSERT OR IGNORE INTO alert (key, condition, kind, body, createdAt) VALUES (?, ?, ?, ?, ?)",
                       arguments: [key, alert.condition, alert.kind, alert.body(key), now])
        guard db.changesCount > 0 else { return nil }
        let id = db.lastInsertedRowID
        for target in Set(targets) {
            try db.execute(sql: "INSERT INTO alertDelivery (alertId, target, nextAttemptAt) VALUES (?, ?, ?)",
                           arguments: [id, target, now])
        }
        return key
    }

    public func dueAlertDeliveries(targets: [String], now: Date, limit: Int) throws -> [AlertDelivery] {
        guard !targets.isEmpty else { return [] }
        return try writer.read { db in
            let marks = Array(repeating: "?", count: targets.count).joined(separator: ",")
            return try Row.fetchAll(db, sql: """
                SELECT a.id, a.key, a.kind, a.body, d.target, d.attempts, a.createdAt
                FROM alertDelivery AS d JOIN alert AS a ON a.id = d.alertId
                WHERE d.sentAt IS NULL AND d.nextAttemptAt <= ? AND d.target IN (\(marks))
                ORDER BY a.id, d.target LIMIT ?
                """, arguments: [now] + StatementArguments(targets) + [limit]).map {
                AlertDelivery(alertId: $0[0], key: $0[1], kind: $0[2], body: $0[3], target: $0[4], attempts: $0[5], createdAt: $0[6])
            }
        }
    }

    public func recordAlertAttempt(alertId: Int64, target: String, delivered: Bool, error: String?, nextAttemptAt: Date,
                                   now: Date) throws {
        try writer.write { db in
            try db.execute(sql: """
                UPDATE alertDelivery SET attempts = attempts + 1, sentAt = ?, lastError = ?, nextAttemptAt = ?
                WHERE alertId = ? AND target = ? AND sentAt IS NULL
                """, arguments: [delivered ? now : nil, error, nextAttemptAt, alertId, target])
        }
    }

    public func recentAlerts(limit: Int) throws -> [AlertRecord] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT a.id, a.key, a.condition, a.kind, a.body, a.createdAt, a.clearedAt,
                       (SELECT COUNT(*) FROM alertDelivery AS d WHERE d.alertId = a.id AND d.sentAt IS NOT NULL),
                       (SELECT COUNT(*) FROM alertDelivery AS d WHERE d.alertId = a.id AND d.sentAt IS NULL),
                       (SELECT d.lastError FROM alertDelivery AS d WHERE d.alertId = a.id AND d.sentAt IS NULL
                        AND d.lastError IS NOT NULL LIMIT 1)
                FROM alert AS a ORDER BY a.id DESC LIMIT ?
                """, arguments: [limit]).map {
                AlertRecord(id: $0[0], key: $0[1], condition: $0[2], kind: $0[3], body: $0[4], createdAt: $0[5], clearedAt: $0[6],
                            delivered: $0[7], pending: $0[8], lastError: $0[9])
            }
        }
    }

    public func startNodeRun(now: Date, targets: [String],
                             crashAlert: ([NodeRun]) -> NewAlert?) throws -> (run: NodeRun, unclean: [NodeRun]) {
        try writer.write { db in
            let unclean = try Row.fetchAll(db, sql: """
                SELECT id, startedAt, endedAt, ending FROM nodeRun
                WHERE noticedAt IS NULL AND (ending IS NULL OR ending != \(NodeRun.Ending.clean.sql)) ORDER BY id
                """).map { NodeRun(id: $0[0], startedAt: $0[1], endedAt: $0[2], ending: ($0[3] as String?).flatMap { NodeRun.Ending(rawValue: $0) }) }
            if !unclean.isEmpty {
                try db.execute(sql: "UPDATE nodeRun SET noticedAt = ? WHERE noticedAt IS NULL AND id <= ?",
                               arguments: [now, unclean[unclean.count - 1].id])
                if !targets.isEmpty, let alert = crashAlert(unclean) {
                    _ = try Self.insertAlert(db, alert, targets: targets, now: now)
                }
            }
            try db.execute(sql: "INSERT INTO nodeRun (startedAt) VALUES (?)", arguments: [now])
            return (NodeRun(id: db.lastInsertedRowID, startedAt: now), unclean)
        }
    }

    public func endNodeRun(id: Int64, ending: NodeRun.Ending, now: Date) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE nodeRun SET endedAt = ?, ending = ? WHERE id = ? AND endedAt IS NULL",
                           arguments: [now, ending.rawValue, id])
        }
    }
}

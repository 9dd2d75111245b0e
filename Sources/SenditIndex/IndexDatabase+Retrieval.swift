import Foundation
internal import GRDB

/// Retrieval jobs, their items and studies (`RetrievalStore`), each method one transaction.
extension IndexDatabase: RetrievalStore {
    public func createRetrieval(_ job: RetrievalJob, list: RetrievalList, dates: String?, now: Date) throws -> Int64 {
        try writer.write { db in
            try db.execute(sql: """
                INSERT INTO retrievalJob (source, project, method, requester, paused, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [job.source, job.project, job.method.rawValue, job.requester, job.paused, now, now])
            let id = db.lastInsertedRowID
            let insert = try db.cachedStatement(sql: """
                INSERT INTO retrievalItem (jobId, kind, value, researchId, dates, state, updatedAt) VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            for e in list.entries {
                try insert.execute(arguments: [id, list.kind.rawValue, e.value, e.researchID, dates, RetrievalItem.State.queued.rawValue, now])
            }
            return id
        }
    }

    public func retrievalJobs(limit: Int) throws -> [RetrievalProgress] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM retrievalJob ORDER BY id DESC LIMIT ?", arguments: [limit]).map {
                try Self.progress(db, Self.job($0))
            }
        }
    }

    public func retrievalJob(id: Int64) throws -> RetrievalProgress? {
        try writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM retrievalJob WHERE id = ?", arguments: [id]).map { try Self.progress(db, Self.job($0)) }
        }
    }

    public func retrievalItems(jobId: Int64) throws -> [RetrievalItem] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM retrievalItem WHERE jobId = ? ORDER BY id", arguments: [jobId]).map(Self.item)
        }
    }

    public func retrievalStudies(itemId: Int64) throws -> [RetrievalStudy] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM retrievalStudy WHERE itemId = ? ORDER BY id", arguments: [itemId]).map(Self.study)
        }
    }

    public func setRetrievalPaused(jobId: Int64, paused: Bool, now: Date) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: "UPDATE retrievalJob SET paused = ?, updatedAt = ? WHERE id = ?", arguments: [paused, now, jobId])
            return db.changesCount > 0
        }
    }

    public func requeueInterruptedRetrievals(now: Date) throws -> Int {
        try writer.write { db in
            try db.execute(sql: "UPDATE retrievalItem SET state = 'queued', updatedAt = ? WHERE state = 'finding'", arguments: [now])
            var n = db.changesCount
            try db.execute(sql: "UPDATE retrievalStudy SET state = 'queued', notBefore = NULL, updatedAt = ? WHERE state = 'moving'",
                           arguments: [now])
            n += db.changesCount
            return n
        }
    }

    /// A study another job is moving (or whose arrivals are not yet in the index) waits: what
    /// arrives is matched to its job by the StudyInstanceUID, so one study is retrieved for one
    /// job (one project) at a time.
    public func claimRetrievalWork(sources: [String], now: Date) throws -> RetrievalWork? {
        guard !sources.isEmpty else { return nil }
        return try writer.write { db in
            let marks = Array(repeating: "?", count: sources.count).joined(separator: ",")
            let open = "j.paused = 0 AND j.source IN (\(marks))"
            if let row = try Row.fetchOne(db, sql: """
                SELECT s.id FROM retrievalStudy AS s JOIN retrievalItem AS i ON i.id = s.itemId JOIN retrievalJob AS j ON j.id = i.jobId
                WHERE s.state = 'queued' AND (s.notBefore IS NULL OR s.notBefore <= ?) AND \(open)
                AND NOT EXISTS (SELECT 1 FROM retrievalStudy AS o WHERE o.studyInstanceUID = s.studyInstanceUID
                                AND o.state IN ('moving','arrived') AND o.id <> s.id)
                ORDER BY j.id, i.id, s.id LIMIT 1
                """, arguments: StatementArguments([now]) + StatementArguments(sources)) {
                let id: Int64 = row[0]
                try db.execute(sql: "UPDATE retrievalStudy SET state = 'moving', attempts = attempts + 1, updatedAt = ? WHERE id = ?",
                               arguments: [now, id])
                let study = try Self.study(Row.fetchOne(db, sql: "SELECT * FROM retrievalStudy WHERE id = ?", arguments: [id])!)
                let item = try Self.item(Row.fetchOne(db, sql: "SELECT * FROM retrievalItem WHERE id = ?", arguments: [study.itemId])!)
                let job = try Self.job(Row.fetchOne(db, sql: "SELECT * FROM retrievalJob WHERE id = ?", arguments: [item.jobId])!)
                return .move(job, item, study)
            }
            guard let row = try Row.fetchOne(db, sql: """
                SELECT i.id FROM retrievalItem AS i JOIN retrievalJob AS j ON j.id = i.jobId
                WHERE i.state = 'queued' AND (i.notBefore IS NULL OR i.notBefore <= ?) AND \(open)
                ORDER BY j.id, i.id LIMIT 1
                """, arguments: StatementArguments([now]) + StatementArguments(sources)) else { return nil }
            let id: Int64 = row[0]
            try db.execute(sql: "UPDATE retrievalItem SET state = 'finding', attempts = attempts + 1, updatedAt = ? WHERE id = ?",
                           arguments: [now, id])
            let item = try Self.item(Row.fetchOne(db, sql: "SELECT * FROM retrievalItem WHERE id = ?", arguments: [id])!)
            let job = try Self.job(Row.fetchOne(db, sql: "SELECT * FROM retrievalJob WHERE id = ?", arguments: [item.jobId])!)
            return .find(job, item)
        }
    }

    public func recordRetrievalFind(itemId: Int64, result: RetrievalFindResult, now: Date) throws {
        try writer.write { db in
            switch result {
            case .found(let studies):
                let insert = try db.cachedStatement(sql: """
                    INSERT OR IGNORE INTO retrievalStudy (itemId, studyInstanceUID, expectedInstances, state, updatedAt)
                    VALUES (?, ?, ?, 'queued', ?)
                    """)
                for s in studies { try insert.execute(arguments: [itemId, s.uid, s.expected, now]) }
                let state: RetrievalItem.State = studies.isEmpty ? .done : .retrieving
                let outcome: RetrievalOutcome = studies.isEmpty ? .notFound : .found
                try db.execute(sql: """
                    UPDATE retrievalItem SET state = ?, outcome = ?, studiesFound = ?, finalStatus = NULL, statusMeaning = NULL,
                    notBefore = NULL, updatedAt = ? WHERE id = ?
                    """, arguments: [state.rawValue, outcome.rawValue, studies.count, now, itemId])
            case .failed(let status, let meaning, let retryAt):
                try db.execute(sql: """
                    UPDATE retrievalItem SET state = ?, outcome = ?, finalStatus = ?, statusMeaning = ?, notBefore = ?, updatedAt = ?
                    WHERE id = ?
                    """, arguments: [(retryAt == nil ? RetrievalItem.State.done : .queued).rawValue,
                                     retryAt == nil ? RetrievalOutcome.failed.rawValue : nil, status, meaning, retryAt, now, itemId])
            }
        }
    }

    public func recordRetrievalMove(studyId: Int64, result: RetrievalMoveResult, now: Date) throws {
        try writer.write { db in
            let c = result.counts
            try db.execute(sql: """
                UPDATE retrievalStudy SET state = ?, remaining = ?, completed = ?, failed = ?, warning = ?, finalStatus = ?,
                statusMeaning = ?, notBefore = ?, updatedAt = ? WHERE id = ?
                """, arguments: [result.state.rawValue, c.remaining, c.completed, c.failed, c.warning, result.finalStatus, result.meaning,
                                 result.notBefore, now, studyId])
            guard let itemId = try Int64.fetchOne(db, sql: "SELECT itemId FROM retrievalStudy WHERE id = ?", arguments: [studyId]) else { return }
            try Self.updateItem(db, itemId, now: now)
        }
    }

    /// The item's counts from its studies; its outcome once every study is final.
    static func updateItem(_ db: Database, _ itemId: Int64, now: Date) throws {
        let studies = try Row.fetchAll(db, sql: "SELECT * FROM retrievalStudy WHERE itemId = ? ORDER BY id", arguments: [itemId]).map(study)
        let counts = studies.map(\.counts).reduce(RetrievalCounts(), +)
        let final = studies.allSatisfy(\.state.isFinal)
        let outcome = final ? RetrievalOutcome.of(studies) : .found
        // The status shown: the last study's that did not succeed, else the last study's.
        let shown = studies.last { $0.state == .failed || $0.counts.failed > 0 } ?? studies.last { $0.finalStatus != nil }
        try db.execute(sql: """
            UPDATE retrievalItem SET state = ?, outcome = ?, remaining = ?, completed = ?, failed = ?, warning = ?, finalStatus = ?,
            statusMeaning = ?, updatedAt = ? WHERE id = ?
            """, arguments: [(final ? RetrievalItem.State.done : .retrieving).rawValue, outcome.rawValue, counts.remaining, counts.completed,
                             counts.failed, counts.warning, shown?.finalStatus, shown?.statusMeaning, now, itemId])
    }

    public func retrievalStudiesInFlight() throws -> [RetrievalInFlight] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT s.*, j.project AS jobProject, j.id AS jobRowId FROM retrievalStudy AS s
                JOIN retrievalItem AS i ON i.id = s.itemId JOIN retrievalJob AS j ON j.id = i.jobId
                WHERE s.state IN ('moving','arrived') ORDER BY s.id
                """).map { RetrievalInFlight(study: Self.study($0), project: $0["jobProject"], jobId: $0["jobRowId"]) }
        }
    }

    public func indexedInstances(studyInstanceUID: String, project: String) throws -> Int {
        try writer.read { db in
            try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM image AS i JOIN series AS s ON s.id = i.seriesId JOIN study AS t ON t.id = s.studyId
                WHERE t.studyInstanceUID = ? AND t.project = ?
                """, arguments: [studyInstanceUID, project]) ?? 0
        }
    }

    static func progress(_ db: Database, _ job: RetrievalJob) throws -> RetrievalProgress {
        var p = RetrievalProgress(job: job)
        for row in try Row.fetchAll(db, sql: """
            SELECT state, outcome, COUNT(*), MAX(updatedAt) FROM retrievalItem WHERE jobId = ? GROUP BY state, outcome
            """, arguments: [job.id]) {
            let n: Int = row[2]
            p.items += n
            if (row[0] as String) == RetrievalItem.State.done.rawValue { p.itemsDone += n }
            if let outcome: String = row[1] { p.outcomes[outcome, default: 0] += n }
            let at: Date? = row[3]
            if let at { p.lastChange = max(p.lastChange ?? at, at) }
        }
        if let row = try Row.fetchOne(db, sql: """
            SELECT COUNT(*), SUM(s.state = 'done'), SUM(s.state = 'failed'), SUM(COALESCE(s.expectedInstances, 0)),
                   SUM(s.remaining), SUM(s.completed), SUM(s.failed), SUM(s.warning)
            FROM retrievalStudy AS s JOIN retrievalItem AS i ON i.id = s.itemId WHERE i.jobId = ?
            """, arguments: [job.id]) {
            p.studiesFound = row[0] ?? 0
            p.studiesDone = row[1] ?? 0
            p.studiesFailed = row[2] ?? 0
            p.expectedInstances = row[3] ?? 0
            p.counts = RetrievalCounts(remaining: row[4] ?? 0, completed: row[5] ?? 0, failed: row[6] ?? 0, warning: row[7] ?? 0)
        }
        return p
    }

    static func job(_ row: Row) -> RetrievalJob {
        RetrievalJob(id: row["id"], source: row["source"], project: row["project"],
                     method: RetrievalJob.Method(rawValue: row["method"]) ?? .move, createdAt: row["createdAt"],
                     paused: row["paused"], requester: row["requester"])
    }

    static func item(_ row: Row) -> RetrievalItem {
        RetrievalItem(id: row["id"], jobId: row["jobId"], kind: RetrievalList.Kind(rawValue: row["kind"]) ?? .accession,
                      value: row["value"], researchID: row["researchId"], dates: row["dates"],
                      state: RetrievalItem.State(rawValue: row["state"]) ?? .queued,
                      outcome: (row["outcome"] as String?).flatMap(RetrievalOutcome.init(rawValue:)), studiesFound: row["studiesFound"],
                      counts: RetrievalCounts(remaining: row["remaining"], completed: row["completed"], failed: row["failed"],
                                              warning: row["warning"]),
                      finalStatus: row["finalStatus"], statusMeaning: row["statusMeaning"], attempts: row["attempts"],
                      updatedAt: row["updatedAt"])
    }

    static func study(_ row: Row) -> RetrievalStudy {
        RetrievalStudy(id: row["id"], itemId: row["itemId"], studyInstanceUID: row["studyInstanceUID"],
                       expectedInstances: row["expectedInstances"], state: RetrievalStudy.State(rawValue: row["state"]) ?? .queued,
                       attempts: row["attempts"],
                       counts: RetrievalCounts(remaining: row["remaining"], completed: row["completed"], failed: row["failed"],
                                               warning: row["warning"]),
                       finalStatus: row["finalStatus"], statusMeaning: row["statusMeaning"], notBefore: row["notBefore"],
                       updatedAt: row["updatedAt"])
    }
}

import Foundation
internal import GRDB

extension IndexDatabase {
    /// Queues `stages` for a series now (a stage that hands over part of its work early), in
    /// one transaction; a stage that already has a queued job is left as it is. Returns whether
    /// a job was added.
    @discardableResult
    public func enqueue(seriesId: Int64, stages: [String], maxAttempts: (String) -> Int, reason: String,
                        now: Date) throws -> Bool {
        guard !stages.isEmpty else { return false }
        return try writer.write { db in
            try stages.reduce(false) { added, stage in
                try SQLiteJobQueue.enqueue(db, seriesId: seriesId, stage: stage, maxAttempts: maxAttempts(stage), now: now, reason: reason) || added
            }
        }
    }

    /// The project a series' images were routed to (nil: no such series).
    public func project(ofSeries seriesId: Int64) throws -> String? {
        try writer.read { db in try String.fetchOne(db, sql: "SELECT project FROM series WHERE id = ?", arguments: [seriesId]) }
    }

    /// The row ids of series, by SeriesInstanceUID: each UID's series in `project`, or in every
    /// project that holds one (nil); a UID not in the index is left out.
    public func seriesIds(instanceUIDs: [String], project: String?) throws -> [String: [Int64]] {
        try writer.read { db in
            var out: [String: [Int64]] = [:]
            for uid in instanceUIDs {
                let ids = try Int64.fetchAll(db, sql: "SELECT id FROM series WHERE seriesInstanceUID = ?1 AND (?2 IS NULL OR project = ?2) ORDER BY id",
                                             arguments: [uid, project])
                if !ids.isEmpty { out[uid] = ids }
            }
            return out
        }
    }
}

/// The job queue's operations (see `JobQueue`), on SQLite.
extension IndexDatabase {
    public func claimNextJob(owner: String, stages: [String], now: Date, queue: JobQueue) throws -> JobRecord? {
        try SQLiteJobQueue(database: self, queue: queue).claimNext(owner: owner, stages: stages, now: now)
    }

    public func renewJobLease(_ job: JobRecord, owner: String, now: Date, queue: JobQueue) throws {
        try SQLiteJobQueue(database: self, queue: queue).renew(job, owner: owner, now: now)
    }

    public func completeJob(_ job: JobRecord, owner: String, next: [String], now: Date, queue: JobQueue) throws {
        try SQLiteJobQueue(database: self, queue: queue).complete(job, owner: owner, next: next, now: now)
    }

    public func failJob(_ job: JobRecord, owner: String, error: String, permanent: Bool, now: Date, giveUp: JobQueue.GiveUp,
                        thenQueue: [String], thenQueueReason: String, queue: JobQueue) throws -> JobRecord.State {
        try SQLiteJobQueue(database: self, queue: queue).fail(job, owner: owner, error: error, permanent: permanent, now: now,
                                                              giveUp: giveUp, thenQueue: thenQueue, thenQueueReason: thenQueueReason)
    }

    public func reclaimAbandonedJobs(now: Date, queue: JobQueue) throws -> Int {
        try SQLiteJobQueue(database: self, queue: queue).reclaimAbandoned(now: now)
    }

    public func retryFailedJobs(seriesIds: [Int64]?, now: Date, queue: JobQueue) throws -> Int {
        try SQLiteJobQueue(database: self, queue: queue).retryFailed(seriesIds: seriesIds, now: now)
    }

    public func takeImages(for job: JobRecord, from: [ImageStatus], to: ImageStatus, now: Date) throws -> Int {
        try writer.write { db in
            try ImageTransition.move(db, seriesId: job.seriesId, from: from, to: to, reason: "\(job.stage) job \(job.id ?? -1)", at: now)
        }
    }

    public func enqueueBacklog(destinations: [SendDestination], seriesIds: [Int64]?, reason: String, now: Date,
                               queue: JobQueue) throws -> Int {
        try SQLiteJobQueue(database: self, queue: queue).enqueueBacklog(destinations: destinations, seriesIds: seriesIds,
                                                                        reason: reason, now: now)
    }

    public func retryFailedImages(seriesIds: [Int64]?, stages: [(status: ImageStatus, stage: String)],
                                  destinations: [SendDestination], now: Date, queue: JobQueue) throws -> Int {
        try SQLiteJobQueue(database: self, queue: queue).retryFailedImages(seriesIds: seriesIds, stages: stages,
                                                                           destinations: destinations, now: now)
    }

    public func summary(limit: Int?) throws -> IndexSummary { try IndexSummary.readSQLite(self, limit: limit) }

    public func deliverySummary(destinations: [SendDestination]) throws -> DeliverySummary {
        try DeliverySummary.readSQLite(self, destinations: destinations)
    }

    public func releaseHeld(uids: [String], project: String?, drop: Bool, reason: String, maxAttempts: Int, now: Date) throws -> HeldImages.Outcome {
        try HeldImages.releaseSQLite(self, uids: uids, project: project, drop: drop, reason: reason, maxAttempts: maxAttempts, now: now)
    }

    public func jobs(seriesId: Int64?) throws -> [JobRecord] {
        try writer.read { db in
            var request = JobRecord.order(Column("id"))
            if let seriesId { request = request.filter(Column("seriesId") == seriesId) }
            return try request.fetchAll(db)
        }
    }

    public func images(seriesId: Int64?) throws -> [ImageRecord] {
        try writer.read { db in
            var request = ImageRecord.order(Column("sopInstanceUID"))
            if let seriesId { request = request.filter(Column("seriesId") == seriesId) }
            return try request.fetchAll(db)
        }
    }
}

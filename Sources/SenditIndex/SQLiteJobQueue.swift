import Foundation
internal import GRDB

/// The job queue's operations on SQLite (see `JobQueue`): each one write transaction (GRDB's
/// "one transaction per intent"), so a kill at any moment leaves the queue as it was before or
/// after the operation, never between.
struct SQLiteJobQueue {
    let database: IndexDatabase
    let queue: JobQueue
    var policy: RetryPolicy { queue.policy }
    var workingStatuses: [String: ImageStatus] { queue.workingStatuses }
    func policy(for stage: String) -> RetryPolicy { queue.policy(for: stage) }
    typealias LeaseLost = JobQueue.LeaseLost
    typealias GiveUp = JobQueue.GiveUp

    /// Queues a job for a series and stage unless one is already queued (then its images will be
    /// taken by that one). Inside the caller's transaction. Returns whether a job was added.
    @discardableResult
    static func enqueue(_ db: Database, seriesId: Int64, stage: String, maxAttempts: Int,
                               now: Date, reason: String) throws -> Bool {
        let queued = try JobRecord.filter(Column("seriesId") == seriesId && Column("stage") == stage
                                          && Column("state") == JobRecord.State.queued.rawValue).fetchCount(db)
        guard queued == 0 else { return false }
        var job = JobRecord(seriesId: seriesId, stage: stage, state: .queued, attempts: 0, maxAttempts: maxAttempts,
                            availableAt: now, createdAt: now, updatedAt: now)
        try job.insert(db)
        try EventRecord(entity: "job", entityId: job.id, from: nil, to: JobRecord.State.queued.rawValue,
                        reason: "\(stage) for series \(seriesId): \(reason)", at: now).insert(db)
        return true
    }

    /// Hands the oldest ready job of one of `stages` to `owner` with a lease, or nil. A job is
    /// ready when queued, due, and no job of the same series and stage is running. Leases that
    /// expired are reclaimed first.
    func claimNext(owner: String, stages: [String], now: Date = Date()) throws -> JobRecord? {
        guard !stages.isEmpty else { return nil }
        return try database.writer.write { db in
            try reclaimExpired(db, now: now)
            let marks = Array(repeating: "?", count: stages.count).joined(separator: ",")
            guard var job = try JobRecord.fetchOne(db, sql: """
                SELECT * FROM job AS j WHERE j.state = \(JobRecord.State.queued.sql) AND j.availableAt <= ? AND j.stage IN (\(marks))
                AND NOT EXISTS (SELECT 1 FROM job AS r WHERE r.state = \(JobRecord.State.running.sql) AND r.seriesId = j.seriesId AND r.stage = j.stage)
                ORDER BY j.availableAt, j.id LIMIT 1
                """, arguments: StatementArguments([now] as [any DatabaseValueConvertible]) + StatementArguments(stages))
            else { return nil }
            job.state = .running
            job.attempts += 1
            job.leaseOwner = owner
            job.leaseExpiresAt = now.addingTimeInterval(policy.lease)
            job.updatedAt = now
            try job.update(db)
            try EventRecord(entity: "job", entityId: job.id, from: JobRecord.State.queued.rawValue, to: JobRecord.State.running.rawValue,
                            reason: "attempt \(job.attempts) of \(job.maxAttempts) by \(owner)", at: now).insert(db)
            return job
        }
    }

    /// Extends a running job's lease. Throws `LeaseLost` if it is no longer the owner's.
    func renew(_ job: JobRecord, owner: String, now: Date = Date()) throws {
        try database.writer.write { db in
            try db.execute(sql: "UPDATE job SET leaseExpiresAt = ?, updatedAt = ? WHERE id = ? AND state = \(JobRecord.State.running.sql) AND leaseOwner = ?",
                           arguments: [now.addingTimeInterval(policy.lease), now, job.id, owner])
            if db.changesCount == 0 { throw LeaseLost(jobId: job.id ?? -1) }
        }
    }

    /// Marks a job done and queues the `next` stages for the same series, in one transaction, so
    /// they happen together or not at all.
    func complete(_ job: JobRecord, owner: String, next: [String], now: Date = Date()) throws {
        try database.writer.write { db in
            try db.execute(sql: "UPDATE job SET state = \(JobRecord.State.done.sql), leaseOwner = NULL, leaseExpiresAt = NULL, lastError = NULL, updatedAt = ? WHERE id = ? AND state = \(JobRecord.State.running.sql) AND leaseOwner = ?",
                           arguments: [now, job.id, owner])
            if db.changesCount == 0 { throw LeaseLost(jobId: job.id ?? -1) }
            try EventRecord(entity: "job", entityId: job.id, from: JobRecord.State.running.rawValue, to: JobRecord.State.done.rawValue, reason: job.stage, at: now).insert(db)
            for stage in next {
                try SQLiteJobQueue.enqueue(db, seriesId: job.seriesId, stage: stage, maxAttempts: policy(for: stage).maxAttempts,
                                     now: now, reason: "after \(job.stage)")
            }
        }
    }

    /// Records a failed try. A permanent failure, or the last allowed attempt, ends the job as
    /// failed, carries out `giveUp` (which marks its images FAILED) and queues `thenQueue` for
    /// the series, in the same transaction; otherwise the job is queued again after the policy's
    /// delay. Returns the job's new state.
    @discardableResult
    func fail(_ job: JobRecord, owner: String, error: String, permanent: Bool, now: Date = Date(),
                     giveUp: GiveUp = .nothing, thenQueue: [String] = [],
                     thenQueueReason: String = "") throws -> JobRecord.State {
        try database.writer.write { db in
            let stagePolicy = policy(for: job.stage)
            let final = permanent || stagePolicy.isExhausted(attempts: job.attempts, maxAttempts: job.maxAttempts,
                                                             createdAt: job.createdAt, now: now)
            if final {
                try db.execute(sql: "UPDATE job SET state = \(JobRecord.State.failed.sql), leaseOwner = NULL, leaseExpiresAt = NULL, lastError = ?, updatedAt = ? WHERE id = ? AND state = \(JobRecord.State.running.sql) AND leaseOwner = ?",
                               arguments: [error, now, job.id, owner])
            } else {
                try requeue(db, job, availableAt: now.addingTimeInterval(stagePolicy.delay(afterAttempt: job.attempts)),
                            error: error, now: now, owner: owner)
            }
            if db.changesCount == 0 { throw LeaseLost(jobId: job.id ?? -1) }
            let why = permanent ? "refused: \(error)" : "attempt \(job.attempts) of \(job.maxAttempts) failed: \(error)"
            try EventRecord(entity: "job", entityId: job.id, from: JobRecord.State.running.rawValue, to: (final ? JobRecord.State.failed : .queued).rawValue,
                            reason: why, at: now).insert(db)
            if final {
                try apply(giveUp, db, job: job, reason: error, at: now)
                for stage in thenQueue {
                    try SQLiteJobQueue.enqueue(db, seriesId: job.seriesId, stage: stage, maxAttempts: policy(for: stage).maxAttempts,
                                         now: now, reason: thenQueueReason)
                }
            }
            return final ? .failed : .queued
        }
    }

    private func apply(_ giveUp: GiveUp, _ db: Database, job: JobRecord, reason: String, at: Date) throws {
        switch giveUp {
        case .nothing:
            break
        case .failImages(let status):
            try ImageTransition.move(db, seriesId: job.seriesId, from: [status], to: .failed,
                                     reason: "\(job.stage): \(reason)", at: at)
        case .failUndelivered(let destination):
            try DeliveryProgress.giveUp(db, seriesId: job.seriesId, destination: destination, reason: reason, at: at)
        }
    }

    /// Puts a running job back in the queue. If another job for the same series and stage was
    /// queued meanwhile, that one is removed: the requeued job takes its images, and keeps its
    /// attempt count (so a job that keeps killing its worker still reaches its limit).
    private func requeue(_ db: Database, _ job: JobRecord, availableAt: Date, error: String, now: Date, owner: String?) throws {
        try SQLiteJobQueue.removeQueuedTwin(db, of: job, now: now)
        var sql = "UPDATE job SET state = \(JobRecord.State.queued.sql), leaseOwner = NULL, leaseExpiresAt = NULL, availableAt = ?, lastError = ?, updatedAt = ? WHERE id = ? AND state = \(JobRecord.State.running.sql)"
        var arguments: StatementArguments = [availableAt, error, now, job.id]
        if let owner {
            sql += " AND leaseOwner = ?"
            arguments += [owner]
        }
        try db.execute(sql: sql, arguments: arguments)
    }

    private static func removeQueuedTwin(_ db: Database, of job: JobRecord, now: Date) throws {
        let twins = try Int64.fetchAll(db, sql: "SELECT id FROM job WHERE seriesId = ? AND stage = ? AND state = \(JobRecord.State.queued.sql) AND id != ?",
                                       arguments: [job.seriesId, job.stage, job.id])
        for twin in twins {
            try db.execute(sql: "DELETE FROM job WHERE id = ?", arguments: [twin])
            try EventRecord(entity: "job", entityId: twin, from: JobRecord.State.queued.rawValue, to: "merged",
                            reason: "its images are taken by job \(job.id ?? -1), queued again", at: now).insert(db)
        }
    }

    /// Expired leases: their worker died or hung. The job is tried again now, or fails if that
    /// was its last attempt.
    func reclaimExpired(_ db: Database, now: Date) throws {
        let expired = try JobRecord.filter(Column("state") == JobRecord.State.running.rawValue && Column("leaseExpiresAt") < now).fetchAll(db)
        for job in expired { try reclaim(db, job, reason: "lease of \(job.leaseOwner ?? "?") expired", now: now) }
    }

    private func reclaim(_ db: Database, _ job: JobRecord, reason: String, now: Date) throws {
        if policy(for: job.stage).isExhausted(attempts: job.attempts, maxAttempts: job.maxAttempts, createdAt: job.createdAt, now: now) {
            try db.execute(sql: "UPDATE job SET state = \(JobRecord.State.failed.sql), leaseOwner = NULL, leaseExpiresAt = NULL, lastError = ?, updatedAt = ? WHERE id = ?",
                           arguments: [reason, now, job.id])
            try EventRecord(entity: "job", entityId: job.id, from: JobRecord.State.running.rawValue, to: JobRecord.State.failed.rawValue,
                            reason: "\(reason) on its last attempt", at: now).insert(db)
            if let working = workingStatuses[job.stage] {
                try ImageTransition.move(db, seriesId: job.seriesId, from: [working], to: .failed,
                                         reason: "\(job.stage): \(reason) on its last attempt", at: now)
            }
        } else {
            try requeue(db, job, availableAt: now, error: reason, now: now, owner: nil)
            try EventRecord(entity: "job", entityId: job.id, from: JobRecord.State.running.rawValue, to: JobRecord.State.queued.rawValue, reason: reason, at: now).insert(db)
        }
    }

    /// At start-up, with the database lock held (no other sendit runs jobs on it): every running
    /// job belongs to a process that is gone, whatever its lease says.
    @discardableResult
    func reclaimAbandoned(now: Date = Date()) throws -> Int {
        try database.writer.write { db in
            let running = try JobRecord.filter(Column("state") == JobRecord.State.running.rawValue).fetchAll(db)
            for job in running {
                try reclaim(db, job, reason: "worker \(job.leaseOwner ?? "?") stopped (found at start-up)", now: now)
            }
            return running.count
        }
    }

    /// Queues failed jobs again with a fresh attempt count (`sendit retry`), and puts their
    /// series' FAILED images back where the stages take them (a destination's refusal of them
    /// is forgotten: they are sent again). Returns how many jobs were queued.
    @discardableResult
    func retryFailed(seriesIds: [Int64]? = nil, now: Date = Date()) throws -> Int {
        try database.writer.write { db in
            var request = JobRecord.filter(Column("state") == JobRecord.State.failed.rawValue)
            if let seriesIds { request = request.filter(seriesIds.contains(Column("seriesId"))) }
            var count = 0
            for job in try request.fetchAll(db) {
                try ImageTransition.forgetRefusals(db, seriesId: job.seriesId)
                try ImageTransition.restoreFailed(db, seriesId: job.seriesId, at: now)
                try SQLiteJobQueue.removeQueuedTwin(db, of: job, now: now)
                // A fresh start: attempts and age (SEND_GIVE_UP_AFTER counts from createdAt).
                try db.execute(sql: "UPDATE job SET state = \(JobRecord.State.queued.sql), attempts = 0, lastError = NULL, availableAt = ?, createdAt = ?, updatedAt = ? WHERE id = ?",
                               arguments: [now, now, now, job.id])
                try EventRecord(entity: "job", entityId: job.id, from: JobRecord.State.failed.rawValue, to: JobRecord.State.queued.rawValue,
                                reason: "retried by hand", at: now).insert(db)
                count += 1
            }
            return count
        }
    }
}

import Foundation

/// The durable job queue, in the index: one job per series per stage. Each operation is one
/// transaction of the index, so a kill at any moment leaves the queue as it was before or after
/// the operation, never between. This holds the retry policies; the index keeps the jobs.
public struct JobQueue: Sendable {
    public let database: any IndexStore
    public let policy: RetryPolicy
    /// Each stage's working status: when a job's lease expires on its last attempt, the
    /// series' images in that status become FAILED (as when a worker gives up).
    public let workingStatuses: [String: ImageStatus]
    /// Stages that retry by another policy than `policy` (the send stages: back off to minutes,
    /// and go on for long). The lease is always `policy`'s.
    public let stagePolicies: [String: RetryPolicy]

    public init(database: any IndexStore, policy: RetryPolicy, workingStatuses: [String: ImageStatus] = [:],
                stagePolicies: [String: RetryPolicy] = [:]) {
        self.database = database
        self.policy = policy
        self.workingStatuses = workingStatuses
        self.stagePolicies = stagePolicies
    }

    /// The retry policy of a stage.
    public func policy(for stage: String) -> RetryPolicy { stagePolicies[stage] ?? policy }

    /// The job was no longer this worker's (its lease expired and another took it over).
    public struct LeaseLost: Error, CustomStringConvertible {
        public let jobId: Int64
        public var description: String { "job \(jobId): lease lost" }
    }

    /// What a job that failed for good leaves behind, done in the transaction that fails it.
    public enum GiveUp: Sendable, Equatable {
        /// Nothing (the images stay as they are).
        case nothing
        /// The series' images in this status (the stage's working status) become FAILED.
        case failImages(in: ImageStatus)
        /// A destination gave up: the series' images it has not verified (nor skipped) become
        /// FAILED; the others are left as they are.
        case failUndelivered(destination: String)
    }

    /// Hands the oldest ready job of one of `stages` to `owner` with a lease, or nil. A job is
    /// ready when queued, due, and no job of the same series and stage is running. Leases that
    /// expired are reclaimed first.
    public func claimNext(owner: String, stages: [String], now: Date = Date()) throws -> JobRecord? {
        try database.claimNextJob(owner: owner, stages: stages, now: now, queue: self)
    }

    /// Extends a running job's lease. Throws `LeaseLost` if it is no longer the owner's.
    public func renew(_ job: JobRecord, owner: String, now: Date = Date()) throws {
        try database.renewJobLease(job, owner: owner, now: now, queue: self)
    }

    /// Marks a job done and queues the `next` stages for the same series, together or not at all.
    public func complete(_ job: JobRecord, owner: String, next: [String], now: Date = Date()) throws {
        try database.completeJob(job, owner: owner, next: next, now: now, queue: self)
    }

    /// Records a failed try. A permanent failure, or the last allowed attempt, ends the job as
    /// failed, carries out `giveUp` (which marks its images FAILED) and queues `thenQueue` for
    /// the series, in the same transaction; otherwise the job is queued again after the policy's
    /// delay. Returns the job's new state.
    @discardableResult
    public func fail(_ job: JobRecord, owner: String, error: String, permanent: Bool, now: Date = Date(),
                     giveUp: GiveUp = .nothing, thenQueue: [String] = [],
                     thenQueueReason: String = "") throws -> JobRecord.State {
        try database.failJob(job, owner: owner, error: error, permanent: permanent, now: now, giveUp: giveUp,
                             thenQueue: thenQueue, thenQueueReason: thenQueueReason, queue: self)
    }

    /// At start-up, with the database lock held (no other sendit runs jobs on it): every running
    /// job belongs to a process that is gone, whatever its lease says.
    @discardableResult
    public func reclaimAbandoned(now: Date = Date()) throws -> Int {
        try database.reclaimAbandonedJobs(now: now, queue: self)
    }

    /// Queues failed jobs again with a fresh attempt count (`sendit retry`), and puts their
    /// series' FAILED images back where the stages take them (a destination's refusal of them
    /// is forgotten: they are sent again). Returns how many jobs were queued.
    @discardableResult
    public func retryFailed(seriesIds: [Int64]? = nil, now: Date = Date()) throws -> Int {
        try database.retryFailedJobs(seriesIds: seriesIds, now: now, queue: self)
    }

    /// A job starts: the series' images in `from` (the stage's input statuses) move to `to` (its
    /// working status), each with its event. Returns how many moved.
    @discardableResult
    public func takeImages(for job: JobRecord, from: [ImageStatus], to: ImageStatus, now: Date = Date()) throws -> Int {
        try database.takeImages(for: job, from: from, to: to, now: now)
    }

    /// Queues a send job for each series waiting for a destination (an image DONEPROCESSING or
    /// SENT it has not verified) with none queued, in one transaction: `sendit serve` at start.
    /// Returns how many were queued.
    @discardableResult
    public func enqueueBacklog(destinations: [SendDestination], seriesIds: [Int64]? = nil, reason: String,
                               now: Date = Date()) throws -> Int {
        try database.enqueueBacklog(destinations: destinations, seriesIds: seriesIds, reason: reason, now: now, queue: self)
    }

    /// `sendit retry`, after `retryFailed`: the FAILED images of these series (all: nil) whose
    /// job completed (the PHI gate, an unreadable file, a destination's refusal) go back to the
    /// status each had before it failed, a destination's refusal of them forgotten; their series
    /// get a job of the stage that takes that status (`stages`), and the destinations that lack
    /// the images put back to DONEPROCESSING or SENT get a send job. One transaction. Returns
    /// how many images were put back.
    @discardableResult
    public func retryFailedImages(seriesIds: [Int64]?, stages: [(status: ImageStatus, stage: String)],
                                  destinations: [SendDestination], now: Date = Date()) throws -> Int {
        try database.retryFailedImages(seriesIds: seriesIds, stages: stages, destinations: destinations, now: now, queue: self)
    }
}

import Foundation
import SenditIndex

/// One stage of the pipeline (identify, de-identify, send, …) as the job queue runs it. A stage
/// works on one series at a time: it takes the series' images in `inputStatuses`, holds them in
/// `workingStatus` while it runs, and leaves them in its output status. A stage must be safe to
/// run again on the same series (after a crash, its images may be in `workingStatus`).
public protocol StageHandler: Sendable {
    /// The job queue's name for the stage.
    var stage: String { get }
    /// Statuses of the images this stage takes.
    var inputStatuses: [ImageStatus] { get }
    /// The status images hold while the stage runs.
    var workingStatus: ImageStatus { get }
    /// The stages queued for the series after this one completes (one per destination after
    /// de-identification; none after sending).
    var nextStages: [String] { get }
    /// Does the work. Throw `StageError.permanent` for a refusal that retrying cannot fix; any
    /// other error is retried with backoff.
    func run(_ job: StageJob) throws
    /// What the job leaves behind when it fails for good (a permanent error, or its last
    /// attempt), done in the job queue's transaction. By default its images in `workingStatus`
    /// become FAILED.
    var giveUp: JobQueue.GiveUp { get }
    /// The stages queued after this one completes for `job`'s series: `nextStages`, unless the
    /// stage's next stages depend on the series (its project's destinations).
    func nextStages(after job: JobRecord, in database: any IndexStore) throws -> [String]
}

extension StageHandler {
    public var giveUp: JobQueue.GiveUp { .failImages(in: workingStatus) }
    public func nextStages(after job: JobRecord, in database: any IndexStore) throws -> [String] { nextStages }
}

/// A failure that retrying will not fix (the destination refused the image, the file is bad).
public enum StageError: Error, CustomStringConvertible {
    case permanent(String)
    public var description: String {
        switch self {
        case .permanent(let why): why
        }
    }
}

/// What a stage's `run` gets: the job, the database, and a way to keep its lease.
public struct StageJob: Sendable {
    public let job: JobRecord
    public let database: any IndexStore
    let renewLease: @Sendable () throws -> Void
    /// Tells the workers that the stage queued jobs while it runs (they need not wait for their
    /// next poll).
    let jobsQueued: @Sendable () -> Void

    public init(job: JobRecord, database: any IndexStore, renewLease: @escaping @Sendable () throws -> Void,
                jobsQueued: @escaping @Sendable () -> Void = {}) {
        self.job = job
        self.database = database
        self.renewLease = renewLease
        self.jobsQueued = jobsQueued
    }

    public var seriesId: Int64 { job.seriesId }

    /// Queues `stages` for the series now, while this job runs (a stage that hands over part of
    /// its work early), and wakes the workers.
    public func enqueueEarly(_ stages: [String], maxAttempts: (String) -> Int, reason: String) throws {
        guard !stages.isEmpty else { return }
        let queued = try database.enqueue(seriesId: job.seriesId, stages: stages, maxAttempts: maxAttempts, reason: reason)
        if queued { jobsQueued() }
    }

    /// Extends the lease; a long stage calls it now and then (the worker also does, on a timer).
    public func keepAlive() throws { try renewLease() }
}

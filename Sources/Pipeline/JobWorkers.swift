import Foundation
import Logging
import LoopThreads
import SenditIndex

/// The workers that run the job queue: `count` threads (blocking work such as a C-STORE to the
/// destination does not hold up Swift's cooperative pool). Each claims a job, moves the series'
/// images into the stage's working status, runs the stage while a timer renews the lease, then
/// completes or fails the job.
public final class JobWorkers: @unchecked Sendable {
    public let queue: JobQueue
    public let handlers: [String: any StageHandler]
    public let count: Int
    let poolName: String
    let logger: Logger
    /// How long an idle worker sleeps when nothing wakes it (jobs due later, or queued by another
    /// process such as `sendit import`).
    public var idlePoll: TimeInterval = 1
    private let condition = NSCondition()
    private var stopping = false
    private var wakeups = 0
    private var threads: [LoopThread] = []
    private let ownerPrefix: String
    /// Called when a job queued further stages: wakes these workers, and whoever else runs them
    /// (the send workers are a pool of their own).
    public var onQueued: @Sendable () -> Void = {}
    /// Stages queued for a series when one of this pool's jobs fails for good (the send stages,
    /// for what a processing stage finished before it gave up).
    public var afterGivingUp: [String] = []
    /// Where each worker thread's end is reported: nil when `stop(grace:)` ended it, an error when
    /// it failed. Set before `start()`.
    public var onLoopEnd: @Sendable ((any Error)?) -> Void = { _ in }
    /// Test-only: called by each worker before it claims a job; what it throws ends that
    /// worker's loop as a failure would (`sendit serve` sets it from SENDIT_FAULT_INJECT, which
    /// only the service-failure test sets).
    public var injectedFault: (@Sendable () throws -> Void)?
    /// Where job durations and jobs failed for good are counted (by default the process's
    /// metrics system).
    public var metrics = PipelineMetrics()
    /// Why these workers claim no job now (the disk is low: `sendit serve` pauses the
    /// de-identification workers, not the send workers, whose deliveries let clean-up free
    /// space), nil when they may. Asked before each claim. Set before `start()`.
    public var pausedBecause: @Sendable () -> String? = { nil }

    /// How much lower than the process's this pool's threads run (nice, 0 to 19): `sendit
    /// serve` runs its processing workers at 5, so that receiving (a sender waits for each
    /// response) and sending (a destination waits for each image) take the CPU first and
    /// de-identification the rest, on a busy or pinned core. Set before `start()`.
    public var niceness: Int32 = 0

    /// `name`: tells pools apart in thread names and lease owners.
    public init(queue: JobQueue, handlers: [any StageHandler], count: Int, logger: Logger, name: String = "w") {
        self.queue = queue
        self.handlers = Dictionary(handlers.map { ($0.stage, $0) }, uniquingKeysWith: { a, _ in a })
        self.count = max(1, count)
        self.logger = logger
        poolName = name
        ownerPrefix = "\(ProcessInfo.processInfo.hostName):\(getpid())"
        onQueued = { [weak self] in self?.wake() }
    }

    public func start() {
        for n in 0..<count {
            let thread = LoopThread(name: "job-\(poolName)\(n)")
            condition.lock()
            threads.append(thread)
            condition.unlock()
            thread.start({ [self] in try loop(owner: "\(ownerPrefix)/\(poolName)\(n)") }, onEnd: { [self] end in onLoopEnd(end) })
        }
    }

    /// Wakes idle workers: jobs were queued.
    public func wake() {
        condition.lock()
        wakeups = count
        condition.broadcast()
        condition.unlock()
    }

    /// Stops taking jobs; waits up to `grace` seconds for running ones. A job still running after
    /// that keeps its lease until it expires (or the next start-up reclaims it).
    public func stop(grace: TimeInterval) {
        condition.lock()
        stopping = true
        condition.broadcast()
        let threads = threads
        condition.unlock()
        let deadline = Date().addingTimeInterval(grace)
        for thread in threads { thread.waitUntilEnded(deadline: deadline) }
    }

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    /// Returns when stopped; throws only what `injectedFault` throws (a job's own errors are
    /// the job's: retried or failed, never the worker's end).
    private func loop(owner: String) throws {
        if niceness > 0 { LowerPriority.ofCurrentThread(by: niceness) }
        let stages = Array(handlers.keys).sorted()
        while !isStopping {
            try injectedFault?()
            if pausedBecause() != nil {
                condition.lock()
                if !stopping { _ = condition.wait(until: Date().addingTimeInterval(idlePoll)) }
                condition.unlock()
                continue
            }
            let job: JobRecord?
            do {
                job = try queue.claimNext(owner: owner, stages: stages)
            } catch {
                logger.error("cannot claim a job", metadata: ["error": "\(error)"])
                job = nil
            }
            guard let job else {
                condition.lock()
                if wakeups > 0 {
                    wakeups -= 1
                } else if !stopping {
                    _ = condition.wait(until: Date().addingTimeInterval(idlePoll))
                    if wakeups > 0 { wakeups -= 1 }
                }
                condition.unlock()
                continue
            }
            run(job, owner: owner)
        }
    }

    func run(_ job: JobRecord, owner: String) {
        guard let handler = handlers[job.stage] else { return }
        let meta: Logger.Metadata = ["job": "\(job.id ?? -1)", "stage": "\(job.stage)", "series": "\(job.seriesId)",
                                     "attempt": "\(job.attempts)"]
        let heartbeat = DispatchSource.makeTimerSource(queue: .global())
        heartbeat.schedule(deadline: .now() + queue.policy.lease / 3, repeating: queue.policy.lease / 3)
        heartbeat.setEventHandler { [queue] in try? queue.renew(job, owner: owner) }
        heartbeat.resume()
        defer { heartbeat.cancel() }
        do {
            let taken = try queue.takeImages(for: job, from: handler.inputStatuses, to: handler.workingStatus)
            logger.debug("job started", metadata: meta.merging(["images": "\(taken)"]) { a, _ in a })
            let started = DispatchTime.now().uptimeNanoseconds
            // A renewal is a write transaction (an fsync): a stage that asks often (every send
            // round, every recorded batch) renews at most every tenth of the lease, at most 5 s.
            let renewal = LeaseRenewal(every: min(5, queue.policy.lease / 10))
            try handler.run(StageJob(job: job, database: queue.database, renewLease: { [queue] in
                try renewal.ifDue { try queue.renew(job, owner: owner) }
            }, jobsQueued: { [self] in onQueued() }))
            let next = try handler.nextStages(after: job, in: queue.database)
            try queue.complete(job, owner: owner, next: next)
            metrics.jobRan(stage: job.stage, nanoseconds: Int64(DispatchTime.now().uptimeNanoseconds - started))
            logger.info("job done", metadata: meta)
            if !next.isEmpty { onQueued() }
        } catch let lost as JobQueue.LeaseLost {
            logger.warning("job taken over after its lease expired", metadata: meta.merging(["error": "\(lost)"]) { a, _ in a })
        } catch {
            let permanent = error is StageError
            do {
                let after = afterGivingUp.filter { $0 != job.stage }
                // What the stage finished before giving up still goes on (images it handed over
                // early wait for a send job to verify them).
                let state = try queue.fail(job, owner: owner, error: "\(error)", permanent: permanent, giveUp: handler.giveUp,
                                           thenQueue: after, thenQueueReason: "\(job.stage) gave up; what it finished goes on")
                if state == .failed && !after.isEmpty { onQueued() }
                if state == .failed { metrics.jobFailed(stage: job.stage) }
                let level: Logger.Level = state == .failed ? .error : .warning
                logger.log(level: level, state == .failed ? "job failed" : "job will be retried",
                           metadata: meta.merging(["error": "\(error)"]) { a, _ in a })
            } catch let lost as JobQueue.LeaseLost {
                logger.warning("job failed after its lease expired; another worker has it", metadata: meta.merging(["error": "\(lost)"]) { a, _ in a })
            } catch {
                logger.error("cannot record a job's failure", metadata: meta.merging(["error": "\(error)"]) { a, _ in a })
            }
        }
    }
}

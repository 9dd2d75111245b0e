import Foundation
import Logging
import LoopThreads

/// Runs the retention sweep every `interval` seconds on a thread of its own, until stopped.
public final class CleanupLoop: @unchecked Sendable {
    public let retention: Retention
    public let interval: TimeInterval
    let logger: Logger
    private let stopSignal = StopSignal()
    private let thread = LoopThread(name: "cleanup")
    /// Images whose files could not be removed: skipped for an hour, so they do not hold up
    /// the others (only this thread touches them).
    private var kept: Set<Int64> = []
    private var keptSince = Date()
    /// Where the loop's end is reported: nil when `stop()` ended it, an error when it failed.
    /// Set before `start()`.
    public var onLoopEnd: @Sendable ((any Error)?) -> Void = { _ in }
    /// Test-only: called before each sweep; what it throws ends the loop as a failure would
    /// (`sendit serve` sets it from SENDIT_FAULT_INJECT, which only the service-failure test
    /// sets).
    public var injectedFault: (@Sendable () throws -> Void)?

    public init(retention: Retention, interval: TimeInterval, logger: Logger) {
        self.retention = retention
        self.interval = interval
        self.logger = logger
    }

    public func start() {
        thread.start({ [self] in try loop() }, onEnd: { [self] end in onLoopEnd(end) })
    }

    /// Stops after the sweep in progress, if any (at once if never started).
    public func stop() {
        stopSignal.stop()
        thread.waitUntilEnded()
    }

    /// Returns when stopped; throws only what `injectedFault` throws (a sweep's errors are
    /// logged, and the next sweep tries again).
    private func loop() throws {
        while true {
            if stopSignal.pause(seconds: interval) { return }
            try injectedFault?()
            sweepOnce()
        }
    }

    /// One sweep, in as many batches as it takes; logs what it removed.
    public func sweepOnce() {
        do {
            var total = Retention.Report()
            if Date().timeIntervalSince(keptSince) > 3600 || kept.count > 10_000 {
                kept = []
                keptSince = Date()
            }
            repeat {
                let report = try retention.sweep(skipping: kept)
                kept.formUnion(report.keptImageIds)
                total.images += report.images
                total.bytes += report.bytes
                total.series += report.series
                total.folders += report.folders
                total.problems += report.problems
                if report.images == 0 { break }
            } while !stopSignal.isStopping
            for problem in total.problems.prefix(5) {
                logger.error("clean-up cannot remove a file; its image is kept", metadata: ["problem": "\(problem)"])
            }
            guard total.images > 0 else { return }
            logger.info("cleaned up", metadata: [
                "images": "\(total.images)", "bytes": "\(total.bytes)", "series": "\(total.series)", "folders": "\(total.folders)",
                "retention": "\(retention.policy)",
                "data": "\(DiskUsage.measure(retention.dataFolder).summary)", "outbox": "\(DiskUsage.measure(retention.outboxFolder).summary)"])
        } catch {
            logger.error("clean-up failed", metadata: ["error": "\(error)"])
        }
    }
}

import Foundation
import SenditIndex

/// What the send stages of DICOM and DICOMweb destinations share, whatever carries the images:
/// the rounds of what is pending, the record of what a destination shows when asked, and the
/// one fault a job ends with.
enum DeliveryRounds {
    /// Sends what is ready, then what became ready meanwhile (the series is still being
    /// de-identified), until nothing new is left, so that the one verification after it does not
    /// come before the last hand-over. A round with a fault ends it (the job is retried with
    /// backoff). An image pending again after this job sent it (its record was withdrawn
    /// meanwhile, by a late Storage Commitment failure, say) is left to a job queued for it.
    /// `send` sends a round's images and returns the faults worth trying again.
    ///
    /// With `linger` (seconds, 0: none), a job whose series is still arriving or being
    /// de-identified waits up to that long for its next images after each round (woken as they
    /// are recorded: `HandOverBell`), so that one job sends the series as it comes, on
    /// associations it keeps open, rather than one job per hand-over; it stops waiting when
    /// nothing came for that long, when the series is complete, or when another series' send
    /// job (of any destination: the send workers are one pool) is due (the worker is theirs).
    static func send(_ job: StageJob, stage: String, destination: String, destinations: [String], metrics: PipelineMetrics,
                     linger: TimeInterval = 0, bell: HandOverBell = .shared,
                     _ send: ([PendingDelivery]) throws -> [String]) throws -> [String] {
        var faults: [String] = []
        var tried = Set<Int64>()
        var pendingAgain = false
        while true {
            let rung = bell.count
            let all = try job.database.pendingDeliveries(seriesId: job.seriesId, destination: destination)
            let fresh = all.filter { !tried.contains($0.imageId) }
            pendingAgain = pendingAgain || fresh.count < all.count
            if fresh.isEmpty {
                if try waitForMore(job, destination: destination, tried: tried, bell: bell, rung: rung, linger: linger) { continue }
                break
            }
            try job.keepAlive()
            faults += try send(fresh)
            tried.formUnion(fresh.map(\.imageId))
            if !faults.isEmpty { break }
            // The round's images only (the job's end looks at the whole series).
            metrics.completed(try job.database.advanceDeliveries(seriesId: job.seriesId, imageIds: fresh.map(\.imageId),
                                                                 destinations: destinations))
        }
        if pendingAgain && faults.isEmpty {
            try job.enqueueEarly([stage], maxAttempts: { [limit = job.job.maxAttempts] _ in limit },
                                 reason: "images to send again after this job sent them")
        }
        return faults
    }

    /// Waits for the series' next images (see `send`): true if some may have been recorded.
    private static func waitForMore(_ job: StageJob, destination: String, tried: Set<Int64>, bell: HandOverBell, rung: UInt64,
                                    linger: TimeInterval) throws -> Bool {
        guard linger > 0 else { return false }
        let database = job.database
        func fresh() throws -> Bool {
            try database.pendingDeliveries(seriesId: job.seriesId, destination: destination).contains { !tried.contains($0.imageId) }
        }
        // Whole is asked before what is pending, so that images recorded between the two looks
        // are sent, not left to another job.
        if try database.unfinishedImages(seriesId: job.seriesId) == 0 { return try fresh() }
        // Another series waits for a send worker (of any destination: they share the pool).
        if try database.otherJobsDue(stagePrefix: DeliveryDestination.stagePrefix, besides: job.seriesId, now: Date()) {
            return false
        }
        let deadline = Date().addingTimeInterval(linger)
        var seen = rung
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0, bell.wait(after: seen, timeout: left) else { return try fresh() }
            // Rung: for this series if it has images to send now, or is whole (else another's:
            // wait on).
            seen = bell.count
            let whole = try database.unfinishedImages(seriesId: job.seriesId) == 0
            if try fresh() { return true }
            if whole { return false }
        }
    }

    /// Records what the destination showed of the series' sent images, by SOP Instance UID:
    /// those present are done there, the others lose their record (they are sent again).
    /// Returns the missing ones.
    static func recordShown(_ sent: [SentImage], present: Set<String>, destination: String, job: StageJob,
                            metrics: PipelineMetrics) throws -> [SentImage] {
        let missing = sent.filter { !present.contains($0.sopInstanceUID) }
        try job.database.recordVerification(destination: destination,
                                            shown: sent.map { (imageId: $0.imageId, present: present.contains($0.sopInstanceUID)) })
        metrics.verified(sent.count - missing.count, destination: destination)
        return missing
    }

    /// The job's end: advances the series' images, then throws the first fault (with how many
    /// more) if there was one.
    static func finish(_ job: StageJob, destination: String, destinations: [String], metrics: PipelineMetrics, faults: [String]) throws {
        metrics.completed(try job.database.advanceDeliveries(seriesId: job.seriesId, destinations: destinations))
        if let first = faults.first {
            throw SendStage.DeliveryFault(description: "\(destination): \(first)" + (faults.count > 1 ? " (and \(faults.count - 1) more)" : ""))
        }
    }
}

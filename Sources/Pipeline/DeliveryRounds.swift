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
    static func send(_ job: StageJob, stage: String, destination: String, destinations: [String], metrics: PipelineMetrics,
                     _ send: ([PendingDelivery]) throws -> [String]) throws -> [String] {
        var faults: [String] = []
        var tried = Set<Int64>()
        var pendingAgain = false
        while true {
            let all = try job.database.pendingDeliveries(seriesId: job.seriesId, destination: destination)
            let fresh = all.filter { !tried.contains($0.imageId) }
            pendingAgain = pendingAgain || fresh.count < all.count
            if fresh.isEmpty { break }
            try job.keepAlive()
            faults += try send(fresh)
            tried.formUnion(fresh.map(\.imageId))
            if !faults.isEmpty { break }
            metrics.completed(try job.database.advanceDeliveries(seriesId: job.seriesId, destinations: destinations))
        }
        if pendingAgain && faults.isEmpty {
            try job.enqueueEarly([stage], maxAttempts: { [limit = job.job.maxAttempts] _ in limit },
                                 reason: "images to send again after this job sent them")
        }
        return faults
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

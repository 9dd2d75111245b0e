import ArgumentParser
import Foundation
import GRDB
import Pipeline
import SenditIndex

struct RetryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Queue failed jobs again (all, or those of the series named), with a fresh attempt count.",
        discussion: """
            Each FAILED image of those series goes back to the status it had before it failed
            (also images that failed alone, by the PHI gate, an unreadable file or a
            destination's refusal, while their job completed); a destination's refusal is
            forgotten, so the image is sent again. A running `sendit serve` then runs the jobs
            again.
            """)

    @OptionGroup var configurationOptions: ConfigurationOptions

    @Argument(help: "SeriesInstanceUIDs (none: every failed job).")
    var series: [String] = []

    /// A destination's refusals of the series' FAILED images are forgotten: they are sent again.
    static func forgetRefusals(_ db: Database, seriesId: Int64) throws {
        try db.execute(sql: """
            DELETE FROM delivery WHERE state = 'failed' AND imageId IN (SELECT id FROM image WHERE seriesId = ? AND status = 'FAILED')
            """, arguments: [seriesId])
    }

    func run() throws {
        let pipeline = try PipelineWiring(try configurationOptions.load(), existing: true)
        var ids: [Int64]? = nil
        if !series.isEmpty {
            ids = try pipeline.database.writer.read { db in
                try series.map { uid in
                    guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM series WHERE seriesInstanceUID = ?", arguments: [uid]) else {
                        throw ValidationError("no series \(uid) in the index")
                    }
                    return id
                }
            }
        }
        let now = Date()
        let count = try pipeline.queue.retryFailed(seriesIds: ids, now: now) { db, job in
            try Self.forgetRefusals(db, seriesId: job.seriesId)
            try ImageTransition.restoreFailed(db, seriesId: job.seriesId, at: now)
        }
        // Images that failed alone (the PHI gate, an unreadable file) while their job completed.
        let images = try pipeline.database.writer.write { db -> Int in
            var request = "SELECT DISTINCT seriesId FROM image WHERE status = 'FAILED'"
            if let ids { request += " AND seriesId IN (\(ids.map(String.init).joined(separator: ",")))" }
            var moved = 0
            for seriesId in try Int64.fetchAll(db, sql: request) {
                try Self.forgetRefusals(db, seriesId: seriesId)
                moved += try ImageTransition.restoreFailed(db, seriesId: seriesId, at: now)
                let statuses = try String.fetchAll(db, sql: "SELECT DISTINCT status FROM image WHERE seriesId = ?", arguments: [seriesId])
                for (status, stage) in [("NEW", "identify"), ("PROCESSING", "deidentify")] where statuses.contains(status) {
                    try JobQueue.enqueue(db, seriesId: seriesId, stage: stage, maxAttempts: pipeline.configuration.retry.maxAttempts,
                                         now: now, reason: "failed images retried by hand")
                }
            }
            // Images put back to DONEPROCESSING or SENT go to the destinations that lack them.
            try SendBacklog.enqueue(db, destinations: pipeline.destinations, queue: pipeline.queue, seriesIds: ids, now: now,
                                    reason: "failed deliveries retried by hand")
            return moved
        }
        print("\(count) failed job\(count == 1 ? "" : "s") queued again" + (images > 0 ? "; \(images) failed image\(images == 1 ? "" : "s") put back" : ""))
    }
}

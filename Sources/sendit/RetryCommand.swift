import ArgumentParser
import Foundation
import GRDB
import Pipeline

struct RetryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Queue failed jobs again (all, or those of the series named), with a fresh attempt count.",
        discussion: """
            Each FAILED image of those series goes back to the status it had before it failed;
            a running `sendit serve` then runs the jobs again.
            """)

    @OptionGroup var configurationOptions: ConfigurationOptions

    @Argument(help: "SeriesInstanceUIDs (none: every failed job).")
    var series: [String] = []

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
            try ImageTransition.restoreFailed(db, seriesId: job.seriesId, at: now)
        }
        print("\(count) failed job\(count == 1 ? "" : "s") queued again")
    }
}

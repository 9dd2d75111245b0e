import ArgumentParser
import Foundation
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

    @Option(name: .long, help: "Only this project's series of those UIDs (default: every project's).")
    var project: String?

    @Argument(help: "SeriesInstanceUIDs (none: every failed job).")
    var series: [String] = []

    func run() throws {
        let pipeline = try PipelineWiring(try configurationOptions.resolve(), existing: true)
        var ids: [Int64]? = nil
        if !series.isEmpty {
            let known = try pipeline.database.seriesIds(instanceUIDs: series, project: project)
            ids = try series.flatMap { uid in
                guard let ids = known[uid] else {
                    throw ValidationError("no series \(uid) in the index" + (project.map { " (project \($0))" } ?? ""))
                }
                return ids
            }
        }
        let now = Date()
        let count = try pipeline.queue.retryFailed(seriesIds: ids, now: now)
        // Images that failed alone (the PHI gate, an unreadable file) while their job completed.
        let images = try pipeline.queue.retryFailedImages(
            seriesIds: ids, stages: [(.new, "identify"), (.processing, "deidentify")],
            destinations: pipeline.destinations.map(\.indexed), now: now)
        print("\(count) failed job\(count == 1 ? "" : "s") queued again" + (images > 0 ? "; \(images) failed image\(images == 1 ? "" : "s") put back" : ""))
    }
}

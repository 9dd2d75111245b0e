import ArgumentParser
import Foundation
import Pipeline

struct ReleaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Release HELD images (a burned-in rule held them) for de-identification, or drop them.",
        discussion: """
            An image is HELD when a burned-in rule says it may carry text in its pixels (names,
            dates, IDs drawn into the image). Look at it first. `sendit release UID...` sends the
            named images (SOPInstanceUID) or every HELD image of the named series
            (SeriesInstanceUID) on through de-identification, skipping the rules for them;
            the PHI gate still checks their headers. `--drop` marks them FAILED instead, so they
            are never sent. Exit status 1 if a UID names nothing HELD.
            """)

    @OptionGroup var configurationOptions: ConfigurationOptions

    @Flag(name: .long, help: "Never send them: mark them FAILED (dropped by hand).")
    var drop = false

    @Option(name: .long, help: "Why (recorded in the events).")
    var reason: String = "looked at, no text in the pixels"

    @Argument(help: "SOPInstanceUIDs or SeriesInstanceUIDs.")
    var uids: [String]

    func run() throws {
        let pipeline = try PipelineWiring(try configurationOptions.load(), existing: true)
        let outcome = try HeldImages.release(pipeline.database, uids: uids, drop: drop, reason: reason,
                                             maxAttempts: pipeline.configuration.retry.maxAttempts)
        let n = outcome.images
        print("\(n) image\(n == 1 ? "" : "s") \(drop ? "dropped" : "released")"
              + (drop ? "" : " (\(outcome.seriesQueued) series queued for de-identification)"))
        for uid in outcome.unmatched { StandardOutput.error("sendit release: nothing HELD under \(uid)\n") }
        if !outcome.unmatched.isEmpty { throw ExitCode(1) }
    }
}

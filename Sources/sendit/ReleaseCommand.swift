import ArgumentParser
import Foundation
import Pipeline
import SenditIndex

struct ReleaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Release HELD images for de-identification, or drop them.",
        discussion: """
            An image is HELD when a burned-in rule says it may carry text in its pixels (names,
            dates, IDs drawn into the image), or when its StudyInstanceUID was seen with another
            patient (`sendit status` shows which). Look at it first. `sendit release UID...`
            sends the named images (SOPInstanceUID) or every HELD image of the named series
            (SeriesInstanceUID) on: an image the burned-in rules held is de-identified with the
            rules skipped for it (the PHI gate still checks its header); an image held for its
            study's other patient is identified as its own patient (never with the other
            patient's identifiers), then de-identified as any other. `--drop` marks them FAILED
            instead, so they are never sent. An image whose series already has another
            patient's identifiers cannot be released, only dropped. A study sent to two
            projects is held in each: `--project NAME` releases only that project's images
            (without it, a UID held in several projects is refused, naming them). Exit status 1 if a UID names nothing HELD or an
            image cannot be released.
            """)

    @OptionGroup var configurationOptions: ConfigurationOptions

    @Flag(name: .long, help: "Never send them: mark them FAILED (dropped by hand).")
    var drop = false

    @Option(name: .long, help: "Why (recorded in the events).")
    var reason: String = "looked at, no text in the pixels"

    @Option(name: .long, help: "Only this project's images (needed when a UID is held in several projects).")
    var project: String?

    @Argument(help: "SOPInstanceUIDs or SeriesInstanceUIDs.")
    var uids: [String]

    func run() throws {
        let pipeline = try PipelineWiring(try configurationOptions.resolve(), existing: true)
        let outcome = try HeldImages.release(pipeline.database, uids: uids, project: project, drop: drop, reason: reason,
                                             maxAttempts: pipeline.configuration.retry.maxAttempts)
        let n = outcome.images
        print("\(n) image\(n == 1 ? "" : "s") \(drop ? "dropped" : "released")"
              + (drop ? "" : " (\(outcome.seriesQueued) series queued)"))
        for uid in outcome.unmatched { StandardOutput.error("sendit release: nothing HELD under \(uid)\n") }
        for refusal in outcome.refused { StandardOutput.error("sendit release: not released: \(refusal)\n") }
        if !outcome.unmatched.isEmpty || !outcome.refused.isEmpty { throw ExitCode(1) }
    }
}

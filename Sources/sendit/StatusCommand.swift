import ArgumentParser
import Foundation
import Pipeline
import SenditIndex

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show what the index holds: studies, series and images by status, jobs, quarantine.",
        discussion: """
            A series' status is derived from its images: FAILED if any image failed, else HELD
            if any is held, else the status of its least advanced image. Reads DATABASE only; it
            works while `sendit serve` runs. The series listed are the newest (--limit) and every
            series with a FAILED or HELD image, however old, each with the reason of every FAILED
            and HELD image (counted per reason); --json gives the same lines.
            """)

    @OptionGroup var configurationOptions: ConfigurationOptions

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    @Option(name: .long, help: "Newest series to list (0: all); every FAILED or HELD series is listed besides.")
    var limit = 20

    func run() throws {
        let pipeline = try PipelineWiring(try configurationOptions.resolve(), existing: true)
        let summary = try IndexSummary.read(pipeline.database, limit: limit > 0 ? limit : nil)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
            return
        }
        func counts(_ d: [String: Int], order: [String]) -> String {
            let known = order.filter { d[$0] != nil }.map { "\($0) \(d[$0]!)" }
            let other = d.keys.filter { !order.contains($0) }.sorted().map { "\($0) \(d[$0]!)" }
            return (known + other).joined(separator: ", ").isEmpty ? "none" : (known + other).joined(separator: ", ")
        }
        print("database    \(pipeline.configuration.databasePath)")
        print("studies     \(summary.studies)")
        print("series      \(summary.series)")
        print("images      \(summary.images)" + (summary.images > 0 ? " (\(counts(summary.imagesByStatus, order: ImageStatus.allCases.map(\.rawValue))))" : ""))
        print("jobs        \(counts(summary.jobsByState, order: JobRecord.State.allCases.map(\.rawValue)))")
        print("quarantine  \(summary.quarantined) files in \(pipeline.configuration.quarantineFolder)")
        print("folders     \(summary.foldersImported) imported")
        guard !summary.seriesLines.isEmpty else { return }
        print("")
        print("STATUS          IMAGES  MODALITY  SERIES / STUDY                                                     LAST JOB")
        for line in summary.seriesLines {
            let status = line.status.padding(toLength: 14, withPad: " ", startingAt: 0)
            let images = String(line.images).leftPad(6)
            let modality = (line.modality ?? "-").padding(toLength: 8, withPad: " ", startingAt: 0)
            print("\(status)  \(images)  \(modality)  \(line.seriesInstanceUID)  \(line.lastJob ?? "-")")
            print("                                  study \(line.studyInstanceUID)")
            for (reason, n) in line.heldReasons.sorted(by: { $0.key < $1.key }) {
                print("                                  HELD \(n): \(reason)")
            }
            for (reason, n) in line.failedReasons.sorted(by: { $0.key < $1.key }) {
                print("                                  FAILED \(n): \(reason)")
            }
        }
        if summary.series > summary.seriesLines.count {
            print("(\(summary.series - summary.seriesLines.count) more series, none FAILED or HELD; --limit 0 lists all)")
        }
    }
}

extension String {
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}

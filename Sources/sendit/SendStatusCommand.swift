import ArgumentParser
import Foundation
import Pipeline
import SenditIndex

struct SendStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send-status",
        abstract: "Show, per destination, what is queued, retrying, sent, failed and done; and disk usage.",
        discussion: """
            queued: images not yet sent whose series is not waiting for a retry. retrying: series
            whose last try failed, with the next attempt's time and the fault. sent: stored
            (Success) but not yet verified at the destination. failed: refused by the
            destination (the reasons below); `sendit retry` sends them again. done: verified.
            skipped: a series Google Cloud Storage cannot take as a NIfTI volume, with why.
            cleaned up: delivered and since removed per RETENTION. Reads DATABASE only; it works
            while `sendit serve` runs.
            """)

    @OptionGroup var configurationOptions: ConfigurationOptions

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    struct Output: Codable {
        var destinations: [DeliverySummary.Destination]
        var diskUsage: [String: DiskUsage]
    }

    func run() throws {
        let node = try configurationOptions.resolve()
        let pipeline = try PipelineWiring(node, existing: true)
        let summary = try DeliverySummary.read(pipeline.database, destinations: pipeline.destinations.map(\.indexed))
        let usage = ["data": DiskUsage.measure(node.dataFolder),
                     "outbox": DiskUsage.measure(pipeline.configuration.outboxFolder),
                     "quarantine": DiskUsage.measure(pipeline.configuration.quarantineFolder)]
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            encoder.dateEncodingStrategy = .iso8601
            print(String(decoding: try encoder.encode(Output(destinations: summary.destinations, diskUsage: usage)), as: UTF8.self))
            return
        }
        if summary.destinations.isEmpty { print("no destination is enabled (SEND_TO_ORTHANC, EXTRA_DESTINATIONS)") }
        let time = ISO8601DateFormatter()
        for d in summary.destinations {
            print("\(d.name)  \(d.address)")
            print("  queued      \(d.queued)")
            print("  retrying    \(d.retrying.reduce(0) { $0 + $1.images }) images in \(d.retrying.count) series")
            for r in d.retrying.prefix(10) {
                print("    \(r.seriesInstanceUID) (project \(r.project)): \(r.images) images, try \(r.attempts + 1) at \(time.string(from: r.nextAttemptAt)); last fault: \(r.lastError ?? "-")")
            }
            print("  sent        \(d.sent) (not verified yet)")
            print("  failed      \(d.failed)" + (d.failedJobs > 0 ? "; \(d.failedJobs) series gave up" : ""))
            for r in d.refusals { print("    \(r.images) × \(r.reason)") }
            print("  done        \(d.done)")
            if d.skipped > 0 {
                print("  skipped     \(d.skipped)")
                for r in d.skipReasons { print("    \(r.images) × \(r.reason)") }
            }
            print("  cleaned up  \(d.cleanedUp)")
        }
        print("")
        for key in ["data", "outbox", "quarantine"] {
            let u = usage[key]!
            print("\(key.padding(toLength: 11, withPad: " ", startingAt: 0)) \(u.folder): \(u.summary)")
        }
    }
}

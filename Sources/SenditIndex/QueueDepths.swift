import Foundation

/// How much work waits, for the metrics' gauges (read at each scrape, so cheap: grouped counts
/// over indexed columns): jobs queued and running per stage, and the images each destination
/// does not have verified yet.
public struct QueueDepths: Sendable, Equatable {
    /// Jobs waiting to run (queued, due now or later), per stage.
    public var queued: [String: Int]
    /// Jobs running, per stage.
    public var running: [String: Int]
    /// De-identified images (DONEPROCESSING or SENT) without a verified or skipped record at the
    /// destination, per destination.
    public var undelivered: [String: Int]

    public init(queued: [String: Int] = [:], running: [String: Int] = [:], undelivered: [String: Int] = [:]) {
        self.queued = queued
        self.running = running
        self.undelivered = undelivered
    }
}

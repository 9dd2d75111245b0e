import CoreMetrics
import SenditIndex

/// The gauges /metrics reads at each scrape (set by `WebMetrics`' `beforeScrape`): jobs queued
/// and running per stage, images not yet verified per destination, open associations, and the
/// free space of the data folder, the outbox and the quarantine. Labels are stage, destination
/// and folder names only.
public struct NodeGauges: Sendable {
    public static let jobsQueued = "sendit_jobs_queued"
    public static let jobsRunning = "sendit_jobs_running"
    public static let undelivered = "sendit_images_undelivered"
    public static let openAssociations = "sendit_open_associations"
    public static let diskFree = "sendit_disk_free_bytes"

    /// The stages and destinations always shown (at zero when idle).
    public let stages: [String]
    public let destinations: [String]
    /// Nil: the process's (`MetricsSystem.factory` when set).
    let factory: (any MetricsFactory)?

    public init(stages: [String], destinations: [String], factory: (any MetricsFactory)? = nil) {
        self.stages = stages
        self.destinations = destinations
        self.factory = factory
    }

    /// Sets every gauge. A folder whose free space cannot be read shows NaN.
    public func set(depths: QueueDepths, openAssociations: Int, freeBytes: [(folder: String, bytes: Int64?)]) {
        let f = factory ?? MetricsSystem.factory
        func gauge(_ label: String, _ dimensions: [(String, String)], _ value: Double) {
            Gauge(label: label, dimensions: dimensions, factory: f).record(value)
        }
        let stages = Set(stages).union(depths.queued.keys).union(depths.running.keys).sorted()
        for stage in stages {
            gauge(Self.jobsQueued, [("stage", stage)], Double(depths.queued[stage] ?? 0))
            gauge(Self.jobsRunning, [("stage", stage)], Double(depths.running[stage] ?? 0))
        }
        for destination in Set(destinations).union(depths.undelivered.keys).sorted() {
            gauge(Self.undelivered, [("destination", destination)], Double(depths.undelivered[destination] ?? 0))
        }
        gauge(Self.openAssociations, [], Double(openAssociations))
        for (folder, bytes) in freeBytes {
            gauge(Self.diskFree, [("folder", folder)], bytes.map(Double.init) ?? .nan)
        }
    }
}

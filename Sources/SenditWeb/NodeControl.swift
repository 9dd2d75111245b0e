import Foundation
import SenditIndex

/// What the web app asks of the running node beyond the index: the actions (carried out as the
/// CLI's `retry` and `release` carry them out), the studies still in staging, the live figures
/// and the readiness checks. The executable implements it.
public protocol NodeControl: Sendable {
    /// Queues the series' failed jobs and images again; returns what was done, for the page.
    /// `project`: the series of that project (nil: retry in every project holding the UID;
    /// release and drop refuse a UID held in several projects).
    func retry(seriesInstanceUID: String, project: String?) throws -> String
    /// Releases the series' held images (or drops them: removed, never sent).
    func release(seriesInstanceUID: String, project: String?, drop: Bool) throws -> String
    /// Finishes a study's staging folder now instead of at the stable age.
    func forceComplete(stagingFolder: String) throws -> String
    func stagingFolders() -> [StagingFolderLine]
    func liveFigures() -> LiveFigures
    func readiness() -> Readiness
    /// The effective configuration, secrets masked, as `(key, value)` in table order.
    func settings() -> [(key: String, value: String)]
    /// Each destination's queue, retries, refusals and deliveries (as `sendit send-status`).
    func deliverySummary() throws -> DeliverySummary
    /// The keyed digests a typed original patient ID or accession number is matched by (the
    /// node's key computes them; nothing typed is kept).
    func searchDigests(_ value: String) -> [String]
    /// Asks a destination whether it answers now: a C-ECHO for a DICOM destination, a token
    /// from its credentials for Cloud Storage.
    func check(destination: String) -> DestinationCheck
}

public struct DestinationCheck: Codable, Sendable, Equatable {
    public var destination: String
    public var ok: Bool
    public var detail: String
    public var milliseconds: Int

    public init(destination: String, ok: Bool, detail: String, milliseconds: Int) {
        self.destination = destination
        self.ok = ok
        self.detail = detail
        self.milliseconds = milliseconds
    }
}

public struct StagingFolderLine: Codable, Sendable, Equatable {
    public var name: String
    public var images: Int
    public var lastArrival: Date

    public init(name: String, images: Int, lastArrival: Date) {
        self.name = name
        self.images = images
        self.lastArrival = lastArrival
    }
}

public struct LiveFigures: Codable, Sendable, Equatable {
    public struct Disk: Codable, Sendable, Equatable {
        public var name: String
        public var folder: String
        public var files: Int
        public var bytes: Int64
        public var available: Int64?
        /// When `files` and `bytes` were counted (a walk of the folder, at most once a minute);
        /// nil: not counted yet. `available` is measured at each request.
        public var countedAt: Date?

        public init(name: String, folder: String, files: Int, bytes: Int64, available: Int64?, countedAt: Date? = nil) {
            self.name = name
            self.folder = folder
            self.files = files
            self.bytes = bytes
            self.available = available
            self.countedAt = countedAt
        }
    }

    public var openAssociations: Int
    public var disks: [Disk]
    /// Why the node takes no images now (free space below DISK_MIN_FREE), nil when it does: the
    /// dashboard's banner.
    public var diskLow: String?

    public init(openAssociations: Int, disks: [Disk], diskLow: String? = nil) {
        self.openAssociations = openAssociations
        self.disks = disks
        self.diskLow = diskLow
    }
}

/// Whether the node can accept and store images now; destinations' reachability is shown but
/// does not decide it (their jobs simply wait).
public struct Readiness: Codable, Sendable, Equatable {
    public struct Check: Codable, Sendable, Equatable {
        public var name: String
        public var ok: Bool
        public var detail: String

        public init(name: String, ok: Bool, detail: String) {
            self.name = name
            self.ok = ok
            self.detail = detail
        }
    }

    public var ready: Bool { checks.allSatisfy(\.ok) }
    public var checks: [Check]
    /// Information only.
    public var destinations: [Check]

    public init(checks: [Check], destinations: [Check]) {
        self.checks = checks
        self.destinations = destinations
    }
}

public struct NodeActionError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

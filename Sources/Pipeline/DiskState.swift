import Foundation
import SenditIndex

/// What the node knows of its free disk space at one moment (`DiskGuard` measures it, the
/// listener, the intake, the workers, the web app and the alerts read it): each watched folder's
/// free and total bytes, the minimum DISK_MIN_FREE asks of it, and which folders are below it.
/// Paths and sizes only: nothing here ever names an image.
public struct DiskState: Sendable, Equatable {
    /// One folder's file system, measured (nil: it could not be, e.g. the folder is missing).
    public struct Sample: Sendable, Equatable {
        /// "data folder", "outbox".
        public var name: String
        public var path: String
        /// Free bytes for an unprivileged user.
        public var free: Int64?
        public var total: Int64?

        public init(name: String, path: String, free: Int64?, total: Int64?) {
            self.name = name
            self.path = path
            self.free = free
            self.total = total
        }
    }

    public var samples: [Sample]
    /// Free bytes each folder must keep, by name (0: no minimum).
    public var minimums: [String: Int64]
    /// The folders below their minimum, by name, in the order of `samples`.
    public var lowFolders: [String]
    /// Since when some folder has been low (nil: none is).
    public var since: Date?
    public var measuredAt: Date?

    public init(samples: [Sample] = [], minimums: [String: Int64] = [:], lowFolders: [String] = [], since: Date? = nil,
                measuredAt: Date? = nil) {
        self.samples = samples
        self.minimums = minimums
        self.lowFolders = lowFolders
        self.since = since
        self.measuredAt = measuredAt
    }

    public var isLow: Bool { !lowFolders.isEmpty }

    /// Why images cannot be taken now, for log lines, the C-STORE's error comment, the
    /// association's log line, /readyz and the dashboard; nil when disk space is fine.
    /// "free disk space below DISK_MIN_FREE: data folder /var/lib/sendit/data has 31.2 MB free of 64.0 MB, needs 40.0 MB".
    public var reason: String? {
        guard isLow else { return nil }
        let parts = samples.filter { lowFolders.contains($0.name) }.map { s in
            "\(s.name) \(s.path) has \(ByteCount.text(s.free ?? 0)) free of \(ByteCount.text(s.total ?? 0)), needs \(ByteCount.text(minimums[s.name] ?? 0))"
        }
        return "free disk space below DISK_MIN_FREE: " + parts.joined(separator: "; ")
    }

    /// Each folder's free space, "data folder 1.2 GB free (needs 40.0 MB)", for /readyz when fine.
    public var summary: String {
        samples.map { s in
            "\(s.name) " + (s.free.map { ByteCount.text($0) + " free" } ?? "missing")
                + ((minimums[s.name] ?? 0) > 0 ? " (needs \(ByteCount.text(minimums[s.name]!)))" : "")
        }.joined(separator: ", ")
    }
}

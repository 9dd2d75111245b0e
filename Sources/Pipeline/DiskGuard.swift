#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging

/// Watches the free space of the data folder and the outbox against DISK_MIN_FREE: measures
/// (statvfs, microseconds) when asked and the last measure is older than `interval`, or always
/// when asked for a fresh one (the listener, before it accepts an association or starts a
/// C-STORE). The intake asks every tick and the workers before each claim, so it is measured
/// about once a second while the node runs, with no thread of its own. A change between fine and
/// low is logged (warning, then notice) and passed to every observer (the alerts).
public final class DiskGuard: @unchecked Sendable {
    public typealias Measure = @Sendable (String) -> (free: Int64, total: Int64)?

    public let watermark: DiskWatermark
    /// (name, path): "data folder", "outbox".
    public let folders: [(name: String, path: String)]
    /// Seconds a measure is reused.
    public var interval: TimeInterval = 1
    let measure: Measure
    let logger: Logger
    private let lock = NSLock()
    private var state = DiskState()
    private var observers: [@Sendable (DiskState) -> Void] = []

    /// `measure`: a folder's free and total bytes (statvfs by default; tests pass their own).
    public init(watermark: DiskWatermark, folders: [(name: String, path: String)], logger: Logger,
                measure: @escaping Measure = DiskGuard.statvfsMeasure) {
        self.watermark = watermark
        self.folders = folders
        self.logger = logger
        self.measure = measure
    }

    /// Free bytes for an unprivileged user and the size of `path`'s file system.
    public static let statvfsMeasure: Measure = { path in
        var fs = statvfs()
        guard statvfs(path, &fs) == 0 else { return nil }
        return (Int64(fs.f_bavail) * Int64(fs.f_frsize), Int64(fs.f_blocks) * Int64(fs.f_frsize))
    }

    /// Called with the new state at each change between fine and low (and between sets of low
    /// folders), outside the guard's lock, on the thread that measured.
    public func observe(_ observer: @escaping @Sendable (DiskState) -> Void) {
        lock.withLock { observers.append(observer) }
    }

    /// The state, measured again if the last measure is older than `maxAge` (default `interval`).
    @discardableResult
    public func current(maxAge: TimeInterval? = nil, now: Date = Date()) -> DiskState {
        lock.lock()
        if let at = state.measuredAt, now.timeIntervalSince(at) < (maxAge ?? interval), now >= at {
            defer { lock.unlock() }
            return state
        }
        let samples = folders.map { f in
            let m = measure(f.path)
            return DiskState.Sample(name: f.name, path: f.path, free: m?.free, total: m?.total)
        }
        let previous = state
        let next = watermark.evaluate(samples, previous: previous, now: now)
        state = next
        let changed = previous.lowFolders != next.lowFolders
        let observers = changed ? self.observers : []
        lock.unlock()
        if changed { report(next, previous: previous) }
        for observer in observers { observer(next) }
        return next
    }

    /// Why no image may be taken now (fresh measure), nil when space is fine: the listener's
    /// question before an association and before each C-STORE.
    public func refusal() -> String? { current(maxAge: 0).reason }

    /// Why intake and de-identification wait now, nil when space is fine (a measure at most
    /// `interval` old).
    public func pause() -> String? { current().reason }

    func report(_ state: DiskState, previous: DiskState) {
        if let reason = state.reason {
            logger.warning("disk space low: new associations refused, C-STORE answered A700, intake and de-identification paused",
                           metadata: ["reason": "\(reason)", "disk_min_free": "\(watermark)"])
        } else {
            let down = previous.since.map { String(format: "%.0f", (state.measuredAt ?? Date()).timeIntervalSince($0)) } ?? "?"
            logger.notice("disk space back: associations, intake and de-identification resume",
                          metadata: ["free": "\(state.summary)", "low_for_seconds": "\(down)"])
        }
    }
}

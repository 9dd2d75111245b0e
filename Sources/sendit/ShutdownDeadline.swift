import Foundation

/// The one SHUTDOWN_GRACE of a node's shutdown: fixed when the first service starts stopping,
/// so the services, stopped one after the other, share it instead of each taking it whole.
final class ShutdownDeadline: @unchecked Sendable {
    let grace: TimeInterval
    private let lock = NSLock()
    private var deadline: Date?

    init(grace: TimeInterval) {
        self.grace = grace
    }

    /// Seconds left until the deadline (starting it at the first call); never negative.
    func remaining(now: Date = Date()) -> TimeInterval {
        lock.lock()
        defer { lock.unlock() }
        if deadline == nil { deadline = now.addingTimeInterval(grace) }
        return max(0, (deadline!.timeIntervalSince(now) * 1000).rounded() / 1000)   // to the millisecond
    }
}

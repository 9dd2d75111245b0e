import Foundation

/// A loop's "stop" asked from another thread: set once, seen at once by the loop, and waking it
/// from a pause between rounds (the alerts' and clean-up's intervals), so a stop never waits a
/// whole interval. What the alerts, clean-up and the intake each kept as a lock and a flag.
public final class StopSignal: @unchecked Sendable {
    private let condition = NSCondition()
    private var stopping = false

    public init() {}

    /// Asks the loop to stop, waking it if it pauses.
    public func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    /// True once `stop()` was called.
    public var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    /// Pauses up to `seconds` (less if stopped meanwhile); true if the loop is to stop.
    public func pause(seconds: TimeInterval) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if !stopping { _ = condition.wait(until: Date().addingTimeInterval(seconds)) }
        return stopping
    }
}

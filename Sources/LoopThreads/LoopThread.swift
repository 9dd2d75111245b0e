import Foundation

/// A service's loop on a thread of its own (a blocking loop such as accept(2), inotify or a job
/// worker does not hold up Swift's cooperative pool), and how it ended: the one way the listener,
/// the intake, the job workers and clean-up start their threads and report their end.
///
/// `start` runs the loop; when it returns (a stop asked for it) or throws (it failed), the thread
/// first marks itself ended, so that whoever waits in `waitUntilEnded` goes on, and only then
/// calls `onEnd` with nil or the error (`sendit serve`'s service group stops the node on an
/// error). A loop never started counts as ended: stopping a service that was never started
/// returns at once.
public final class LoopThread: @unchecked Sendable {
    public let name: String
    public let stackSize: Int?
    private let condition = NSCondition()
    private var started = false
    private var ended = false

    /// `stackSize`: bytes, or nil for the system's default.
    public init(name: String, stackSize: Int? = nil) {
        self.name = name
        self.stackSize = stackSize
    }

    /// Starts `loop` on a new thread named `name`; its end goes to `onEnd` (nil when it returned,
    /// the error when it threw). Once only.
    public func start(_ loop: @escaping @Sendable () throws -> Void, onEnd: @escaping @Sendable ((any Error)?) -> Void) {
        condition.lock()
        precondition(!started, "LoopThread \(name) started twice")
        started = true
        condition.unlock()
        let thread = Thread { [self] in
            let end: (any Error)?
            do {
                try loop()
                end = nil
            } catch {
                end = error
            }
            condition.lock()
            ended = true
            condition.broadcast()
            condition.unlock()
            onEnd(end)
        }
        thread.name = name
        if let stackSize { thread.stackSize = stackSize }
        thread.start()
    }

    /// True once the loop has returned or thrown, or if it was never started.
    public var hasEnded: Bool {
        condition.lock()
        defer { condition.unlock() }
        return !started || ended
    }

    /// Waits until the loop has ended (at once if it was never started), or until `deadline`
    /// (nil: without end); true if it has ended.
    @discardableResult
    public func waitUntilEnded(deadline: Date? = nil) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while started && !ended {
            // (Not wait(until: .distantFuture): Foundation on Linux traps on so far a date.)
            if let deadline {
                if !condition.wait(until: deadline) { return ended }
            } else {
                condition.wait()
            }
        }
        return true
    }
}

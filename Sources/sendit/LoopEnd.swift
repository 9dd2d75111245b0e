import Foundation

/// How a `NodeService` stops waiting: the first of "shut down" and "a loop ended" decides, once.
/// Threads and the group's handlers resolve it; one async caller waits for it.
final class LoopEnd: @unchecked Sendable {
    enum Outcome: Sendable {
        case shutdown
        /// nil: the loop returned without being asked to stop.
        case loopEnded((any Error)?)
    }

    private let lock = NSLock()
    private var outcome: Outcome?
    private var waiter: CheckedContinuation<Outcome, Never>?

    /// Settles the outcome if it is not settled yet; false if it was (this one is then ignored).
    @discardableResult
    func resolve(_ value: Outcome) -> Bool {
        lock.lock()
        guard outcome == nil else {
            lock.unlock()
            return false
        }
        outcome = value
        let waiting = waiter
        waiter = nil
        lock.unlock()
        waiting?.resume(returning: value)
        return true
    }

    /// The outcome, once settled.
    var settled: Outcome? {
        lock.lock()
        defer { lock.unlock() }
        return outcome
    }

    func wait() async -> Outcome {
        await withCheckedContinuation { (c: CheckedContinuation<Outcome, Never>) in
            lock.lock()
            if let outcome {
                lock.unlock()
                c.resume(returning: outcome)
            } else {
                waiter = c
                lock.unlock()
            }
        }
    }
}

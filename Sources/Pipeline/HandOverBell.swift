import Foundation

/// Rung when de-identified copies are recorded, so that a send job waiting for more of its
/// series (`DeliveryRounds`) looks again at once instead of polling the index. One per process:
/// a ring for another series only makes a waiting job look and wait again.
final class HandOverBell: @unchecked Sendable {
    static let shared = HandOverBell()
    private let condition = NSCondition()
    private var rings: UInt64 = 0

    /// How many times it has rung: read before looking, then `wait(after:)` misses no ring.
    var count: UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return rings
    }

    func ring() {
        condition.lock()
        rings &+= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until it rang after `seen`, at most `timeout` seconds; true if it did.
    func wait(after seen: UInt64, timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while rings == seen {
            if !condition.wait(until: deadline) { return rings != seen }
        }
        return true
    }
}

import Foundation
import Synchronization

/// Runs a lease's renewal only when `every` seconds have passed since the last one (the claim
/// counts as one).
final class LeaseRenewal: Sendable {
    let every: TimeInterval
    private let last: Mutex<Date>

    init(every: TimeInterval, now: Date = Date()) {
        self.every = every
        last = Mutex(now)
    }

    func ifDue(now: Date = Date(), _ renew: () throws -> Void) throws {
        let due = last.withLock { last -> Bool in
            guard now.timeIntervalSince(last) >= every else { return false }
            last = now
            return true
        }
        if due { try renew() }
    }
}

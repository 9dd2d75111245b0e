import Foundation
import Synchronization

/// Failed logins counted per address and per user name within a sliding window: once an
/// address reaches the limit, its attempts are refused (without checking the password) until
/// the oldest failure leaves the window; once a user does, attempts for that user are refused
/// from every address that has failed too (a clean address still gets through). A success
/// clears the user's count, not the address's.
/// Pure: the caller gives the time.
public final class LoginThrottle: Sendable {
    private let limit: Int
    private let window: TimeInterval
    private let failures = Mutex<[String: [Date]]>([:])

    public init(limit: Int, window: TimeInterval) {
        self.limit = limit
        self.window = window
    }

    /// When attempts from this address for this user may resume; nil when they may go on now.
    /// An address with `limit` failures is blocked; a user with `limit` failures is blocked
    /// only from addresses that have failed too, so that guessing a known user's password from
    /// elsewhere cannot lock the user out of a clean address.
    public func blockedUntil(address: String, user: String, now: Date) -> Date? {
        failures.withLock { table in
            func recent(_ key: String) -> [Date] {
                let recent = (table[key] ?? []).filter { now.timeIntervalSince($0) < window }
                table[key] = recent.isEmpty ? nil : recent
                return recent
            }
            let byAddress = recent(Self.addressKey(address)), byUser = recent(Self.userKey(user))
            var until: [Date] = []
            if byAddress.count >= limit, let first = byAddress.first { until.append(first.addingTimeInterval(window)) }
            if byUser.count >= limit, !byAddress.isEmpty, let first = byUser.first { until.append(first.addingTimeInterval(window)) }
            return until.max()
        }
    }

    public func recordFailure(address: String, user: String, now: Date) {
        failures.withLock { table in
            for key in [Self.addressKey(address), Self.userKey(user)] {
                table[key, default: []].append(now)
                // A bound on memory: only the newest `limit` failures matter.
                if table[key]!.count > limit { table[key]!.removeFirst(table[key]!.count - limit) }
            }
            // An address spraying made-up user names must not grow the table without bound.
            if table.count > 10_000 { table = table.filter { $0.value.contains { now.timeIntervalSince($0) < window } } }
        }
    }

    public func recordSuccess(user: String) {
        failures.withLock { $0[Self.userKey(user)] = nil }
    }

    private static func addressKey(_ address: String) -> String { "a:" + address }
    private static func userKey(_ user: String) -> String { "u:" + user.lowercased() }
}

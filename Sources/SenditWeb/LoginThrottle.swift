import Foundation
import Synchronization

/// Failed logins counted per address and per user name within a sliding window: once either
/// reaches the limit, further attempts for it are refused (without checking the password) until
/// the oldest failure leaves the window. A success clears the user's count, not the address's.
/// Pure: the caller gives the time.
public final class LoginThrottle: Sendable {
    private let limit: Int
    private let window: TimeInterval
    private let failures = Mutex<[String: [Date]]>([:])

    public init(limit: Int, window: TimeInterval) {
        self.limit = limit
        self.window = window
    }

    /// When attempts for this address or user may resume; nil when they may go on now.
    public func blockedUntil(address: String, user: String, now: Date) -> Date? {
        failures.withLock { table in
            [Self.addressKey(address), Self.userKey(user)].compactMap { key -> Date? in
                let recent = (table[key] ?? []).filter { now.timeIntervalSince($0) < window }
                table[key] = recent.isEmpty ? nil : recent
                return recent.count >= limit ? recent.first.map { $0.addingTimeInterval(window) } : nil
            }.max()
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

import Foundation
import SenditWeb
import Testing

/// The throttle's rules, with the test's clock.
@Suite struct LoginThrottleTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func anAddressWithTooManyFailuresIsBlockedForEveryUserUntilTheWindowPasses() {
        let throttle = LoginThrottle(limit: 3, window: 900)
        for i in 0..<3 { throttle.recordFailure(address: "10.0.0.9", user: "u\(i)", now: t0) }
        #expect(throttle.blockedUntil(address: "10.0.0.9", user: "admin", now: t0.addingTimeInterval(1)) == t0.addingTimeInterval(900))
        #expect(throttle.blockedUntil(address: "10.0.0.9", user: "admin", now: t0.addingTimeInterval(900)) == nil)
    }

    @Test func guessingAUsersPasswordElsewhereDoesNotLockTheUserOutOfACleanAddress() {
        let throttle = LoginThrottle(limit: 3, window: 900)
        for i in 0..<3 { throttle.recordFailure(address: "10.0.0.\(i)", user: "Admin", now: t0) }
        // The user's count is reached; an address that failed for it is blocked, a clean one is not.
        #expect(throttle.blockedUntil(address: "10.0.0.1", user: "admin", now: t0) != nil)
        #expect(throttle.blockedUntil(address: "192.168.1.5", user: "admin", now: t0) == nil)
        // A success clears the user's count.
        throttle.recordSuccess(user: "admin")
        #expect(throttle.blockedUntil(address: "10.0.0.1", user: "admin", now: t0) == nil)
    }
}

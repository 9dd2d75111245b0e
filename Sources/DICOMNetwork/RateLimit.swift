import Foundation
import Synchronization

/// A bandwidth cap shared by every association to one destination (SEND_MAX_RATE): each chunk
/// of data set sent takes its bytes from one `TokenBucket` and waits as long as it says. The
/// clock and the wait are injectable for tests.
public final class RateLimit: Sendable {
    public let bytesPerSecond: Double
    private let bucket: Mutex<TokenBucket>
    private let clock: @Sendable () -> Double
    private let wait: @Sendable (Double) -> Void

    /// The burst is a twentieth of a second's worth, at least 256 KiB (a few PDUs).
    public init(bytesPerSecond: Double, clock: @escaping @Sendable () -> Double = { Socket.now() },
                wait: @escaping @Sendable (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }) {
        self.bytesPerSecond = bytesPerSecond
        self.clock = clock
        self.wait = wait
        bucket = Mutex(TokenBucket(rate: bytesPerSecond, burst: max(bytesPerSecond / 20, 256 * 1024), now: clock()))
    }

    /// Waits until `bytes` may be sent.
    public func take(_ bytes: Int) {
        let seconds = bucket.withLock { $0.take(bytes, now: clock()) }
        if seconds > 0 { wait(seconds) }
    }
}

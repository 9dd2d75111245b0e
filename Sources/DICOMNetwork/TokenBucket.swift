/// A token bucket for a bandwidth cap: `rate` bytes a second on average, at most `burst` at
/// once after a pause. Pure (the time is passed in): `take` says how long to wait before
/// sending. A request larger than what is in the bucket goes into debt, so a chunk larger than
/// the burst waits in proportion to its size instead of never fitting.
public struct TokenBucket: Sendable {
    public let rate: Double
    public let burst: Double
    private var tokens: Double
    private var last: Double

    /// `now` in seconds on any monotonic clock; the bucket starts full.
    public init(rate: Double, burst: Double, now: Double) {
        precondition(rate > 0 && burst > 0)
        self.rate = rate
        self.burst = burst
        tokens = burst
        last = now
    }

    /// Takes `bytes` at time `now`; returns the seconds to wait before sending them (0: at once).
    public mutating func take(_ bytes: Int, now: Double) -> Double {
        if now > last {
            tokens = min(burst, tokens + (now - last) * rate)
            last = now
        }
        tokens -= Double(bytes)
        return tokens >= 0 ? 0 : -tokens / rate
    }
}

import Foundation

/// How the job queue retries: a job gets `maxAttempts` tries; after the n-th failed one it
/// waits `baseDelay × 2^(n-1)`, at most `maximumDelay`. A running job holds a lease of `lease`
/// seconds, renewed while it runs; a lease not renewed (the worker died) expires and the job is
/// tried again.
public struct RetryPolicy: Equatable, Sendable {
    public var maxAttempts: Int
    public var baseDelay: TimeInterval
    public var maximumDelay: TimeInterval
    public var lease: TimeInterval

    public init(maxAttempts: Int = 10, baseDelay: TimeInterval = 10, maximumDelay: TimeInterval = 3600,
                lease: TimeInterval = 300) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
        self.lease = lease
    }

    /// Wait after the `attempt`-th failed try (1-based).
    public func delay(afterAttempt attempt: Int) -> TimeInterval {
        let doublings = min(max(attempt - 1, 0), 62)
        return min(baseDelay * pow(2, Double(doublings)), maximumDelay)
    }
}

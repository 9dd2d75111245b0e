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
    /// A job first queued longer ago than this is not tried again after a failure (nil: no
    /// limit by age, only by `maxAttempts`).
    public var giveUpAfter: TimeInterval?

    public init(maxAttempts: Int = 10, baseDelay: TimeInterval = 10, maximumDelay: TimeInterval = 3600,
                lease: TimeInterval = 300, giveUpAfter: TimeInterval? = nil) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
        self.lease = lease
        self.giveUpAfter = giveUpAfter
    }

    /// True if a job with these attempts, first queued at `createdAt`, must not be tried again.
    public func isExhausted(attempts: Int, maxAttempts: Int, createdAt: Date, now: Date) -> Bool {
        if attempts >= maxAttempts { return true }
        if let giveUpAfter, now.timeIntervalSince(createdAt) >= giveUpAfter { return true }
        return false
    }

    /// Wait after the `attempt`-th failed try (1-based).
    public func delay(afterAttempt attempt: Int) -> TimeInterval {
        let doublings = min(max(attempt - 1, 0), 62)
        return min(baseDelay * pow(2, Double(doublings)), maximumDelay)
    }
}

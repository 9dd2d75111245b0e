import DICOMNetwork
import Synchronization
import Testing

/// The bandwidth cap's bucket with an injected clock, and the shared limit that waits.
@Suite struct TokenBucketTests {
    @Test func aFullBucketSendsTheBurstAtOnceThenPacesAtTheRate() {
        var b = TokenBucket(rate: 1000, burst: 500, now: 0)
        #expect(b.take(500, now: 0) == 0)
        #expect(b.take(100, now: 0) == 0.1, "100 bytes of debt at 1000 B/s")
        #expect(b.take(100, now: 0.1) == 0.1, "the first debt paid by then, the new one waits")
        #expect(b.take(0, now: 10) == 0)
        #expect(b.take(600, now: 10) == 0.1, "refilled to the burst only, not to 10 s worth")
    }

    @Test func aChunkLargerThanTheBurstWaitsInProportion() {
        var b = TokenBucket(rate: 1_000_000, burst: 100_000, now: 5)
        #expect(abs(b.take(1_100_000, now: 5) - 1.0) < 1e-9)
    }

    @Test func theLimitSharedByManySendersKeepsTheAverageRate() {
        // A fake clock that the waits advance: 10 senders of 1 MB each at 2 MB/s take ~5 s.
        let clock = Mutex(0.0)
        let limit = RateLimit(bytesPerSecond: 2_000_000, clock: { clock.withLock { $0 } },
                              wait: { s in clock.withLock { $0 += s } })
        for _ in 0..<10 { limit.take(1_000_000) }
        let elapsed = clock.withLock { $0 }
        let burst = max(2_000_000.0 / 20, 256 * 1024)
        #expect(abs(elapsed - (10_000_000 - burst) / 2_000_000) < 0.01, "\(elapsed)")
    }
}

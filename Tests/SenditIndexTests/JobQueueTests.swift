import Foundation
import SenditIndex
import Testing

@Suite struct JobQueueTests {
    /// Records `series` series of two images each (one import); returns the fixture.
    func fixture(series: Int = 1, policy: RetryPolicy = RetryPolicy(maxAttempts: 3, baseDelay: 10, maximumDelay: 60, lease: 30)) throws -> IndexFixture {
        let f = try IndexFixture(policy: policy)
        for s in 1...series { try f.add(series: "1.2.3.\(s)", sops: (1...2).map { "1.2.3.\(s).\($0)" }) }
        return f
    }

    @Test func enqueueKeepsOneQueuedJobPerSeriesAndStage() throws {
        let f = try fixture()
        let added = try f.index.enqueue(seriesId: 1, stages: ["process"], maxAttempts: { _ in 3 }, reason: "again")
        #expect(try !added && f.jobs().count == 1)
    }

    @Test func aClaimedJobHoldsALeaseAndItsSeriesIsNotClaimedTwice() throws {
        let f = try fixture()
        let now = Date()
        let job = try #require(try f.queue.claimNext(owner: "a", stages: ["process"], now: now))
        #expect(job.state == .running && job.attempts == 1 && job.leaseOwner == "a")
        #expect(job.leaseExpiresAt == now.addingTimeInterval(30))
        // New images arrive for the series while it runs: a second job is queued, but not handed out.
        try f.add(series: "1.2.3.1", sops: ["1.2.3.1.3"], folder: "late")
        #expect(try f.jobs().map(\.state) == [.running, .queued])
        #expect(try f.queue.claimNext(owner: "b", stages: ["process"], now: now) == nil)
        try f.queue.complete(job, owner: "a", next: [], now: now)
        let second = try #require(try f.queue.claimNext(owner: "b", stages: ["process"], now: Date()))
        #expect(second.id != job.id && second.leaseOwner == "b")
        // Only the stages asked for are handed out.
        #expect(try f.queue.claimNext(owner: "c", stages: ["send"], now: now) == nil)
    }

    @Test func completingQueuesTheNextStageInTheSameTransaction() throws {
        let f = try fixture()
        let job = try #require(try f.queue.claimNext(owner: "a", stages: ["process"]))
        try f.queue.complete(job, owner: "a", next: ["send"])
        #expect(try f.jobs().map { "\($0.stage) \($0.state)" } == ["process done", "send queued"])
    }

    @Test func aFailedAttemptWaitsWithExponentialBackoffThenFails() throws {
        let f = try fixture()
        var now = Date()
        var waits: [TimeInterval] = []
        for attempt in 1...3 {
            let job = try #require(try f.queue.claimNext(owner: "a", stages: ["process"], now: now))
            #expect(job.attempts == attempt)
            // Its images are working, as a worker leaves them.
            try f.queue.takeImages(for: job, from: [.new], to: .processing, now: now)
            let state = try f.queue.fail(job, owner: "a", error: "peer down", permanent: false, now: now,
                                         giveUp: .failImages(in: .processing))
            if attempt < 3 {
                #expect(state == .queued)
                let next = try #require(try f.jobs().first)
                waits.append(next.availableAt.timeIntervalSince(now))
                #expect(try f.queue.claimNext(owner: "a", stages: ["process"], now: now) == nil)
                now = next.availableAt
            } else {
                #expect(state == .failed)
            }
        }
        #expect(waits.map { $0.rounded() } == [10, 20])  // SQLite keeps dates to the millisecond
        let job = try #require(try f.jobs().first)
        #expect(job.state == .failed && job.lastError == "peer down")
        #expect(try f.statuses().values.allSatisfy { $0 == .failed })
        // `sendit retry` puts images back where they were and runs the job again.
        let retried = try f.queue.retryFailed(now: now)
        #expect(retried == 1)
        #expect(try f.statuses().values.allSatisfy { $0 == .processing })
        let again = try #require(try f.queue.claimNext(owner: "a", stages: ["process"], now: now))
        #expect(again.attempts == 1)
    }

    @Test func aPermanentFailureEndsTheJobAtOnce() throws {
        let f = try fixture()
        let job = try #require(try f.queue.claimNext(owner: "a", stages: ["process"]))
        #expect(try f.queue.fail(job, owner: "a", error: "refused", permanent: true) == .failed)
    }

    @Test func anExpiredLeaseIsReclaimedAndTheOldOwnerCannotComplete() throws {
        let f = try fixture()
        let now = Date()
        let job = try #require(try f.queue.claimNext(owner: "dead", stages: ["process"], now: now))
        #expect(try f.queue.claimNext(owner: "b", stages: ["process"], now: now.addingTimeInterval(29)) == nil)
        let again = try #require(try f.queue.claimNext(owner: "b", stages: ["process"], now: now.addingTimeInterval(31)))
        #expect(again.id == job.id && again.attempts == 2 && again.leaseOwner == "b")
        #expect(throws: JobQueue.LeaseLost.self) { try f.queue.complete(job, owner: "dead", next: []) }
        #expect(throws: JobQueue.LeaseLost.self) { try f.queue.renew(job, owner: "dead") }
        try f.queue.renew(again, owner: "b")
    }

    @Test func aLeaseExpiringOnTheLastAttemptFailsTheJob() throws {
        let f = try fixture(policy: RetryPolicy(maxAttempts: 1, baseDelay: 1, maximumDelay: 1, lease: 5))
        let now = Date()
        let job = try #require(try f.queue.claimNext(owner: "dead", stages: ["process"], now: now))
        try f.queue.takeImages(for: job, from: [.new], to: .processing, now: now)
        #expect(try f.queue.claimNext(owner: "b", stages: ["process"], now: now.addingTimeInterval(6)) == nil)
        #expect(try f.jobs().first?.state == .failed)
        // Its images say so, rather than staying PROCESSING for ever.
        #expect(try f.statuses().values.allSatisfy { $0 == .failed })
    }

    @Test func startUpReclaimsRunningJobsAndMergesAQueuedTwin() throws {
        let f = try fixture(series: 2)
        let now = Date()
        let a = try #require(try f.queue.claimNext(owner: "old", stages: ["process"], now: now))
        _ = try #require(try f.queue.claimNext(owner: "old", stages: ["process"], now: now))
        // A twin queued for the first series while it ran.
        try f.add(series: "1.2.3.1", sops: ["1.2.3.1.9"], folder: "late")
        #expect(try f.jobs().count == 3)
        #expect(try f.queue.reclaimAbandoned(now: now) == 2)
        let jobs = try f.jobs()
        #expect(jobs.count == 2 && jobs.allSatisfy { $0.state == .queued && $0.leaseOwner == nil })
        #expect(jobs.first { $0.seriesId == a.seriesId }?.attempts == 1)
    }

    @Test func backoffDoublesUpToTheMaximum() {
        let p = RetryPolicy(maxAttempts: 10, baseDelay: 10, maximumDelay: 3600, lease: 300)
        #expect((1...10).map { p.delay(afterAttempt: $0) } == [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600])
        #expect(p.delay(afterAttempt: 1000) == 3600)
    }

    @Test func derivedStatusesSayWhatAPersonNeedsFirst() {
        #expect(DerivedStatus.derive([:]) == nil)
        #expect(DerivedStatus.derive([.done: 3]) == .done)
        #expect(DerivedStatus.derive([.done: 3, .new: 1]) == .new)
        #expect(DerivedStatus.derive([.sent: 3, .doneProcessing: 1]) == .doneProcessing)
        #expect(DerivedStatus.derive([.done: 3, .held: 1]) == .held)
        #expect(DerivedStatus.derive([.done: 3, .held: 1, .failed: 1]) == .failed)
        #expect(DerivedStatus.derive([.quarantined: 2]) == .quarantined)
        #expect(DerivedStatus.derive([.quarantined: 2, .done: 1]) == .done)
    }
}

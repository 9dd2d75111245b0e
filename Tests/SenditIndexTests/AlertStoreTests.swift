import Foundation
import SenditIndex
import Testing

/// The alerts' queue in the index (`AlertStore`): what it observes from real rows, one alert per
/// open condition, the N-th occurrence's key, deliveries per webhook and their tries, and the
/// runs that tell a start the last one crashed.
@Suite struct AlertStoreTests {
    func alert(_ condition: String, kind: String = "series-failed") -> NewAlert {
        NewAlert(condition: condition, kind: kind) { key in "{\"key\":\"\(key)\"}" }
    }

    @Test func itObservesFailedAndHeldSeriesAndAFailingDestinationFromTheRows() throws {
        let f = try IndexFixture()
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        try f.add(series: "1.9.1", sops: ["1.9.1.1", "1.9.1.2", "1.9.1.3"], now: t0)
        try f.add(series: "1.9.2", sops: ["1.9.2.1", "1.9.2.2"], now: t0)
        try f.add(series: "1.9.3", sops: ["1.9.3.1"], now: t0)
        let ids = try f.index.seriesIds(instanceUIDs: ["1.9.1", "1.9.2", "1.9.3"], project: nil).mapValues { $0[0] }
        // Series 1: its job fails for good; its images FAILED with the reason.
        for _ in 0..<2 {
            let job = try #require(try f.queue.claimNext(owner: "w", stages: ["process"], now: t0))
            try f.queue.takeImages(for: job, from: [.new], to: .processing, now: t0)
            if job.seriesId == ids["1.9.1"] {
                try f.queue.fail(job, owner: "w", error: "PHI gate: PatientName occurs in ImageComments", permanent: true, now: t0,
                                 giveUp: .failImages(in: .processing))
            } else {
                try f.index.holdForIdentity(seriesId: job.seriesId, kind: .study, patientDigest: "d", reason: "held: another patient",
                                            now: t0)
            }
        }
        // Series 3: a send job to "a" failed once and waits to be tried again.
        let s3 = try #require(ids["1.9.3"])
        _ = try f.index.enqueue(seriesId: s3, stages: ["send:a"], maxAttempts: { _ in 100 }, reason: "test", now: t0)
        let send = try #require(try f.queue.claimNext(owner: "s", stages: ["send:a"], now: t0.addingTimeInterval(5)))
        try f.queue.fail(send, owner: "s", error: "a: connection refused", permanent: false, now: t0.addingTimeInterval(6))

        let destinations = [SendDestination(name: "a", stage: "send:a"), SendDestination(name: "b", stage: "send:b")]
        let o = try f.database.alertObservation(destinations: destinations, now: t0.addingTimeInterval(10))
        let byId = Dictionary(uniqueKeysWithValues: o.series.map { ($0.id, $0) })
        let id1 = try #require(ids["1.9.1"]), id2 = try #require(ids["1.9.2"])
        let failed = try #require(byId[id1])
        #expect(failed.images == 3 && failed.failed == 3 && failed.held == 0 && failed.inFlight == 0 && failed.modality == "CT")
        let held = try #require(byId[id2])
        #expect(held.images == 2 && held.held == 2 && held.failed == 0)
        #expect(o.series.count == 2)
        #expect(o.failingDestinations == [AlertObservation.Destination(name: "a", failingSince: t0.addingTimeInterval(6), jobs: 1,
                                                                       lastError: "a: connection refused")])
        #expect(try f.database.alertReasons(seriesId: failed.id, status: .failed, limit: 3).map(\.images) == [3])
        #expect(try f.database.alertReasons(seriesId: failed.id, status: .failed, limit: 3)[0].reason.contains("PHI gate"))
    }

    @Test func aJobPutBackAfterAStopIsNoFailingDestination() throws {
        let f = try IndexFixture()
        try f.add(series: "1.8.1", sops: ["1.8.1.1"], firstStage: nil)
        let id = try #require(try f.index.seriesIds(instanceUIDs: ["1.8.1"], project: nil).mapValues { $0[0] }["1.8.1"])
        _ = try f.index.enqueue(seriesId: id, stages: ["send:a"], maxAttempts: { _ in 100 }, reason: "test", now: Date())
        _ = try #require(try f.queue.claimNext(owner: "s", stages: ["send:a"]))
        #expect(try f.queue.reclaimAbandoned() == 1)
        let o = try f.database.alertObservation(destinations: [SendDestination(name: "a", stage: "send:a")], now: Date())
        #expect(o.failingDestinations.isEmpty)
    }

    /// A retrieval source is failing TLS while queued work of it, in a job nobody paused, last
    /// failed with a TLS error; another failure (the archive is down) or a paused job is not.
    @Test func itObservesARetrievalSourceWhoseWorkWaitsAfterATLSFailure() throws {
        let f = try IndexFixture()
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        func job(_ source: String, failing meaning: String, at: Date) throws -> Int64 {
            let id = try f.database.createRetrieval(RetrievalJob(source: source, project: "p", method: .move, createdAt: t0, requester: "t"),
                                                    list: RetrievalList(kind: .accession, entries: [.init(value: "A1")]), dates: nil, now: t0)
            guard case .find(_, let item) = try #require(try f.database.claimRetrievalWork(sources: [source], now: t0)) else {
                throw CancellationError()
            }
            try f.database.recordRetrievalFind(itemId: item.id, result: .failed(status: nil, meaning: meaning, retryAt: at.addingTimeInterval(30)),
                                               now: at)
            return id
        }
        let tls = "pacs: TLS: handshake failed: certificate verification failed: certificate has expired"
        _ = try job("pacs", failing: tls, at: t0.addingTimeInterval(5))
        _ = try job("pacs", failing: tls + " (2)", at: t0.addingTimeInterval(9))
        _ = try job("other", failing: "other: connection refused", at: t0)
        let paused = try job("third", failing: tls, at: t0)
        #expect(try f.database.setRetrievalPaused(jobId: paused, paused: true, now: t0))
        let o = try f.database.alertObservation(destinations: [], now: t0)
        #expect(o.retrievalSourcesFailingTLS == [.init(name: "pacs", failingSince: t0.addingTimeInterval(5), waiting: 2, lastError: tls + " (2)")])
    }

    @Test func aConditionIsQueuedOnceWhileOpenAndAgainAfterItClears() throws {
        let f = try IndexFixture()
        let now = Date()
        #expect(try f.database.recordAlerts([alert("series-failed:7")], clearing: [], targets: ["t1", "t2"], now: now) == ["series-failed:7"])
        #expect(try f.database.recordAlerts([alert("series-failed:7")], clearing: [], targets: ["t1", "t2"], now: now).isEmpty)
        #expect(try f.database.alertObservation(destinations: [], now: now).open == ["series-failed:7"])
        #expect(try f.database.recordAlerts([], clearing: ["series-failed:7"], targets: ["t1"], now: now).isEmpty)
        #expect(try f.database.alertObservation(destinations: [], now: now).open.isEmpty)
        #expect(try f.database.recordAlerts([alert("series-failed:7")], clearing: [], targets: ["t1"], now: now) == ["series-failed:7#2"])
        let recent = try f.database.recentAlerts(limit: 10)
        #expect(recent.map(\.key) == ["series-failed:7#2", "series-failed:7"])
        #expect(recent[0].body == "{\"key\":\"series-failed:7#2\"}" && recent[0].pending == 1 && recent[1].pending == 2)
        #expect(recent[1].clearedAt != nil && recent[0].clearedAt == nil)
    }

    @Test func aDeliveryIsDueUntilMadeAndWaitsForItsNextTryAfterAFailure() throws {
        let f = try IndexFixture()
        let now = Date()
        try f.database.recordAlerts([alert("disk-low:data", kind: "disk-low")], clearing: [], targets: ["t1", "t2"], now: now)
        var due = try f.database.dueAlertDeliveries(targets: ["t1", "t2"], now: now, limit: 10)
        #expect(due.map(\.target) == ["t1", "t2"] && due.allSatisfy { $0.attempts == 0 && $0.key == "disk-low:data" })
        // A webhook no longer configured is not handed out.
        #expect(try f.database.dueAlertDeliveries(targets: ["t2"], now: now, limit: 10).map(\.target) == ["t2"])
        try f.database.recordAlertAttempt(alertId: due[0].alertId, target: "t1", delivered: true, error: nil, nextAttemptAt: now, now: now)
        try f.database.recordAlertAttempt(alertId: due[1].alertId, target: "t2", delivered: false, error: "HTTP 503",
                                          nextAttemptAt: now.addingTimeInterval(5), now: now)
        #expect(try f.database.dueAlertDeliveries(targets: ["t1", "t2"], now: now, limit: 10).isEmpty)
        due = try f.database.dueAlertDeliveries(targets: ["t1", "t2"], now: now.addingTimeInterval(5), limit: 10)
        #expect(due.map(\.target) == ["t2"] && due[0].attempts == 1)
        let record = try #require(try f.database.recentAlerts(limit: 1).first)
        #expect(record.delivered == 1 && record.pending == 1 && record.lastError == "HTTP 503")
    }

    @Test func aStartAfterARunThatDidNotEndCleanlyQueuesOneAlertInTheSameTransaction() throws {
        let f = try IndexFixture()
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        var made: [[NodeRun]] = []
        func start(_ at: Date) throws -> (run: NodeRun, unclean: [NodeRun]) {
            try f.database.startNodeRun(now: at, targets: ["t"]) { runs in
                made.append(runs)
                return alert("restart-after-crash:\(runs.last!.id)", kind: "restart-after-crash")
            }
        }
        let first = try start(t0)
        #expect(first.unclean.isEmpty && made.isEmpty)
        // The first run is killed: the second start sees it.
        let second = try start(t0.addingTimeInterval(60))
        #expect(second.unclean.map(\.id) == [first.run.id] && second.unclean[0].ending == nil)
        // The second ends cleanly: the third start alerts nothing, nor the first run again.
        try f.database.endNodeRun(id: second.run.id, ending: .clean, now: t0.addingTimeInterval(90))
        let third = try start(t0.addingTimeInterval(120))
        #expect(third.unclean.isEmpty)
        // The third stops after a service failed: the fourth start says so.
        try f.database.endNodeRun(id: third.run.id, ending: .failed, now: t0.addingTimeInterval(150))
        let fourth = try start(t0.addingTimeInterval(180))
        #expect(fourth.unclean.map(\.ending) == [.failed])
        #expect(try f.database.recentAlerts(limit: 10).map(\.key) == ["restart-after-crash:\(third.run.id)",
                                                                       "restart-after-crash:\(first.run.id)"])
        // No webhook: the run is noticed all the same, and nothing is queued.
        let fifth = try f.database.startNodeRun(now: t0.addingTimeInterval(240), targets: []) { _ in Issue.record("asked"); return nil }
        #expect(fifth.unclean.map(\.id) == [fourth.run.id])
        #expect(try f.database.recentAlerts(limit: 10).count == 2)
    }
}

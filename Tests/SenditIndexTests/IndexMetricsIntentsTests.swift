import Foundation
import SenditIndex
import Testing

/// What the metrics read from the index: a series' completion, reported once by the call that
/// made it DONE, and the queue depths.
@Suite struct IndexMetricsIntentsTests {
    /// One series of two images, de-identified (DONEPROCESSING), its send jobs queued.
    func deidentified(imported: Date, receivedAt: [Date?]? = nil) throws -> (IndexFixture, JobRecord) {
        let f = try IndexFixture()
        try f.add(series: "1.2.3.1", sops: ["1.2.3.1.1", "1.2.3.1.2"], firstStage: "deidentify", now: imported, receivedAt: receivedAt)
        let job = try #require(try f.queue.claimNext(owner: "w", stages: ["deidentify"]))
        #expect(try f.queue.takeImages(for: job, from: [.new], to: .processing) == 2)
        let images = try f.index.deidentifyInput(seriesId: job.seriesId).images
        try f.index.recordDeidentified(images.map { image in
            .placed(DeidentifiedCopy(imageId: image.id!, studyInstanceUID: "2.25.1", seriesInstanceUID: "2.25.2",
                                     sopInstanceUID: "2.25.3.\(image.id!)", path: f.root + "/outbox/\(image.id!).dcm", size: 90))
        })
        try f.queue.complete(job, owner: "w", next: ["send:a", "send:b"])
        return (f, job)
    }

    @Test func theCallThatMakesASeriesDoneReportsItOnce() throws {
        let imported = Date(timeIntervalSince1970: 1_700_000_000)
        let (f, job) = try deidentified(imported: imported)
        let destinations = ["a", "b"]
        let a = try f.index.pendingDeliveries(seriesId: job.seriesId, destination: "a")
        try f.index.recordDeliveries(a.map { ($0, .stored(dimseStatus: 0, warning: nil)) }, destination: "a", verified: true)
        // Verified at a only: not DONE yet.
        #expect(try f.index.advanceDeliveries(seriesId: job.seriesId, destinations: destinations, now: imported + 5) == nil)
        let b = try f.index.pendingDeliveries(seriesId: job.seriesId, destination: "b")
        try f.index.recordDeliveries(b.map { ($0, .stored(dimseStatus: 0, warning: nil)) }, destination: "b", verified: true)
        let done = try f.index.advanceDeliveries(seriesId: job.seriesId, destinations: destinations, now: imported + 42)
        #expect(done == SeriesCompletion(seriesId: job.seriesId, images: 2, lastImageAt: imported, doneAt: imported + 42))
        #expect(done?.seconds == 42)
        // Once: the next call (another destination's job) moves nothing.
        #expect(try f.index.advanceDeliveries(seriesId: job.seriesId, destinations: destinations, now: imported + 50) == nil)
    }

    /// A send round advances the images it recorded, and only those; the whole series'
    /// look (the job's end) moves the rest.
    @Test func advancingSomeImagesMovesOnlyThose() throws {
        let imported = Date(timeIntervalSince1970: 1_700_000_000)
        let (f, job) = try deidentified(imported: imported)
        let a = try f.index.pendingDeliveries(seriesId: job.seriesId, destination: "a")
        try f.index.recordDeliveries(a.map { ($0, .stored(dimseStatus: 0, warning: nil)) }, destination: "a", verified: false)
        let b = try f.index.pendingDeliveries(seriesId: job.seriesId, destination: "b")
        try f.index.recordDeliveries(b.map { ($0, .stored(dimseStatus: 0, warning: nil)) }, destination: "b", verified: false)
        let first = a[0].imageId, second = a[1].imageId
        _ = try f.index.advanceDeliveries(seriesId: job.seriesId, imageIds: [first], destinations: ["a", "b"], now: imported + 1)
        func status(_ id: Int64) throws -> ImageStatus? { try f.index.images(seriesId: job.seriesId).first { $0.id == id }?.status }
        #expect(try status(first) == .sent)
        #expect(try status(second) == .doneProcessing, "not in the list: not looked at")
        _ = try f.index.advanceDeliveries(seriesId: job.seriesId, imageIds: [], destinations: ["a", "b"], now: imported + 2)
        #expect(try status(second) == .doneProcessing)
        _ = try f.index.advanceDeliveries(seriesId: job.seriesId, destinations: ["a", "b"], now: imported + 3)
        #expect(try status(second) == .sent)
    }

    /// What stops a send job waiting for its series: another series' send job (any
    /// destination) that a worker could take now; not its own series', not one due later, not
    /// one blocked behind a running job of its series and stage, not another kind of stage.
    @Test func otherJobsDueCountsOnlyWhatAWorkerCouldTake() throws {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let (f, job) = try deidentified(imported: now)   // send:a and send:b queued for series 1
        try f.add(series: "1.2.3.2", sops: ["1.2.3.2.1"], firstStage: nil, now: now)
        let other = try #require(try f.index.images(seriesId: nil).first { $0.seriesId != job.seriesId }?.seriesId)
        func due(_ at: Date = now + 1) throws -> Bool {
            try f.index.otherJobsDue(stagePrefix: "send:", besides: job.seriesId, now: at)
        }
        #expect(try !due(), "only the series' own jobs are queued")
        try f.index.enqueue(seriesId: other, stages: ["deidentify"], maxAttempts: { _ in 3 }, reason: "test", now: now)
        #expect(try !due(), "not a send stage")
        try f.index.enqueue(seriesId: other, stages: ["send:c"], maxAttempts: { _ in 3 }, reason: "test", now: now + 30)
        #expect(try !due(), "due later")
        #expect(try due(now + 31), "due now, another destination")
        // A job of that series and stage running: the queued one is blocked.
        let running = try #require(try f.queue.claimNext(owner: "w", stages: ["send:c"], now: now + 31))
        try f.index.enqueue(seriesId: other, stages: ["send:c"], maxAttempts: { _ in 3 }, reason: "again", now: now)
        #expect(try !due(now + 32), "blocked behind the running job")
        try f.queue.complete(running, owner: "w", next: [], now: now + 33)
        #expect(try due(now + 34))
    }

    /// The latency counts from the newest image's receipt (its file's time), so the stable age
    /// in staging is in it; a file more than a day old or from the future counts from the import.
    @Test func theLatencyCountsFromTheNewestImagesReceipt() throws {
        let imported = Date(timeIntervalSince1970: 1_700_000_000)
        for (received, from) in [([imported - 90, imported - 60], imported - 60),
                                 ([imported - 90, imported - 200_000], imported),   // the old file counts from the import
                                 ([imported - 200_000, imported + 30], imported),
                                 ([nil, nil], imported)] as [([Date?], Date)] {
            let (f, job) = try deidentified(imported: imported, receivedAt: received)
            for destination in ["a", "b"] {
                let pending = try f.index.pendingDeliveries(seriesId: job.seriesId, destination: destination)
                try f.index.recordDeliveries(pending.map { ($0, .stored(dimseStatus: 0, warning: nil)) }, destination: destination, verified: true)
            }
            let done = try f.index.advanceDeliveries(seriesId: job.seriesId, destinations: ["a", "b"], now: imported + 42)
            #expect(done?.lastImageAt == from, "received \(received)")
        }
    }

    @Test func aSeriesWithAFailedImageIsNeverReportedDone() throws {
        let (f, job) = try deidentified(imported: Date())
        let pending = try f.index.pendingDeliveries(seriesId: job.seriesId, destination: "a")
        try f.index.recordDeliveries([(pending[0], .stored(dimseStatus: 0, warning: nil)),
                                      (pending[1], .refused(dimseStatus: 0xA700, reason: "out of resources"))],
                                     destination: "a", verified: true)
        #expect(try f.index.advanceDeliveries(seriesId: job.seriesId, destinations: ["a"]) == nil)
        #expect(try f.statuses().values.sorted { $0.rawValue < $1.rawValue } == [.done, .failed])
    }

    @Test func queueDepthsCountJobsPerStageAndWhatEachDestinationLacks() throws {
        let (f, job) = try deidentified(imported: Date())
        var depths = try f.database.queueDepths(destinations: ["a", "b"])
        #expect(depths == QueueDepths(queued: ["send:a": 1, "send:b": 1], running: [:], undelivered: ["a": 2, "b": 2]))
        _ = try #require(try f.queue.claimNext(owner: "w", stages: ["send:a"]))
        let pending = try f.index.pendingDeliveries(seriesId: job.seriesId, destination: "a")
        try f.index.recordDeliveries([(pending[0], .stored(dimseStatus: 0, warning: nil))], destination: "a", verified: true)
        depths = try f.database.queueDepths(destinations: ["a", "b"])
        #expect(depths == QueueDepths(queued: ["send:b": 1], running: ["send:a": 1], undelivered: ["a": 1, "b": 2]))
    }
}

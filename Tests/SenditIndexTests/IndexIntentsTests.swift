import Foundation
import SenditIndex
import Testing

/// The intent methods the stages and commands use, through `IndexStore`.
@Suite struct IndexIntentsTests {
    /// One series of three images taken through a de-identify job to DONEPROCESSING (two) and
    /// FAILED (one, by the PHI gate, while the job completed).
    func deidentified() throws -> (IndexFixture, JobRecord) {
        let f = try IndexFixture()
        try f.add(series: "1.2.3.1", sops: ["1.2.3.1.1", "1.2.3.1.2", "1.2.3.1.3"], firstStage: "deidentify")
        let job = try #require(try f.queue.claimNext(owner: "w", stages: ["deidentify"]))
        #expect(try f.queue.takeImages(for: job, from: [.new], to: .processing) == 3)
        let images = try f.index.deidentifyInput(seriesId: job.seriesId).images
        #expect(images.map(\.sopInstanceUID) == ["1.2.3.1.1", "1.2.3.1.2", "1.2.3.1.3"])
        try f.index.recordDeidentified(images.prefix(2).map { image in
            .placed(DeidentifiedCopy(imageId: image.id!, studyInstanceUID: "2.25.1", seriesInstanceUID: "2.25.2",
                                     sopInstanceUID: "2.25.3.\(image.id!)", path: f.root + "/outbox/\(image.id!).dcm", size: 90))
        } + [.refused(imageId: images[2].id!, reason: "deidentify: PHI gate: PatientName")])
        try f.queue.complete(job, owner: "w", next: ["send:a"])
        return (f, job)
    }

    @Test func deidentifiedOutcomesMoveEachImage() throws {
        let (f, _) = try deidentified()
        #expect(try f.statuses() == ["1.2.3.1.1": .doneProcessing, "1.2.3.1.2": .doneProcessing, "1.2.3.1.3": .failed])
        #expect(try f.images().first { $0.status == .failed }?.statusReason == "deidentify: PHI gate: PatientName")
    }

    @Test func retryingFailedImagesPutsThemBackAndQueuesTheirStage() throws {
        let (f, job) = try deidentified()
        #expect(try f.queue.retryFailed(now: Date()) == 0)   // no job failed
        let moved = try f.queue.retryFailedImages(seriesIds: [job.seriesId], stages: [(.new, "identify"), (.processing, "deidentify")],
                                                  destinations: [SendDestination(name: "a", stage: "send:a")])
        #expect(moved == 1)
        #expect(try f.statuses()["1.2.3.1.3"] == .processing)
        let queued = try f.jobs().filter { $0.state == .queued }.map(\.stage).sorted()
        // The send job queued when de-identify completed is still there: none is added twice.
        #expect(queued == ["deidentify", "send:a"])
    }

    @Test func anAnswerAboutAReplacedCopyIsNotRecorded() throws {
        let (f, job) = try deidentified()
        let pending = try f.index.pendingDeliveries(seriesId: job.seriesId, destination: "a")
        #expect(pending.count == 2)
        let stale = PendingDelivery(imageId: pending[0].imageId, path: pending[0].path, size: pending[0].size, copiedAt: "2000-01-01 00:00:00.000")
        try f.index.recordDeliveries([(stale, .stored(dimseStatus: 0, warning: nil))], destination: "a", verified: false)
        #expect(try f.index.pendingDeliveries(seriesId: job.seriesId, destination: "a").count == 2)
        try f.index.recordDeliveries(pending.map { ($0, .stored(dimseStatus: 0, warning: nil)) }, destination: "a", verified: false)
        #expect(try f.index.pendingDeliveries(seriesId: job.seriesId, destination: "a").isEmpty)
    }

    @Test func imagesAreSentOnceEveryDestinationHasThemAndDoneOnceEveryOneVerified() throws {
        let (f, job) = try deidentified()
        let destinations = ["a", "b"]
        for name in destinations {
            let pending = try f.index.pendingDeliveries(seriesId: job.seriesId, destination: name)
            try f.index.recordDeliveries(pending.map { ($0, .stored(dimseStatus: 0, warning: nil)) }, destination: name, verified: false)
            try f.index.advanceDeliveries(seriesId: job.seriesId, destinations: destinations)
            let expected: ImageStatus = name == "a" ? .doneProcessing : .sent
            #expect(try f.statuses()["1.2.3.1.1"] == expected)
        }
        let sent = try f.index.sentImages(seriesId: job.seriesId, destination: "a")
        #expect(sent.map(\.sopInstanceUID) == sent.map { "2.25.3.\($0.imageId)" })
        // One shown at a, the other not: that one loses its record and is sent again.
        try f.index.recordVerification(destination: "a", shown: [(sent[0].imageId, true), (sent[1].imageId, false)])
        #expect(try f.index.pendingDeliveries(seriesId: job.seriesId, destination: "a").map(\.imageId) == [sent[1].imageId])
        try f.index.recordVerification(destination: "b", shown: sent.map { ($0.imageId, true) })
        try f.index.advanceDeliveries(seriesId: job.seriesId, destinations: destinations)
        #expect(try f.statuses() == ["1.2.3.1.1": .done, "1.2.3.1.2": .sent, "1.2.3.1.3": .failed])
    }

    @Test func aRefusalFailsTheImageAndADestinationThatGivesUpFailsWhatItLacks() throws {
        let (f, job) = try deidentified()
        let pending = try f.index.pendingDeliveries(seriesId: job.seriesId, destination: "a")
        try f.index.recordDeliveries([(pending[0], .refused(dimseStatus: 0xA700, reason: "out of resources"))], destination: "a", verified: false)
        #expect(try f.statuses()["1.2.3.1.1"] == .failed)
        let send = try #require(try f.queue.claimNext(owner: "s", stages: ["send:a"]))
        #expect(try f.queue.fail(send, owner: "s", error: "too old", permanent: true, giveUp: .failUndelivered(destination: "a")) == .failed)
        #expect(try f.statuses().values.allSatisfy { $0 == .failed })
        #expect(try f.images().first { $0.sopInstanceUID == "1.2.3.1.2" }?.statusReason == "a: gave up: too old")
    }

    @Test func theBacklogQueuesASendJobOncePerSeriesAndDestination() throws {
        let (f, job) = try deidentified()
        try f.queue.complete(try #require(try f.queue.claimNext(owner: "s", stages: ["send:a"])), owner: "s", next: [])
        let destinations = [SendDestination(name: "a", stage: "send:a"), SendDestination(name: "b", stage: "send:b")]
        #expect(try f.queue.enqueueBacklog(destinations: destinations, reason: "start-up") == 2)
        #expect(try f.queue.enqueueBacklog(destinations: destinations, reason: "start-up") == 0)
        // Verified (or skipped) at a: nothing waits for a any more.
        let sendA = try #require(try f.queue.claimNext(owner: "s", stages: ["send:a"]))
        try f.index.recordDeliveries(imageIds: try f.index.pendingDeliveries(seriesId: job.seriesId, destination: "a").map(\.imageId),
                                     destination: "a", state: .skipped, detail: "not convertible", bytes: 0)
        try f.queue.complete(sendA, owner: "s", next: [])
        #expect(try f.queue.enqueueBacklog(destinations: destinations, reason: "start-up") == 0)
        #expect(try f.jobs().filter { $0.state == .queued }.map(\.stage) == ["send:b"])
    }

    @Test func aCommitmentResultIsTakenOnlyFromTheDestinationAsked() throws {
        let (f, job) = try deidentified()
        let pending = try f.index.pendingDeliveries(seriesId: job.seriesId, destination: "a")
        try f.index.recordDeliveries(pending.map { ($0, .stored(dimseStatus: 0, warning: nil)) }, destination: "a", verified: false)
        let sops = try f.index.sentImages(seriesId: job.seriesId, destination: "a").map(\.sopInstanceUID)
        try f.index.recordCommitmentRequest(transactionUID: "2.25.77", destination: "a", seriesId: job.seriesId, images: 2)
        #expect(try f.index.commitmentAnswer(transactionUID: "2.25.77", seriesId: job.seriesId, destination: "a") == nil)
        func result(_ uid: String, from ae: String) throws -> CommitmentVerdict {
            try f.index.recordCommitmentResult(transactionUID: uid, callingAETitle: ae, committed: [sops[0]],
                                               failed: [(sops[1], "0x0110")], aeTitles: ["a": "ORTHANC"],
                                               destinations: ["a"], now: Date())
        }
        #expect(try result("2.25.666", from: "ORTHANC") == .unknownTransaction)
        #expect(try result("2.25.77", from: "MALLORY") == .notAuthorized)
        #expect(try f.index.commitmentAnswer(transactionUID: "2.25.77", seriesId: job.seriesId, destination: "a") == nil)
        #expect(try result("2.25.77", from: "ORTHANC") == .recorded)
        #expect(try f.index.commitmentAnswer(transactionUID: "2.25.77", seriesId: job.seriesId, destination: "a")
                == CommitmentAnswer(failed: 1, left: 0))
        #expect(try f.statuses()["1.2.3.1.1"] == .done)
        #expect(try f.index.pendingDeliveries(seriesId: job.seriesId, destination: "a").count == 1)
    }

    @Test func cleanUpRemovesOnlyWhatItsFilesLeftAndTheEmptySeries() throws {
        let (f, job) = try deidentified()
        let pending = try f.index.pendingDeliveries(seriesId: job.seriesId, destination: "a")
        try f.index.recordDeliveries(pending.map { ($0, .stored(dimseStatus: 0, warning: nil)) }, destination: "a", verified: true)
        try f.index.advanceDeliveries(seriesId: job.seriesId, destinations: ["a"])
        #expect(try f.images().filter { $0.status == .done }.count == 2)
        try f.queue.complete(try #require(try f.queue.claimNext(owner: "s", stages: ["send:a"])), owner: "s", next: [])
        // Not verified at every destination: nothing.
        var outcome = try f.index.cleanUp(cutoff: Date(), limit: 10, skipping: [], project: nil, destinations: ["a", "b"], reason: "t",
                                          now: Date()) { _ in true }
        #expect(outcome.removed.isEmpty)
        // A file that cannot be removed keeps its image.
        outcome = try f.index.cleanUp(cutoff: Date(), limit: 10, skipping: [], project: nil, destinations: ["a"], reason: "t", now: Date()) {
            $0.id != pending[0].imageId
        }
        #expect(outcome.removed.map(\.id) == [pending[1].imageId] && outcome.series == 0)
        #expect(try f.images().count == 2)
        // The FAILED image is not DONE: the series stays while it has one.
        outcome = try f.index.cleanUp(cutoff: Date(), limit: 10, skipping: [], project: nil, destinations: ["a"], reason: "t", now: Date()) { _ in true }
        #expect(outcome.removed.map(\.id) == [pending[0].imageId] && outcome.series == 0)
        #expect(try f.images().map(\.sopInstanceUID) == ["1.2.3.1.3"])
        #expect(try f.index.summary(limit: nil).series == 1)
    }

    @Test func aSeriesIsFoundByItsInstanceUID() throws {
        let (f, job) = try deidentified()
        #expect(try f.index.seriesIds(instanceUIDs: ["1.2.3.1", "9.9"], project: nil).mapValues { $0[0] } == ["1.2.3.1": job.seriesId])
    }
}

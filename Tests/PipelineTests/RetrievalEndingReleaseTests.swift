import DICOMNetwork
import Foundation
import IntakeTestSupport
@testable import Pipeline
import SenditIndex
@testable import SenditIntake
import Synchronization
import Testing

/// A study's ending (sync, record, and for a failed one the release of its claim) runs beside
/// the worker's next move (`StudyEnding`). The release must not take away the claim of another
/// retrieval of the same Study Instance UID that the worker claimed meanwhile.
@Suite struct RetrievalEndingReleaseTests {
    /// The index, with a pause after a failed study is recorded (before the loop releases it).
    final class HeldStore: RetrievalStore, @unchecked Sendable {
        let base: IndexDatabase
        let recordedFailure = DispatchSemaphore(value: 0)
        let mayGoOn = DispatchSemaphore(value: 0)
        init(_ base: IndexDatabase) { self.base = base }

        func createRetrieval(_ job: RetrievalJob, list: RetrievalList, dates: String?, now: Date) throws -> Int64 {
            try base.createRetrieval(job, list: list, dates: dates, now: now)
        }
        func retrievalJobs(limit: Int) throws -> [RetrievalProgress] { try base.retrievalJobs(limit: limit) }
        func retrievalJob(id: Int64) throws -> RetrievalProgress? { try base.retrievalJob(id: id) }
        func retrievalItems(jobId: Int64) throws -> [RetrievalItem] { try base.retrievalItems(jobId: jobId) }
        func retrievalStudies(itemId: Int64) throws -> [RetrievalStudy] { try base.retrievalStudies(itemId: itemId) }
        func setRetrievalPaused(jobId: Int64, paused: Bool, now: Date) throws -> Bool {
            try base.setRetrievalPaused(jobId: jobId, paused: paused, now: now)
        }
        func requeueInterruptedRetrievals(now: Date) throws -> Int { try base.requeueInterruptedRetrievals(now: now) }
        func claimRetrievalWork(sources: [String], now: Date) throws -> RetrievalWork? { try base.claimRetrievalWork(sources: sources, now: now) }
        func recordRetrievalFind(itemId: Int64, result: RetrievalFindResult, now: Date) throws {
            try base.recordRetrievalFind(itemId: itemId, result: result, now: now)
        }
        func recordRetrievalMove(studyId: Int64, result: RetrievalMoveResult, now: Date) throws {
            try base.recordRetrievalMove(studyId: studyId, result: result, now: now)
            if result.state == .failed {
                recordedFailure.signal()
                mayGoOn.wait()
            }
        }
        func retrievalStudiesInFlight() throws -> [RetrievalInFlight] { try base.retrievalStudiesInFlight() }
        func indexedInstances(studyInstanceUID: String, project: String) throws -> Int {
            try base.indexedInstances(studyInstanceUID: studyInstanceUID, project: project)
        }
    }

    /// Sends nothing for the first C-MOVE (the study fails: "no instance was sent"); for the
    /// second, lets the first one's ending go on, then notes the claim the receiver's routing
    /// would see for the study while its instances arrive.
    final class Archive: RetrievalPeer, @unchecked Sendable {
        let moves = Mutex(0)
        let claimSeen = Mutex<[(project: String, item: Int64)?]>([])
        var registry: RetrievalRegistry?
        var release: DispatchSemaphore?

        func find(_ item: RetrievalItem, at source: RetrievalSource, cancel: QueryRetrieveSCU.Cancel) throws
            -> (RetrievalDecision.Ending, [(uid: String?, instances: String?)]) {
            (.init(category: .success, code: "0x0000", meaning: "Success"), [("1.7.1", "1")])
        }

        func move(studyUID: String, from source: RetrievalSource, to destination: String, cancel: QueryRetrieveSCU.Cancel,
                  progress: @escaping (RetrievalCounts) -> Void) throws -> RetrievalDecision.Ending {
            let n = moves.withLock { $0 += 1; return $0 }
            if n == 1 { return .init(category: .success, code: "0x0000", meaning: "Success", counts: .init()) }
            // The first study's ending goes on (its release) while this move runs.
            release?.signal()
            usleep(300_000)
            claimSeen.withLock { $0.append(registry?.claim(studyUID: studyUID)) }
            return .init(category: .success, code: "0x0000", meaning: "Success", counts: .init(completed: 1))
        }

        func get(studyUID: String, from source: RetrievalSource, into staging: any InstanceStaging, cancel: QueryRetrieveSCU.Cancel,
                 progress: @escaping (RetrievalCounts) -> Void) throws -> (RetrievalDecision.Ending, stored: Int) {
            Issue.record("no C-GET expected")
            return (.init(category: .failure, code: "0xC000", meaning: "Unable to process"), 0)
        }
    }

    /// Two items of a job find the same study. The first item's C-MOVE sends nothing: the study
    /// fails; its ending records that (the study is no longer `moving`), and only then releases
    /// the study's claim. The worker, no longer held back, claims the second item's retrieval of
    /// the same study, registers its claim and moves it, while the first ending's release runs:
    /// the release is by Study Instance UID, so it removes the second retrieval's claim (and its
    /// expected instances). While the second study's instances arrive no claim routes them to its
    /// job's project (on a node with projects the routing rules decide, or they are refused), and
    /// their staging key may then differ from the one `syncRetrievedStudy` seals, so the study is
    /// recorded while they are still in a folder marked unsynced. Before d3d54da, with one
    /// worker, the release came before the next claim.
    @Test func aFailedStudysReleaseBesideTheNextMoveKeepsTheClaimOfTheSameStudyMovedAgain() throws {
        let f = try IntakeFixture()
        let store = HeldStore(f.database)
        let staging = try StagingArea(dataFolder: f.data, sync: true)
        staging.syncFolders = { _ in }
        let archive = Archive()
        let loop = RetrievalLoop(store: store, settings: .init(sources: [RetrievalSource(name: "pacs", calledAETitle: "PACS", host: "127.0.0.1",
                                                                                         port: 104, method: .move)], aeTitle: "SENDIT"),
                                 staging: staging, peer: archive, logger: IntakeFixture.silent)
        archive.registry = loop.registry
        archive.release = store.mayGoOn
        try staging.lockAndRecover()
        _ = try store.createRetrieval(RetrievalJob(source: "pacs", project: "lung", method: .move, createdAt: Date(), requester: "test"),
                                      list: RetrievalList(kind: .accession, entries: [.init(value: "A1"), .init(value: "A2")]), dates: nil, now: Date())
        try loop.prepare()
        let ending = StudyEnding()
        // The first item's C-FIND, then its study's C-MOVE (a found study comes before a new
        // item's C-FIND).
        try loop.perform(try #require(try store.claimRetrievalWork(sources: ["pacs"], now: Date())), worker: 0, ending: ending)
        let first = try #require(try store.claimRetrievalWork(sources: ["pacs"], now: Date()))
        guard case .move = first else { throw CancellationError() }
        try loop.perform(first, worker: 0, ending: ending)
        // The first study is recorded failed; its ending waits before the release.
        #expect(store.recordedFailure.wait(timeout: .now() + 10) == .success)
        // The worker goes on: the second item's C-FIND finds the same study, which may be
        // claimed now (the first is no longer moving).
        try loop.perform(try #require(try store.claimRetrievalWork(sources: ["pacs"], now: Date())), worker: 0, ending: ending)
        let second = try #require(try store.claimRetrievalWork(sources: ["pacs"], now: Date()))
        guard case .move(_, let item, let study) = second else { throw CancellationError() }
        #expect(study.studyInstanceUID == "1.7.1")
        try loop.perform(second, worker: 0, ending: ending)
        ending.wait()
        // While the second study's instances arrived, its claim was there.
        let seen = archive.claimSeen.withLock { $0 }
        #expect(seen.count == 1)
        #expect(seen.first??.project == "lung" && seen.first??.item == item.id, "claim seen during the second move: \(seen)")
    }
}

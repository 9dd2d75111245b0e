import DICOMNetwork
import Foundation
import IntakeTestSupport
@testable import Pipeline
import SenditIndex
@testable import SenditIntake
import Synchronization
import Testing

/// The order that makes a retrieval's unsynced instances safe: they are answered unsynced only
/// while the study's C-MOVE runs; when it ends they are made durable, and only then does the
/// index record the study (arrived, or asked for again). The syncs are recorded, not done.
@Suite struct RetrievalStudySyncTests {
    /// Moves a study by placing its instances as the listener would: asking the staging area how
    /// each is made durable, for a C-STORE from PACS naming SENDIT its Move Originator.
    final class Archive: RetrievalPeer, @unchecked Sendable {
        let f: IntakeFixture
        let staging: StagingArea
        let sops: [String]
        let studies: [String]
        let durabilities = Mutex<[InstanceDurability]>([])

        init(_ f: IntakeFixture, _ staging: StagingArea, sops: [String], studies: [String]) {
            self.f = f
            self.staging = staging
            self.sops = sops
            self.studies = studies
        }

        func find(_ item: RetrievalItem, at source: RetrievalSource, cancel: QueryRetrieveSCU.Cancel) throws
            -> (RetrievalDecision.Ending, [(uid: String?, instances: String?)]) {
            (.init(category: .success, code: "0x0000", meaning: "Success"), studies.map { ($0, "\(sops.count)") })
        }

        func move(studyUID: String, from source: RetrievalSource, to destination: String, cancel: QueryRetrieveSCU.Cancel,
                  progress: @escaping (RetrievalCounts) -> Void) throws -> RetrievalDecision.Ending {
            let peer = AssociationPeer(calledAETitle: destination, callingAETitle: source.calledAETitle, address: "127.0.0.1")
            for sop in sops {
                let path = try f.instance(in: f.root + "/archive", study: studyUID, series: studyUID + ".1", sop: sop)
                let durability = staging.durability(of: InstanceArrival(studyInstanceUID: studyUID, peer: peer, moveOriginatorAETitle: "SENDIT",
                                                                        moveOriginatorMessageID: 1))
                durabilities.withLock { $0.append(durability) }
                _ = try staging.place(path, studyInstanceUID: studyUID, sopInstanceUID: sop, project: nil, durability: durability)
            }
            return .init(category: .success, code: "0x0000", meaning: "Success", counts: .init(completed: sops.count))
        }

        func get(studyUID: String, from source: RetrievalSource, into staging: any InstanceStaging, cancel: QueryRetrieveSCU.Cancel,
                 progress: @escaping (RetrievalCounts) -> Void) throws -> (RetrievalDecision.Ending, stored: Int) {
            Issue.record("no C-GET expected")
            return (.init(category: .failure, code: "0xC000", meaning: "Unable to process"), 0)
        }
    }

    /// What happened, in order (thread-safe).
    final class Log: @unchecked Sendable {
        private let lock = NSLock()
        private var entries: [[String]] = []
        func append(_ e: [String]) { lock.withLock { entries.append(e) } }
        var all: [[String]] { lock.withLock { entries } }
    }

    /// A node with retrieval as `sendit serve` wires it, its file system syncs recorded.
    func node(_ f: IntakeFixture, sops: [String], studies: [String] = ["1.7.1"]) throws -> (StagingArea, Archive, RetrievalLoop, Log) {
        let staging = try StagingArea(dataFolder: f.data, sync: true)
        let syncs = Log()
        staging.syncFolders = { folders in syncs.append(folders) }
        let archive = Archive(f, staging, sops: sops, studies: studies)
        let loop = RetrievalLoop(store: f.database, settings: .init(sources: [RetrievalSource(name: "pacs", calledAETitle: "PACS", host: "127.0.0.1",
                                                                                              port: 104, method: .move)], aeTitle: "SENDIT"),
                                 staging: staging, peer: archive, logger: IntakeFixture.silent)
        let rule = RetrievalDurabilityRule(aeTitle: "SENDIT")
        staging.deferral = { [registry = loop.registry] arrival in
            rule.durability(of: arrival, retrievingFrom: arrival.studyInstanceUID.flatMap { registry.retrievingFrom(studyUID: $0) })
        }
        try staging.lockAndRecover()
        _ = try f.database.createRetrieval(RetrievalJob(source: "pacs", project: "lung", method: .move, createdAt: Date(), requester: "test"),
                                           list: RetrievalList(kind: .accession, entries: [.init(value: "A1")]), dates: nil, now: Date())
        try loop.prepare()
        guard case .find(let job, let item) = try #require(try f.database.claimRetrievalWork(sources: ["pacs"], now: Date())) else {
            throw CancellationError()
        }
        try loop.perform(.find(job, item), worker: 0)
        return (staging, archive, loop, syncs)
    }

    static func markers(_ data: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: data + "/.incoming").filter { $0.hasSuffix(".unsynced") }
    }

    @Test func theStudyIsMadeDurableAfterItsMoveEndsAndBeforeTheIndexRecordsIt() throws {
        let f = try IntakeFixture()
        let (staging, archive, loop, syncs) = try node(f, sops: ["1.7.1.1", "1.7.1.2"])
        let order = Log()
        let (database, data) = (f.database, f.data)
        loop.syncStudy = { study, project in
            // The move has ended (what arrives now is synced before its Success), the index
            // still says moving, and the instances are in their marked retrieval folder.
            #expect(loop.registry.retrievingFrom(studyUID: study) == nil)
            #expect(try database.retrievalStudiesInFlight().map(\.study.state) == [.moving])
            #expect(try Self.markers(data).count == 1)
            order.append(["sync \(study) \(project)"])
            try staging.syncRetrievedStudy(studyInstanceUID: study, project: project)
        }
        let work = try #require(try f.database.claimRetrievalWork(sources: ["pacs"], now: Date()))
        try loop.perform(work, worker: 0)
        #expect(archive.durabilities.withLock { $0 } == [.withItsStudy, .withItsStudy])
        #expect(order.all == [["sync 1.7.1 lung"]])
        // One sync of the study's retrieval folder, its marker gone, then the index recorded it.
        let synced = syncs.all
        #expect(synced.count == 1 && synced[0].count == 1 && synced[0][0].hasPrefix(f.data + "/1.7.1.tmp"), "\(synced)")
        #expect(try Self.markers(f.data).isEmpty)
        #expect(try f.database.retrievalStudiesInFlight().map(\.study.state) == [.arrived])
        // Finishing the (already synced) folder needs no second sync.
        #expect(staging.finishQuietFolders(stableAge: 3600).finished.count == 1)
        #expect(syncs.all.count == 1)
        // After the move, the same study from the same archive is synced before its Success.
        #expect(staging.durability(of: InstanceArrival(studyInstanceUID: "1.7.1", peer: AssociationPeer(calledAETitle: "SENDIT", callingAETitle: "PACS",
                                                                                                        address: ""),
                                                       moveOriginatorAETitle: "SENDIT")) == .beforeSuccess)
    }

    @Test func aStudyWhoseInstancesCannotBeMadeDurableIsAskedForAgainNotRecordedArrived() throws {
        let f = try IntakeFixture()
        let (staging, _, loop, _) = try node(f, sops: ["1.7.1.1"])
        staging.syncFolders = { _ in throw FileStoreError(code: EIO, what: "sync failed") }
        let work = try #require(try f.database.claimRetrievalWork(sources: ["pacs"], now: Date()))
        try loop.perform(work, worker: 0)
        let study = try #require(try f.database.retrievalItems(jobId: 1).first)
        #expect(study.counts.completed == 0)
        #expect(try f.database.retrievalStudiesInFlight().isEmpty)
        // Still marked, and not finished while it cannot be synced.
        #expect(try Self.markers(f.data).count == 1)
        let pass = staging.finishQuietFolders(stableAge: 0, now: Date().addingTimeInterval(10))
        #expect(pass.finished.isEmpty && pass.errors.count == 1)
    }

    /// A worker's loop ends each study (sync, then record) beside its next move: the next study
    /// is moved while the previous one's sync runs, the previous one stays `moving` in the index
    /// until its sync ended, and the endings keep their order.
    @Test func aStudysSyncRunsBesideTheNextStudysMove() throws {
        let f = try IntakeFixture()
        let (staging, archive, loop, _) = try node(f, sops: ["1.7.9.1"], studies: ["1.7.1", "1.7.2"])
        let order = Log(), firstSyncMayEnd = DispatchSemaphore(value: 0)
        loop.syncStudy = { study, project in
            order.append(["sync \(study)"])
            if study == "1.7.1" { firstSyncMayEnd.wait() }
            try staging.syncRetrievedStudy(studyInstanceUID: study, project: project)
        }
        let ending = StudyEnding()
        try loop.perform(try #require(try f.database.claimRetrievalWork(sources: ["pacs"], now: Date())), worker: 0, ending: ending)
        let second = try #require(try f.database.claimRetrievalWork(sources: ["pacs"], now: Date()))
        guard case .move(_, _, let study) = second else { throw CancellationError() }
        #expect(study.studyInstanceUID == "1.7.2")
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            _ = try? loop.perform(second, worker: 0, ending: ending)
            done.signal()
        }
        // The second study is moved while the first one's sync is held.
        let deadline = Date().addingTimeInterval(10)
        while archive.durabilities.withLock({ $0.count }) < 2 && Date() < deadline { usleep(1000) }
        #expect(archive.durabilities.withLock { $0 } == [.withItsStudy, .withItsStudy])
        #expect(try f.database.retrievalStudiesInFlight().map(\.study.state).sorted { $0.rawValue < $1.rawValue } == [.moving, .moving])
        firstSyncMayEnd.signal()
        done.wait()
        ending.wait()
        #expect(order.all == [["sync 1.7.1"], ["sync 1.7.2"]])
        #expect(try f.database.retrievalStudiesInFlight().map(\.study.state) == [.arrived, .arrived])
        #expect(try Self.markers(f.data).isEmpty)
    }
}

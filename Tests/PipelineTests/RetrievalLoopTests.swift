import DICOMNetwork
import Foundation
import IntakeTestSupport
@testable import Pipeline
import SenditIndex
import SenditIntake
import Synchronization
import Testing

/// The retrieval loop against an archive double (the `RetrievalPeer` protocol; the real
/// archives are conformance/retrieve-test's): a C-FIND per item, a move per study whose
/// instances arrive in the staging area, which finishes the study once its expected instances
/// are in; the study is done once imported; a kill in the middle asks for the study again and
/// the importer recognises what had arrived, so nothing is recorded twice.
@Suite struct RetrievalLoopTests {
    /// An archive of studies by accession number; each move places the study's instances in the
    /// staging area (as the listener would), or fails with A801.
    final class Archive: RetrievalPeer, @unchecked Sendable {
        let f: IntakeFixture
        let staging: StagingArea
        let studies: [String: [(uid: String, sops: [String])]]
        let refused: Set<String>
        let moves = Mutex<[String]>([])

        init(_ f: IntakeFixture, _ staging: StagingArea, studies: [String: [(uid: String, sops: [String])]], refused: Set<String> = []) {
            self.f = f
            self.staging = staging
            self.studies = studies
            self.refused = refused
        }

        func find(_ item: RetrievalItem, at source: RetrievalSource, cancel: QueryRetrieveSCU.Cancel) throws
            -> (RetrievalDecision.Ending, [(uid: String?, instances: String?)]) {
            (.init(category: .success, code: "0x0000", meaning: "Success"),
             (studies[item.value] ?? []).map { ($0.uid, "\($0.sops.count)") })
        }

        func move(studyUID: String, from source: RetrievalSource, to destination: String, cancel: QueryRetrieveSCU.Cancel,
                  progress: @escaping (RetrievalCounts) -> Void) throws -> RetrievalDecision.Ending {
            moves.withLock { $0.append(studyUID) }
            if refused.contains(studyUID) { return .init(category: .failure, code: "0xA801", meaning: "Move destination unknown") }
            let sops = studies.values.flatMap { $0 }.first { $0.uid == studyUID }!.sops
            for sop in sops {
                let path = try f.instance(in: f.root + "/archive", study: studyUID, series: studyUID + ".1", sop: sop)
                _ = try staging.place(path, studyInstanceUID: studyUID, sopInstanceUID: sop)
            }
            return .init(category: .success, code: "0x0000", meaning: "Success", counts: .init(completed: sops.count))
        }

        func get(studyUID: String, from source: RetrievalSource, into staging: any InstanceStaging, cancel: QueryRetrieveSCU.Cancel,
                 progress: @escaping (RetrievalCounts) -> Void) throws -> (RetrievalDecision.Ending, stored: Int) {
            Issue.record("no C-GET expected")
            return (.init(category: .failure, code: "0xC000", meaning: "Unable to process"), 0)
        }
    }

    func loop(_ f: IntakeFixture, _ staging: StagingArea, _ archive: Archive) -> RetrievalLoop {
        RetrievalLoop(store: f.database, settings: .init(sources: [RetrievalSource(name: "pacs", calledAETitle: "PACS", host: "127.0.0.1",
                                                                                   port: 104, method: .move)], aeTitle: "SENDIT"),
                      staging: staging, peer: archive, logger: IntakeFixture.silent)
    }

    /// Runs every claimable step; imports what the staging area finished at once.
    func drain(_ loop: RetrievalLoop, _ f: IntakeFixture, _ staging: StagingArea) throws {
        while let work = try f.database.claimRetrievalWork(sources: ["pacs"], now: Date()) {
            try loop.perform(work, worker: 0)
            for folder in staging.finishQuietFolders(stableAge: 3600).finished { _ = try f.importer.importFolder(folder.to) }
        }
        try loop.finishArrived()
    }

    @Test func itemsAreFoundMovedFinishedAtOnceAndDone() throws {
        let f = try IntakeFixture()
        let staging = try StagingArea(dataFolder: f.data, sync: false)
        let archive = Archive(f, staging, studies: ["A1": [("1.7.1", ["1.7.1.1", "1.7.1.2"]), ("1.7.2", ["1.7.2.1"])],
                                                    "A3": [("1.7.3", ["1.7.3.1"])]], refused: ["1.7.3"])
        let list = RetrievalList(kind: .accession, entries: [.init(value: "A1"), .init(value: "A2"), .init(value: "A3")])
        let id = try f.database.createRetrieval(RetrievalJob(source: "pacs", project: "lung", method: .move, createdAt: Date(),
                                                             requester: "test"), list: list, dates: nil, now: Date())
        let loop = loop(f, staging, archive)
        try loop.prepare()
        try drain(loop, f, staging)
        let items = try f.database.retrievalItems(jobId: id)
        #expect(items.map(\.outcome) == [.retrieved, .notFound, .failed])
        #expect(items[0].counts.completed == 3 && items[0].studiesFound == 2)
        #expect(items[2].finalStatus == "0xA801" && items[2].statusMeaning == "Move destination unknown")
        #expect(try f.images().count == 3)
        #expect(archive.moves.withLock { $0 } == ["1.7.1", "1.7.2", "1.7.3"])
        #expect(loop.registry.count == 0)
    }

    @Test func aKillDuringAMoveAsksForTheStudyAgainAndNothingIsRecordedTwice() throws {
        let f = try IntakeFixture()
        let staging = try StagingArea(dataFolder: f.data, sync: false)
        let archive = Archive(f, staging, studies: ["A1": [("1.7.1", ["1.7.1.1", "1.7.1.2"])]])
        let list = RetrievalList(kind: .accession, entries: [.init(value: "A1")])
        let id = try f.database.createRetrieval(RetrievalJob(source: "pacs", project: "lung", method: .move, createdAt: Date(),
                                                             requester: "test"), list: list, dates: nil, now: Date())
        let first = loop(f, staging, archive)
        try first.prepare()
        guard case .find(let job, let item) = try #require(try f.database.claimRetrievalWork(sources: ["pacs"], now: Date())) else { return }
        try first.perform(.find(job, item), worker: 0)
        // The study is claimed and its instances arrive, then the process is killed before the
        // move's final response is recorded; what arrived was imported meanwhile.
        guard case .move(_, _, let study) = try #require(try f.database.claimRetrievalWork(sources: ["pacs"], now: Date())) else { return }
        _ = try archive.move(studyUID: study.studyInstanceUID, from: first.settings.sources[0], to: "SENDIT", cancel: .init(),
                             progress: { _ in })
        for folder in staging.finishQuietFolders(stableAge: 0, now: Date().addingTimeInterval(1)).finished {
            _ = try f.importer.importFolder(folder.to)
        }
        #expect(try f.images().count == 2)

        // The restart: a new staging area and loop on the same folders and index.
        let restarted = try StagingArea(dataFolder: f.data, sync: false)
        let archive2 = Archive(f, restarted, studies: archive.studies)
        let second = loop(f, restarted, archive2)
        try second.prepare()
        #expect(second.registry.claim(studyUID: "1.7.1") == nil)
        try drain(second, f, restarted)
        #expect(archive2.moves.withLock { $0 } == ["1.7.1"])
        #expect(try f.database.retrievalItems(jobId: id).map(\.outcome) == [.retrieved])
        // Two instances in the index, each once; the second copies are duplicates.
        #expect(try f.images().count == 2)
        #expect(try f.jobs().count == 1)
    }
}

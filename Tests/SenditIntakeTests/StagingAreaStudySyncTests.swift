#if canImport(Glibc)
import Glibc
#endif
import DICOMFile
import DICOMNetwork
import Foundation
import IntakeTestSupport
@testable import SenditIntake
import Testing

/// Instances of this node's own retrievals placed unsynced (`withItsStudy`): kept apart from
/// pushed ones in a folder marked unsynced, synced before that folder is finished, and after a
/// crash checked: what survived whole stays, the rest goes. File system syncs are recorded.
@Suite struct StagingAreaStudySyncTests {
    final class Syncs: @unchecked Sendable {
        private let lock = NSLock()
        private var entries: [[String]] = []
        /// Run at each sync, before it is recorded (e.g. to look at the folders then).
        var during: ([String]) throws -> Void = { _ in }
        func record(_ folders: [String]) throws {
            try during(folders)
            lock.withLock { entries.append(folders) }
        }
        var all: [[String]] { lock.withLock { entries } }
    }

    func staging(_ f: IntakeFixture, sync: Bool = true) throws -> (StagingArea, Syncs) {
        let staging = try StagingArea(dataFolder: f.data, sync: sync)
        let syncs = Syncs()
        staging.syncFolders = { try syncs.record($0) }
        staging.deferral = { _ in .withItsStudy }
        try staging.lockAndRecover()
        return (staging, syncs)
    }

    func receive(_ staging: StagingArea, _ f: IntakeFixture, study: String, sop: String, _ durability: InstanceDurability) throws -> String {
        let path = try f.instance(in: f.root + "/scratch", study: study, sop: sop)
        return try staging.place(path, studyInstanceUID: study, sopInstanceUID: sop, project: nil, durability: durability)
    }

    func markers(_ f: IntakeFixture) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: f.data + "/.incoming").filter { $0.hasSuffix(".unsynced") }.sorted()
    }

    @Test func retrievedInstancesGoApartFromPushedOnesAndAreSyncedBeforeTheirFolderIsFinished() throws {
        let f = try IntakeFixture()
        let (staging, syncs) = try staging(f)
        let pushed = try receive(staging, f, study: "1.2.9", sop: "1.2.9.1", .beforeSuccess)
        let retrieved = try receive(staging, f, study: "1.2.9", sop: "1.2.9.2", .withItsStudy)
        let pushedFolder = (pushed as NSString).deletingLastPathComponent, retrievalFolder = (retrieved as NSString).deletingLastPathComponent
        #expect(pushedFolder != retrievalFolder)
        #expect(try markers(f) == [(retrievalFolder as NSString).lastPathComponent + ".unsynced"])
        var st = stat()
        #expect(stat(retrieved, &st) == 0 && st.st_mode & 0o777 == StagingArea.completeMode)
        // At the sync the folder is still unfinished; then its marker goes and it is finished.
        syncs.during = { folders in
            #expect(folders == [retrievalFolder])
            #expect(FileManager.default.fileExists(atPath: retrieved))
        }
        let (done, errors) = staging.finishQuietFolders(stableAge: 0, now: Date().addingTimeInterval(1))
        #expect(errors.isEmpty && done.count == 2)
        #expect(syncs.all == [[retrievalFolder]])
        #expect(try markers(f).isEmpty)
    }

    @Test func anArrivalDuringTheSyncGoesToANewFolderMarkedUnsynced() throws {
        let f = try IntakeFixture()
        let (staging, syncs) = try staging(f)
        let first = try receive(staging, f, study: "1.2.9", sop: "1.2.9.1", .withItsStudy)
        var late: String?
        syncs.during = { _ in
            if late == nil { late = try receive(staging, f, study: "1.2.9", sop: "1.2.9.2", .withItsStudy) }
        }
        try staging.syncRetrievedStudy(studyInstanceUID: "1.2.9")
        let lateFolder = try #require(late.map { ($0 as NSString).deletingLastPathComponent })
        #expect(lateFolder != (first as NSString).deletingLastPathComponent)
        #expect(try markers(f) == [(lateFolder as NSString).lastPathComponent + ".unsynced"])
        // Both finished when quiet: the synced one as it is, the late one synced first.
        #expect(staging.finishQuietFolders(stableAge: 0, now: Date().addingTimeInterval(1)).finished.count == 2)
        #expect(syncs.all == [[(first as NSString).deletingLastPathComponent], [lateFolder]])
        #expect(try markers(f).isEmpty)
    }

    /// What a recorded retrieval counts on survives a crash: its folder was synced and its
    /// marker's removal made durable before the study was recorded, and a later retrieval of the
    /// same study (not recorded) fills another folder, which the crash discards alone.
    @Test func afterACrashASyncedStudyStaysAndOnlyTheUnsyncedFolderGoes() throws {
        let f = try IntakeFixture()
        let (first, _) = try staging(f)
        let recorded = try receive(first, f, study: "1.2.9", sop: "1.2.9.1", .withItsStudy)
        try first.syncRetrievedStudy(studyInstanceUID: "1.2.9")
        let again = try receive(first, f, study: "1.2.9", sop: "1.2.9.2", .withItsStudy)
        #expect((recorded as NSString).deletingLastPathComponent != (again as NSString).deletingLastPathComponent)
        first.unlock()

        let (restarted, syncs) = try staging(f)
        #expect(FileManager.default.fileExists(atPath: recorded))
        #expect(!FileManager.default.fileExists(atPath: (again as NSString).deletingLastPathComponent))
        #expect(restarted.discarded == [again])
        #expect(try syncs.all.isEmpty && markers(f).isEmpty)
        #expect(restarted.finishQuietFolders(stableAge: 0, now: Date().addingTimeInterval(1)).finished.count == 1)
    }

    @Test func syncingAStudySyncsOnlyItsUnsyncedFolders() throws {
        let f = try IntakeFixture()
        let (staging, syncs) = try staging(f)
        try staging.syncRetrievedStudy(studyInstanceUID: "1.2.9")
        _ = try receive(staging, f, study: "1.2.8", sop: "1.2.8.1", .withItsStudy)
        _ = try receive(staging, f, study: "1.2.9", sop: "1.2.9.1", .beforeSuccess)
        try staging.syncRetrievedStudy(studyInstanceUID: "1.2.9")
        #expect(syncs.all.isEmpty)
        try staging.syncRetrievedStudy(studyInstanceUID: "1.2.8")
        #expect(syncs.all.count == 1 && syncs.all[0][0].hasPrefix(f.data + "/1.2.8.tmp"))
        #expect(try markers(f).isEmpty)
    }

    /// A marked folder's files were never all synced: after a power failure any may be cut
    /// short, misnamed, or cut exactly at an element boundary (here just before Pixel Data) and
    /// still parse whole. The mark, not the parse, decides: the folder goes whole, the study is
    /// asked for again (its retrieval did not record it), and a pushed instance of the study
    /// (synced before its Success) stays.
    @Test func afterACrashAMarkedFolderIsDiscardedWholeAndTakesTheStudyAgain() throws {
        let f = try IntakeFixture()
        let (first, _) = try staging(f)
        let whole = try receive(first, f, study: "1.2.9", sop: "1.2.9.1", .withItsStudy)
        let cut = try receive(first, f, study: "1.2.9", sop: "1.2.9.2", .withItsStudy)
        let boundary = try receive(first, f, study: "1.2.9", sop: "1.2.9.3", .withItsStudy)
        let misnamed = try receive(first, f, study: "1.2.9", sop: "1.2.9.4", .withItsStudy)
        let folder = (whole as NSString).deletingLastPathComponent
        let pushed = try receive(first, f, study: "1.2.9", sop: "1.2.9.5", .beforeSuccess)
        // The crash: one file cut short, one cut at its last element's boundary, one under
        // another's name, and a part file of the study's retrieval not yet placed (unmarked:
        // mode 0600).
        #expect(truncate(cut, 200) == 0)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: boundary)[.size] as? Int)
        // The instance ends with Pixel Data: 12 bytes of header (explicit VR, OW), 64 of value.
        #expect(truncate(boundary, off_t(size - 76)) == 0)
        let parsed = try Part10File.read(path: boundary, options: StagingArea.checkOptions)
        #expect(!parsed.warnings.contains(where: \.isTruncation) && parsed.dataSet.string(.sopInstanceUID) == "1.2.9.3")
        #expect(rename(misnamed, folder + "/1.2.9.99.dcm") == 0)
        let part = f.data + "/.incoming/abc.part"
        #expect(FileManager.default.createFile(atPath: part, contents: try Data(contentsOf: URL(fileURLWithPath: pushed)),
                                               attributes: [.posixPermissions: 0o600]))
        first.unlock()

        let (restarted, syncs) = try staging(f)
        #expect(!FileManager.default.fileExists(atPath: folder))
        #expect(Set(restarted.discarded) == [whole, cut, boundary, folder + "/1.2.9.99.dcm", part])
        #expect(syncs.all.isEmpty)
        #expect(try markers(f).isEmpty)
        #expect(FileManager.default.fileExists(atPath: pushed))
        // Only the pushed instance's folder is left to finish.
        #expect(restarted.finishQuietFolders(stableAge: 0, now: Date().addingTimeInterval(1)).finished.count == 1)
        // The study asked for again: its instances go to a new retrieval folder, marked.
        let again = try receive(restarted, f, study: "1.2.9", sop: "1.2.9.1", .withItsStudy)
        #expect((again as NSString).deletingLastPathComponent != folder)
        #expect(try markers(f).count == 1)
    }

    /// Nothing the node writes makes a sub-folder there, but a marked folder holding one (a
    /// person's copy, say) must not keep the node from starting: it goes with the rest.
    @Test func aMarkedFolderWithAStraySubFolderIsDiscardedAndTheNodeStarts() throws {
        let f = try IntakeFixture()
        let (first, _) = try staging(f)
        let placed = try receive(first, f, study: "1.2.9", sop: "1.2.9.1", .withItsStudy)
        let folder = (placed as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder + "/stray", withIntermediateDirectories: false)
        #expect(FileManager.default.createFile(atPath: folder + "/stray/x", contents: Data("x".utf8)))
        first.unlock()

        let (restarted, _) = try staging(f)
        #expect(!FileManager.default.fileExists(atPath: folder))
        #expect(Set(restarted.discarded) == [placed, folder + "/stray"])
        #expect(try markers(f).isEmpty)
    }

    @Test func aNodeThatSyncsNothingDefersNothing() throws {
        let f = try IntakeFixture()
        let (staging, _) = try staging(f, sync: false)
        let arrival = InstanceArrival(studyInstanceUID: "1.2.9", peer: AssociationPeer(calledAETitle: "SENDIT", callingAETitle: "PACS", address: ""),
                                      moveOriginatorAETitle: "SENDIT")
        #expect(staging.durability(of: arrival) == .beforeSuccess)
        _ = try receive(staging, f, study: "1.2.9", sop: "1.2.9.1", .withItsStudy)
        #expect(try markers(f).isEmpty)
    }
}

#if canImport(Glibc)
import Glibc
#endif
import DICOMNetwork
import Foundation
import IntakeTestSupport
@testable import SenditIntake
import Testing

/// A retrieval records its study only after `syncRetrievedStudy` returned; from then on the
/// study's marked folders must be unmarked, durably, or a crash discards what the index counts
/// on (`recoverUnsynced` discards a marked folder whole).
@Suite struct StagingAreaUnmarkTests {
    /// The marker cannot be removed (here: something else now stands at its path, so unlink
    /// fails with EISDIR; in the field EACCES/EPERM after a change of owner, mode or attribute
    /// of .incoming, while its fsync still succeeds). `syncSealed` ignores unlink's result and
    /// returns as though the marker were gone: the retrieval records the study, and after a
    /// crash before the folder is finished the restart discards the folder whole, its
    /// instances with it, though the index says the study arrived (it is not asked for again).
    @Test func aStudyIsNotReportedSyncedWhileItsMarkerCouldNotBeRemoved() throws {
        let f = try IntakeFixture()
        let staging = try StagingArea(dataFolder: f.data, sync: true)
        staging.deferral = { _ in .withItsStudy }
        try staging.lockAndRecover()
        let path = try f.instance(in: f.root + "/scratch", study: "1.2.9", sop: "1.2.9.1")
        let placed = try staging.place(path, studyInstanceUID: "1.2.9", sopInstanceUID: "1.2.9.1", project: nil, durability: .withItsStudy)
        let folder = ((placed as NSString).deletingLastPathComponent as NSString).lastPathComponent
        let marker = f.data + "/.incoming/" + folder + ".unsynced"
        #expect(FileManager.default.fileExists(atPath: marker))
        staging.syncFolders = { _ in
            // After the sync, before the marker's removal: the marker can no longer be unlinked.
            #expect(unlink(marker) == 0 && mkdir(marker, 0o700) == 0)
            #expect(FileManager.default.createFile(atPath: marker + "/x", contents: Data()))
        }
        var reportedSynced = true
        do { try staging.syncRetrievedStudy(studyInstanceUID: "1.2.9") } catch { reportedSynced = false }
        guard reportedSynced else { return }
        // The retrieval records the study now. A crash before the folder is finished:
        staging.unlock()
        let restarted = try StagingArea(dataFolder: f.data, sync: true)
        restarted.syncFolders = { _ in }
        try restarted.lockAndRecover()
        #expect(FileManager.default.fileExists(atPath: placed), "a study reported synced lost \(restarted.discarded)")
    }
}

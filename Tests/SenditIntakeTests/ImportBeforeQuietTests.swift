#if canImport(Glibc)
import Glibc
#endif
import DICOMFile
import DICOMNetwork
import Foundation
import IntakeTestSupport
@testable import SenditIntake
import SenditIndex
import Testing

/// IMPORT_BEFORE_QUIET: what the receiver acknowledged is indexed as it lands (staged), its
/// series held back from what needs it complete until the folder is finished; the folder's
/// rename is recorded before and after, and a kill between the two is finished at start.
@Suite struct ImportBeforeQuietTests {
    func staging(_ f: IntakeFixture) throws -> StagingArea {
        let staging = try StagingArea(dataFolder: f.data, sync: true)
        staging.collectsLanded = true
        staging.keepsReplacedAside = true
        try staging.lockAndRecover()
        return staging
    }

    @discardableResult
    func receive(_ staging: StagingArea, _ f: IntakeFixture, sop: String, series: String = "1.2.3.1", pixels: UInt8 = 7,
                 durability: InstanceDurability = .beforeSuccess) throws -> String {
        let path = try f.instance(in: f.root + "/scratch", series: series, sop: sop, pixels: Array(repeating: pixels, count: 64))
        return try staging.place(path, studyInstanceUID: "1.2.3", sopInstanceUID: sop, project: nil, durability: durability)
    }

    func intake(_ f: IntakeFixture, _ staging: StagingArea, paths: StagingPaths) -> Intake {
        let intake = Intake(dataFolder: f.data, staging: staging, importer: f.importer, stableAge: 0, rescanInterval: 60,
                            logger: IntakeFixture.silent)
        intake.stagingPaths = paths
        return intake
    }

    func renames(_ f: IntakeFixture, _ paths: StagingPaths, failAfterRename: Bool = false) -> StagingRenames {
        let database = f.database
        return StagingRenames(paths: paths, willRename: { from, to in
            try database.recordStagingRename(from: from, to: to, now: Date())
        }, didRename: { from, to in
            if failAfterRename { throw CocoaError(.fileWriteUnknown) }
            try database.finishStagingRename(from: from, to: to, now: Date())
        }, didNotRename: { from in
            try database.abandonStagingFolder(from, now: Date())
        })
    }

    @Test func landedInstancesAreIndexedStagedAndHeldBackUntilTheirFolderIsFinished() throws {
        let f = try IntakeFixture()
        let staging = try staging(f)
        let a = try receive(staging, f, sop: "1.2.3.1.1"), b = try receive(staging, f, sop: "1.2.3.1.2")
        let landed = staging.drainLanded()
        #expect(landed == [a, b])
        #expect(staging.drainLanded().isEmpty)
        let report = try f.importer.importStaged(landed)
        #expect(report.added == 2 && report.series == 1)
        #expect(try f.images().map(\.path) == [a, b])
        #expect(try f.database.stagedImageCount() == 2)
        let series = try #require(try f.images().first?.seriesId)
        // Whatever the statuses, a series with a staged image is not complete.
        for image in try f.images() { try f.contents.setStatus(imageId: image.id!, .sent) }
        #expect(try f.database.unfinishedImages(seriesId: series) == 2)
        #expect(try f.jobs().map(\.stage) == ["process"])
        // Landing again (the same paths) adds nothing.
        #expect(try f.importer.importStaged(landed).added == 0)

        let paths = StagingPaths()
        let (done, errors) = staging.finishQuietFolders(stableAge: 0, now: Date().addingTimeInterval(1), renames: renames(f, paths))
        #expect(errors.isEmpty && done.count == 1)
        let finished = try #require(done.first).to
        #expect(try f.images().map(\.path) == [finished + "/1.2.3.1.1.dcm", finished + "/1.2.3.1.2.dcm"])
        #expect(try f.database.stagingRenames().isEmpty)
        // Still staged until the finished folder is imported whole.
        #expect(try f.database.stagedImageCount() == 2 && f.database.unfinishedImages(seriesId: series) == 2)
        // A path handed out before the rename reads where the file is now.
        #expect(paths.reading(a) { $0 } == finished + "/1.2.3.1.1.dcm")
        #expect(FileManager.default.fileExists(atPath: paths.current(b)))
        // The folder's own import finds nothing new, records no other copy, and releases the
        // series: no longer staged, queued again (to be verified).
        let jobs = try f.jobs().count
        let again = try f.importer.importFolder(finished)
        #expect(again.added == 0 && again.replaced == 0 && again.duplicates == 2 && again.quarantined == 0 && again.complete)
        #expect(try f.contents.otherCopies().isEmpty)
        #expect(try f.database.stagedImageCount() == 0 && f.database.unfinishedImages(seriesId: series) == 0)
        #expect(try f.jobs().count == jobs + 1 || f.jobs().filter { $0.state == .queued }.count == 1)
    }

    @Test func aRetrievalsUnsyncedInstancesAreNotIndexedBeforeTheirStudyIsSynced() throws {
        let f = try IntakeFixture()
        let staging = try staging(f)
        try receive(staging, f, sop: "1.2.3.1.1", durability: .withItsStudy)
        #expect(staging.drainLanded().isEmpty)
    }

    @Test func anInstanceSentAgainLandsBesideTheFirstAndTheFoldersImportDecides() throws {
        let f = try IntakeFixture()
        let staging = try staging(f)
        let first = try receive(staging, f, sop: "1.2.3.1.1", pixels: 7)
        _ = try f.importer.importStaged(staging.drainLanded())
        let id = try #require(try f.images().first?.id)
        try f.contents.setStatus(imageId: id, .sent)
        // Same size, other bytes: a corrected copy sent again while the study arrives. The first
        // copy (which a stage may be reading) is left as it is.
        let second = try receive(staging, f, sop: "1.2.3.1.1", pixels: 9)
        #expect(second != first && second.contains(".resent-") && FileManager.default.fileExists(atPath: first))
        #expect(try f.importer.importStaged(staging.drainLanded()).added == 0)
        #expect(try f.images().map(\.status) == [.sent])
        let (done, _) = staging.finishQuietFolders(stableAge: 0, now: Date().addingTimeInterval(1), renames: renames(f, StagingPaths()))
        let finished = try #require(done.first).to
        let report = try f.importer.importFolder(finished)
        #expect(report.replaced == 1 && report.complete)
        let image = try #require(try f.images().first)
        #expect(image.status == .new && image.path.hasPrefix(finished + "/1.2.3.1.1.resent-"))
        #expect(try f.contents.otherCopies().map(\.path) == [finished + "/1.2.3.1.1.dcm"])
        #expect(try f.database.stagedImageCount() == 0)
    }

    /// Sent three times while its study arrives, with three data sets: the last received wins.
    @Test func ofSeveralReSentCopiesTheLastReceivedWins() throws {
        let f = try IntakeFixture()
        let staging = try staging(f)
        try receive(staging, f, sop: "1.2.3.1.1", pixels: 7)
        _ = try f.importer.importStaged(staging.drainLanded())
        var copies: [String] = []
        for pixels in [UInt8(9), 5] {
            Thread.sleep(forTimeInterval: 0.002)
            copies.append(try receive(staging, f, sop: "1.2.3.1.1", pixels: pixels))
        }
        #expect(copies.sorted() == copies)
        let (done, _) = staging.finishQuietFolders(stableAge: 0, now: Date().addingTimeInterval(1), renames: renames(f, StagingPaths()))
        let finished = try #require(done.first).to
        #expect(try f.importer.importFolder(finished).complete)
        let image = try #require(try f.images().first)
        #expect(image.path == finished + "/" + (copies[1] as NSString).lastPathComponent)
        #expect(try Part10File.read(path: image.path).dataSet[.pixelData]?.bytes?.first == 5)
    }

    /// A staging folder removed by hand before its study was finished: its images indexed so far
    /// are FAILED with the reason, and a copy sent again elsewhere is not held back by them.
    @Test func aVanishedStagingFolderFailsItsImagesAndHoldsNothingBack() throws {
        let f = try IntakeFixture()
        let staging = try staging(f)
        let a = try receive(staging, f, sop: "1.2.3.1.1")
        _ = try f.importer.importStaged(staging.drainLanded())
        try FileManager.default.removeItem(atPath: (a as NSString).deletingLastPathComponent)
        let (done, _) = staging.finishQuietFolders(stableAge: 0, now: Date().addingTimeInterval(1), renames: renames(f, StagingPaths()))
        #expect(done.isEmpty)
        #expect(try f.images().map(\.status) == [.failed] && f.database.stagedImageCount() == 0)
        try f.instance(in: f.data + "/again", series: "1.2.3.1", sop: "1.2.3.1.1", pixels: Array(repeating: 9, count: 64))
        let report = try f.importer.importFolder(f.data + "/again")
        #expect(report.complete && report.replaced == 1)
        #expect(try f.images().map(\.status) == [.new])
    }

    @Test func aCopyFromAnotherFolderOfAStagedInstanceWaitsForItsFolder() throws {
        let f = try IntakeFixture()
        let staging = try staging(f)
        try receive(staging, f, sop: "1.2.3.1.1", pixels: 7)
        _ = try f.importer.importStaged(staging.drainLanded())
        // The same instance, other bytes, dropped in a finished folder meanwhile.
        try f.instance(in: f.data + "/drop", series: "1.2.3.1", sop: "1.2.3.1.1", pixels: Array(repeating: 9, count: 64))
        let early = try f.importer.importFolder(f.data + "/drop")
        #expect(early.deferred == 1 && !early.complete && early.replaced == 0)
        #expect(try f.contents.importedFolders().isEmpty)
        // Once the staging folder is finished and imported, the drop is decided as any copy.
        let (done, _) = staging.finishQuietFolders(stableAge: 0, now: Date().addingTimeInterval(1), renames: renames(f, StagingPaths()))
        _ = try f.importer.importFolder(try #require(done.first).to)
        let later = try f.importer.importFolder(f.data + "/drop")
        #expect(later.replaced == 1 && later.complete)
    }

    @Test func aKillAfterTheRenameIsFinishedAtStartAndOneBeforeItForgetsTheIntent() throws {
        let f = try IntakeFixture()
        let staging = try staging(f)
        let a = try receive(staging, f, sop: "1.2.3.1.1")
        _ = try f.importer.importStaged(staging.drainLanded())
        let paths = StagingPaths()
        // The record after the rename fails (a kill there): the intent stays, the paths are old.
        let (done, errors) = staging.finishQuietFolders(stableAge: 0, now: Date().addingTimeInterval(1),
                                                        renames: renames(f, paths, failAfterRename: true))
        #expect(done.isEmpty && errors.count == 1)
        #expect(try f.images().map(\.path) == [a] && f.database.stagingRenames().count == 1)
        let finished = try #require(try f.database.stagingRenames().first).to
        #expect(FileManager.default.fileExists(atPath: finished) && !FileManager.default.fileExists(atPath: a))
        // The next start: the rename happened, so the paths move and the series is queued.
        try intake(f, staging, paths: StagingPaths()).recoverRenames()
        #expect(try f.images().map(\.path) == [finished + "/1.2.3.1.1.dcm"])
        #expect(try f.database.stagingRenames().isEmpty)
        // Its import (the start-up rescan finds it) releases it.
        #expect(try f.importer.importFolder(finished).duplicates == 1)
        #expect(try f.database.stagedImageCount() == 0)

        // An intent whose rename never happened (the staging folder is still there) is dropped.
        let b = try receive(staging, f, sop: "1.2.3.1.2")
        _ = try f.importer.importStaged(staging.drainLanded())
        let folder = (b as NSString).deletingLastPathComponent
        try f.database.recordStagingRename(from: folder, to: f.data + "/never", now: Date())
        try intake(f, staging, paths: StagingPaths()).recoverRenames()
        #expect(try f.database.stagingRenames().isEmpty)
        #expect(try f.images().map(\.path).contains(b) && f.database.stagedImageCount() == 1)
    }

    /// A rename not recorded (the index failed after it) still sends readers to the new name.
    @Test func aRenameNotYetRecordedStillLeadsReadersToTheFiles() throws {
        let f = try IntakeFixture()
        let staging = try staging(f)
        let a = try receive(staging, f, sop: "1.2.3.1.1")
        _ = try f.importer.importStaged(staging.drainLanded())
        let paths = StagingPaths()
        _ = staging.finishQuietFolders(stableAge: 0, now: Date().addingTimeInterval(1), renames: renames(f, paths, failAfterRename: true))
        let current = paths.current(a)
        #expect(current != a && FileManager.default.fileExists(atPath: current))
    }

    @Test func aReaderWaitsForARenameAndARenameForTheReadersInProgress() throws {
        let paths = StagingPaths()
        let inside = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let order = OrderLog()
        DispatchQueue.global().async {
            paths.reading("/d/k.tmp1/a.dcm") { _ in
                inside.signal()
                release.wait()
                order.add("read")
            }
        }
        inside.wait()
        let renamed = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            paths.renaming { ((), [("/d/k.tmp1", "/d/k")]) }
            order.add("rename")
            renamed.signal()
        }
        Thread.sleep(forTimeInterval: 0.05)
        #expect(order.all.isEmpty)
        release.signal()
        renamed.wait()
        #expect(order.all == ["read", "rename"])
        #expect(paths.reading("/d/k.tmp1/a.dcm") { $0 } == "/d/k/a.dcm")
        #expect(paths.current("/d/k.tmp2/a.dcm") == "/d/k.tmp2/a.dcm")
    }

    final class OrderLog: @unchecked Sendable {
        private let lock = NSLock()
        private var entries: [String] = []
        func add(_ s: String) { lock.withLock { entries.append(s) } }
        var all: [String] { lock.withLock { entries } }
    }
}

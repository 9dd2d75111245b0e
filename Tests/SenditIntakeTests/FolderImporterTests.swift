#if canImport(Glibc)
import Glibc
#endif
import DICOMCore
import DICOMFile
import Foundation
@testable import SenditIntake
import Testing
import SenditIndex
import SenditIndexTestSupport
import IntakeTestSupport

@Suite struct FolderImporterTests {
    @Test func aFolderBecomesStudySeriesAndImageRowsWithOneJobPerSeries() throws {
        let f = try IntakeFixture()
        let folder = f.data + "/study"
        try f.instance(in: folder, series: "1.2.3.1", sop: "1.2.3.1.1")
        try f.instance(in: folder, series: "1.2.3.1", sop: "1.2.3.1.2")
        try f.instance(in: folder + "/nested/deeper", series: "1.2.3.2", sop: "1.2.3.2.1")
        let report = try f.importer.importFolder(folder)
        #expect(report.added == 3 && report.series == 2 && report.quarantined == 0 && report.complete)
        #expect(try f.contents.studies().count == 1)
        #expect(try f.contents.series().count == 2)
        #expect(try f.images().allSatisfy { $0.status == .new && $0.path.hasPrefix(folder + "/") })
        #expect(try f.images().map(\.size).allSatisfy { $0 > 64 })
        let jobs = try f.jobs()
        #expect(jobs.count == 2 && jobs.allSatisfy { $0.state == .queued && $0.stage == "process" })
        #expect(try f.contents.events().filter { $0.entity == "image" && $0.toStatus == ImageStatus.new.rawValue }.count == 3)
        #expect(try f.contents.importedFolders().count == 1)
    }

    /// An image's receipt is its file's time (when the C-STORE wrote it), not the import's.
    @Test func anImageIsRecordedAsReceivedWhenItsFileWasWritten() throws {
        let f = try IntakeFixture()
        let path = try f.instance(in: f.data + "/study", series: "1.2.3.1", sop: "1.2.3.1.1")
        let written = Date().addingTimeInterval(-120)
        try FileManager.default.setAttributes([.modificationDate: written], ofItemAtPath: path)
        _ = try f.importer.importFolder(f.data + "/study")
        let image = try #require(try f.images().first)
        let received = try #require(image.receivedAt)
        #expect(abs(received.timeIntervalSince(written)) < 0.01 && image.createdAt.timeIntervalSince(received) > 100)
    }

    @Test func importingTheSameFolderAgainAddsNothing() throws {
        let f = try IntakeFixture()
        let folder = f.data + "/study"
        for n in 1...5 { try f.instance(in: folder, sop: "1.2.3.1.\(n)") }
        _ = try f.importer.importFolder(folder)
        let again = try f.importer.importFolder(folder)
        #expect(again.added == 0 && again.duplicates == 5 && again.series == 0)
        #expect(try f.images().count == 5)
        #expect(try f.jobs().count == 1)
    }

    @Test func aReSentInstanceWithTheSameBytesIsIgnored() throws {
        let f = try IntakeFixture()
        let first = try f.instance(in: f.data + "/a", sop: "1.2.3.1.1")
        try FileManager.default.createDirectory(atPath: f.data + "/b", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: first, toPath: f.data + "/b/copy.dcm")
        _ = try f.importer.importFolder(f.data + "/a")
        let report = try f.importer.importFolder(f.data + "/b")
        #expect(report.duplicates == 1 && report.added == 0 && report.replaced == 0)
        #expect(try f.images().map(\.path) == [first])
    }

    @Test func aReSentInstanceWithOtherBytesReplacesTheOlderAndTheEventSaysSo() throws {
        let f = try IntakeFixture()
        let first = try f.instance(in: f.data + "/a", sop: "1.2.3.1.1", pixels: Array(repeating: 1, count: 64))
        _ = try f.importer.importFolder(f.data + "/a")
        // The first copy went through the pipeline already.
        let job = try #require(try f.queue.claimNext(owner: "w", stages: ["process"]))
        #expect(try f.queue.takeImages(for: job, from: [.new], to: .doneProcessing) == 1)
        try f.queue.complete(job, owner: "w", next: [])
        let second = try f.instance(in: f.data + "/b", sop: "1.2.3.1.1", pixels: Array(repeating: 2, count: 64))
        let report = try f.importer.importFolder(f.data + "/b")
        #expect(report.replaced == 1 && report.added == 0 && report.series == 1)
        let image = try #require(try f.images().first)
        #expect(image.path == second && image.status == .new)
        let reason = try f.contents.events().first {
            $0.entity == "image" && $0.fromStatus == ImageStatus.doneProcessing.rawValue && $0.toStatus == ImageStatus.new.rawValue
        }?.reason
        #expect(reason?.contains("replaced by a newer copy with a different data set") == true)
        #expect(reason?.contains(first) == true)
        #expect(try f.images().count == 1)
        #expect(try f.jobs().filter { $0.state == .queued }.count == 1)
    }

    @Test func filesThatAreNotImportableImagesAreQuarantinedWithTheirReason() throws {
        let f = try IntakeFixture()
        let folder = f.data + "/mixed"
        let good = try f.instance(in: folder, sop: "1.2.3.1.1")
        try Data("not dicom at all".utf8).write(to: URL(fileURLWithPath: folder + "/notes.txt"))
        let whole = try Data(contentsOf: URL(fileURLWithPath: good))
        try whole.prefix(whole.count - 20).write(to: URL(fileURLWithPath: folder + "/cut.dcm"))
        try f.instance(in: folder, name: "nostudy.dcm", study: nil, sop: "1.2.3.1.9")
        try f.instance(in: folder, name: "nosop.dcm", sop: nil)
        // The File Meta Information names an instance, the data set does not.
        var metaOnly = try Part10File.read(path: try f.instance(in: f.root + "/tmp", sop: "1.2.3.1.8"))
        metaOnly.dataSet.remove(.sopInstanceUID)
        try Part10Writer.write(metaOnly, to: folder + "/nosopindataset.dcm")
        try FileManager.default.createSymbolicLink(atPath: folder + "/link.dcm", withDestinationPath: good)
        try Data("hidden".utf8).write(to: URL(fileURLWithPath: folder + "/.DS_Store"))
        #expect(FileManager.default.createFile(atPath: folder + "/empty.dcm", contents: Data()))
        var directory = DataSet()
        directory.set(DataElement(tag: .sopClassUID, vr: .UI, string: UID.mediaStorageDirectoryStorage.rawValue))
        directory.set(DataElement(tag: .sopInstanceUID, vr: .UI, string: "1.2.3.99"))
        try Part10Writer.write(Part10File(dataSet: directory, transferSyntax: .explicitVRLittleEndian), to: folder + "/DICOMDIR")
        let report = try f.importer.importFolder(folder)
        #expect(report.added == 1 && report.quarantined == 8 && report.hiddenIgnored == 1)
        let rows = try f.contents.quarantined()
        let reasons = Dictionary(uniqueKeysWithValues: rows.map { ($0.fileName, $0.reason) })
        #expect(reasons["notes.txt"]?.contains("not readable as DICOM") == true)
        #expect(reasons["cut.dcm"]?.hasPrefix("truncated") == true)
        #expect(reasons["nostudy.dcm"] == "missing StudyInstanceUID")
        #expect(reasons["nosop.dcm"] == "missing SOPInstanceUID")
        #expect(reasons["nosopindataset.dcm"] == "missing SOPInstanceUID")
        #expect(reasons["link.dcm"]?.contains("symbolic link") == true)
        #expect(reasons["empty.dcm"] != nil)
        #expect(reasons["DICOMDIR"]?.contains("DICOMDIR") == true)
        for row in rows {
            #expect(row.moved && row.folder == folder)
            #expect(FileManager.default.fileExists(atPath: row.movedTo) && !FileManager.default.fileExists(atPath: row.sourcePath))
        }
        #expect(FileManager.default.fileExists(atPath: good) && FileManager.default.fileExists(atPath: folder + "/.DS_Store"))
        // Importing again finds nothing more to quarantine.
        #expect(try f.importer.importFolder(folder).quarantined == 0)
        #expect(try f.contents.quarantined().count == 8)
    }

    @Test func aQuarantineMoveCutShortByAKillIsFinishedAndNotRepeated() throws {
        let f = try IntakeFixture()
        let folder = f.data + "/junk"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data("junk".utf8).write(to: URL(fileURLWithPath: folder + "/junk.bin"))
        // The row committed; the kill came before the rename.
        let row = try #require(try f.database.recordQuarantine(path: folder + "/junk.bin", reason: "not DICOM", placement: f.quarantine.placement, now: Date()))
        // A second import before recovery records nothing new for the same file.
        _ = try f.importer.importFolder(folder)
        #expect(try f.contents.quarantined().count == 1)
        #expect(FileManager.default.fileExists(atPath: row.movedTo))
        #expect(f.quarantine.finishPendingMoves(f.database).moved == 0)
        // Another importer that read the folder before the move finds the file gone: no new row.
        let again = try f.database.recordQuarantine(path: folder + "/junk.bin", reason: "not DICOM", placement: f.quarantine.placement, now: Date())
        #expect(try again == nil && f.contents.quarantined().count == 1)
    }

    @Test func aTakenQuarantineNameGetsAnotherAndAFileThatCannotMoveStaysWithItsRow() throws {
        let f = try IntakeFixture()
        let folder = f.data + "/junk"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data("junk".utf8).write(to: URL(fileURLWithPath: folder + "/a.bin"))
        // Left from an earlier database whose row ids started at 1 too.
        try Data("older".utf8).write(to: URL(fileURLWithPath: f.quarantine.folder + "/1-a.bin"))
        let first = try f.importer.importFolder(folder)
        #expect(first.quarantined == 1 && first.complete)
        let row = try #require(try f.contents.quarantined().first)
        #expect(row.moved && row.movedTo == f.quarantine.folder + "/1-2-a.bin")
        #expect(try String(contentsOfFile: row.movedTo, encoding: .utf8) == "junk")
        #expect(try String(contentsOfFile: f.quarantine.folder + "/1-a.bin", encoding: .utf8) == "older")
        // The quarantine folder replaced by a file: moves fail; the import still completes, the
        // file stays where it is, its row says why, and a rescan does not record it again.
        try Data("b".utf8).write(to: URL(fileURLWithPath: folder + "/b.bin"))
        try FileManager.default.removeItem(atPath: f.quarantine.folder)
        try Data().write(to: URL(fileURLWithPath: f.quarantine.folder))
        let second = try f.importer.importFolder(folder)
        #expect(second.quarantined == 1 && second.leftInPlace.count == 1 && second.complete)
        #expect(FileManager.default.fileExists(atPath: folder + "/b.bin"))
        let left = try #require(try f.contents.quarantined().first { $0.fileName == "b.bin" })
        #expect(left.moved && left.movedTo == "" && left.reason.contains("left in place"))
        #expect(try f.importer.importFolder(folder).quarantined == 0)
        #expect(try f.contents.quarantined().count == 2)
    }

    @Test func anEntryThatCannotBeReadKeepsTheFolderForTheNextScan() throws {
        let f = try IntakeFixture()
        let folder = f.data + "/latin1"
        try f.instance(in: folder, sop: "1.2.3.1.1")
        // A file name in Latin-1 ("é" as one byte), not UTF-8.
        let name: [UInt8] = Array((folder + "/caf").utf8) + [0xE9] + Array(".dcm".utf8) + [0]
        let fd = name.withUnsafeBufferPointer { open(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), O_CREAT | O_WRONLY, 0o644) }
        #expect(fd >= 0)
        close(fd)
        let report = try f.importer.importFolder(folder)
        #expect(report.added == 1 && !report.complete && report.problems.first?.contains("not UTF-8") == true)
        #expect(try f.contents.importedFolders().count == 0)
    }

    @Test func theSameDataSetFromAnotherSenderIsADuplicateAndBothCopiesAreRecorded() throws {
        let f = try IntakeFixture()
        let first = try f.instance(in: f.data + "/a", sop: "1.2.3.1.1")
        _ = try f.importer.importFolder(f.data + "/a")
        // The same data set, received from another AE: its File Meta Information differs.
        var file = try Part10File.read(path: first)
        file.fileMetaInformation.set(DataElement(tag: .sourceApplicationEntityTitle, vr: .AE, string: "OTHERPACS"))
        try FileManager.default.createDirectory(atPath: f.data + "/b", withIntermediateDirectories: true)
        try Part10Writer.write(file, to: f.data + "/b/copy.dcm")
        #expect(try Data(contentsOf: URL(fileURLWithPath: first)) != Data(contentsOf: URL(fileURLWithPath: f.data + "/b/copy.dcm")))
        let report = try f.importer.importFolder(f.data + "/b")
        #expect(report.duplicates == 1 && report.replaced == 0)
        let copies = try f.contents.otherCopies()
        #expect(copies.map { "\($0.kind.rawValue) \($0.path)" } == ["duplicate " + f.data + "/b/copy.dcm"])
        // A different data set replaces, and the superseded file is recorded for clean-up.
        try f.instance(in: f.data + "/c", sop: "1.2.3.1.1", pixels: Array(repeating: 9, count: 64))
        #expect(try f.importer.importFolder(f.data + "/c").replaced == 1)
        #expect(try f.contents.otherCopies().filter { $0.kind == .superseded && $0.path == first }.count == 1)
    }

    @Test func aRecentlyModifiedFileWaitsEvenIfItReads() throws {
        let f = try IntakeFixture()
        var importer = f.importer
        importer.settle = 60
        try f.instance(in: f.data + "/fresh", sop: "1.2.3.1.1")
        let report = try importer.importFolder(f.data + "/fresh")
        #expect(report.added == 0 && report.deferred == 1 && !report.complete)
    }

    @Test func aFileTooRecentToJudgeIsLeftForTheNextScan() throws {
        let f = try IntakeFixture()
        var importer = f.importer
        importer.settle = 60
        let folder = f.data + "/copying"
        let old = try f.instance(in: folder, sop: "1.2.3.1.1")
        var times = [timespec(tv_sec: time(nil) - 3600, tv_nsec: 0), timespec(tv_sec: time(nil) - 3600, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, old, &times, 0) == 0)
        try Data("half a file".utf8).write(to: URL(fileURLWithPath: folder + "/partial.dcm"))
        let report = try importer.importFolder(folder)
        // Nothing of the folder is imported while one of its files may still be being written:
        // a series imported in part would be de-identified and sent without the rest.
        #expect(report.added == 0 && report.deferred == 2 && report.unsettled == 1 && report.quarantined == 0 && !report.complete)
        #expect(try f.contents.importedFolders().count == 0)
        #expect(try f.contents.studies().isEmpty)
        #expect(FileManager.default.fileExists(atPath: folder + "/partial.dcm"))
        // Once the last file has settled, the folder is judged whole.
        var later = [timespec(tv_sec: time(nil) - 3600, tv_nsec: 0), timespec(tv_sec: time(nil) - 3600, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, folder + "/partial.dcm", &later, 0) == 0)
        let again = try importer.importFolder(folder)
        #expect(again.added == 1 && again.quarantined == 1 && again.complete)
    }

    @Test func aFolderWhoseFilesKeptTheirTimesIsImportedWholeOrNotAtAll() throws {
        // `cp -p` or rsync keeps each file's time: part of a folder settles before the rest.
        let f = try IntakeFixture()
        var importer = f.importer
        importer.settle = 60
        let folder = f.data + "/rsynced"
        for n in 1...3 {
            let path = try f.instance(in: folder, sop: "1.2.3.1.\(n)")
            if n < 3 {
                var old = [timespec(tv_sec: time(nil) - 3600, tv_nsec: 0), timespec(tv_sec: time(nil) - 3600, tv_nsec: 0)]
                #expect(utimensat(AT_FDCWD, path, &old, 0) == 0)
            }
        }
        let report = try importer.importFolder(folder)
        #expect(report.added == 0 && report.series == 0 && report.unsettled == 1 && !report.complete)
        #expect(try f.jobs().isEmpty, "no stage queued for a series imported in part")
    }
}

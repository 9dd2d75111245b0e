import Foundation
import GRDB
@testable import Pipeline
import Testing

@Suite struct FolderImporterTests {
    @Test func aFolderBecomesStudySeriesAndImageRowsWithOneJobPerSeries() throws {
        let f = try PipelineFixture()
        let folder = f.data + "/study"
        try f.instance(in: folder, series: "1.2.3.1", sop: "1.2.3.1.1")
        try f.instance(in: folder, series: "1.2.3.1", sop: "1.2.3.1.2")
        try f.instance(in: folder + "/nested/deeper", series: "1.2.3.2", sop: "1.2.3.2.1")
        let report = try f.importer.importFolder(folder)
        #expect(report.added == 3 && report.series == 2 && report.quarantined == 0 && report.complete)
        #expect(try f.count("SELECT COUNT(*) FROM study") == 1)
        #expect(try f.count("SELECT COUNT(*) FROM series") == 2)
        #expect(try f.images().allSatisfy { $0.status == .new && $0.path.hasPrefix(folder + "/") })
        #expect(try f.images().map(\.size).allSatisfy { $0 > 64 })
        let jobs = try f.jobs()
        #expect(jobs.count == 2 && jobs.allSatisfy { $0.state == .queued && $0.stage == "process" })
        #expect(try f.count("SELECT COUNT(*) FROM event WHERE entity = 'image' AND toStatus = 'NEW'") == 3)
        #expect(try f.count("SELECT COUNT(*) FROM importedFolder") == 1)
    }

    @Test func importingTheSameFolderAgainAddsNothing() throws {
        let f = try PipelineFixture()
        let folder = f.data + "/study"
        for n in 1...5 { try f.instance(in: folder, sop: "1.2.3.1.\(n)") }
        _ = try f.importer.importFolder(folder)
        let again = try f.importer.importFolder(folder)
        #expect(again.added == 0 && again.duplicates == 5 && again.series == 0)
        #expect(try f.count("SELECT COUNT(*) FROM image") == 5)
        #expect(try f.jobs().count == 1)
    }

    @Test func aReSentInstanceWithTheSameBytesIsIgnored() throws {
        let f = try PipelineFixture()
        let first = try f.instance(in: f.data + "/a", sop: "1.2.3.1.1")
        try FileManager.default.createDirectory(atPath: f.data + "/b", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: first, toPath: f.data + "/b/copy.dcm")
        _ = try f.importer.importFolder(f.data + "/a")
        let report = try f.importer.importFolder(f.data + "/b")
        #expect(report.duplicates == 1 && report.added == 0 && report.replaced == 0)
        #expect(try f.images().map(\.path) == [first])
    }

    @Test func aReSentInstanceWithOtherBytesReplacesTheOlderAndTheEventSaysSo() throws {
        let f = try PipelineFixture()
        let first = try f.instance(in: f.data + "/a", sop: "1.2.3.1.1", pixels: Array(repeating: 1, count: 64))
        _ = try f.importer.importFolder(f.data + "/a")
        // The first copy went through the pipeline already.
        _ = try f.database.writer.write { db in
            try ImageTransition.move(db, seriesId: 1, from: [.new], to: .doneProcessing, reason: "test", at: Date())
        }
        _ = try f.queue.claimNext(owner: "w", stages: ["process"]).map { try f.queue.complete($0, owner: "w", next: nil) }
        let second = try f.instance(in: f.data + "/b", sop: "1.2.3.1.1", pixels: Array(repeating: 2, count: 64))
        let report = try f.importer.importFolder(f.data + "/b")
        #expect(report.replaced == 1 && report.added == 0 && report.series == 1)
        let image = try #require(try f.images().first)
        #expect(image.path == second && image.status == .new)
        let reason = try f.database.writer.read {
            try String.fetchOne($0, sql: "SELECT reason FROM event WHERE entity = 'image' AND fromStatus = 'DONEPROCESSING' AND toStatus = 'NEW'")
        }
        #expect(reason?.contains("replaced by a newer copy with different bytes") == true)
        #expect(reason?.contains(first) == true)
        #expect(try f.count("SELECT COUNT(*) FROM image") == 1)
        #expect(try f.jobs().filter { $0.state == .queued }.count == 1)
    }

    @Test func filesThatAreNotImportableImagesAreQuarantinedWithTheirReason() throws {
        let f = try PipelineFixture()
        let folder = f.data + "/mixed"
        let good = try f.instance(in: folder, sop: "1.2.3.1.1")
        try Data("not dicom at all".utf8).write(to: URL(fileURLWithPath: folder + "/notes.txt"))
        let whole = try Data(contentsOf: URL(fileURLWithPath: good))
        try whole.prefix(whole.count - 20).write(to: URL(fileURLWithPath: folder + "/cut.dcm"))
        try f.instance(in: folder, name: "nostudy.dcm", study: nil, sop: "1.2.3.1.9")
        try f.instance(in: folder, name: "nosop.dcm", sop: nil)
        try FileManager.default.createSymbolicLink(atPath: folder + "/link.dcm", withDestinationPath: good)
        try Data("hidden".utf8).write(to: URL(fileURLWithPath: folder + "/.DS_Store"))
        let report = try f.importer.importFolder(folder)
        #expect(report.added == 1 && report.quarantined == 5 && report.hiddenIgnored == 1)
        let rows = try f.database.writer.read { try QuarantineRecord.order(Column("fileName")).fetchAll($0) }
        let reasons = Dictionary(uniqueKeysWithValues: rows.map { ($0.fileName, $0.reason) })
        #expect(reasons["notes.txt"]?.contains("not readable as DICOM") == true)
        #expect(reasons["cut.dcm"]?.hasPrefix("truncated") == true)
        #expect(reasons["nostudy.dcm"] == "missing StudyInstanceUID")
        #expect(reasons["nosop.dcm"] == "missing SOPInstanceUID")
        #expect(reasons["link.dcm"]?.contains("symbolic link") == true)
        for row in rows {
            #expect(row.moved && row.folder == folder)
            #expect(FileManager.default.fileExists(atPath: row.movedTo) && !FileManager.default.fileExists(atPath: row.sourcePath))
        }
        #expect(FileManager.default.fileExists(atPath: good) && FileManager.default.fileExists(atPath: folder + "/.DS_Store"))
        // Importing again finds nothing more to quarantine.
        #expect(try f.importer.importFolder(folder).quarantined == 0)
        #expect(try f.count("SELECT COUNT(*) FROM quarantine") == 5)
    }

    @Test func aQuarantineMoveCutShortByAKillIsFinishedAndNotRepeated() throws {
        let f = try PipelineFixture()
        let folder = f.data + "/junk"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data("junk".utf8).write(to: URL(fileURLWithPath: folder + "/junk.bin"))
        // The row committed; the kill came before the rename.
        let row = try f.database.writer.write { db in
            try f.quarantine.record(db, path: folder + "/junk.bin", reason: "not DICOM", now: Date())
        }
        // A second import before recovery records nothing new for the same file.
        _ = try f.importer.importFolder(folder)
        #expect(try f.count("SELECT COUNT(*) FROM quarantine") == 1)
        #expect(FileManager.default.fileExists(atPath: row.movedTo))
        #expect(try f.quarantine.finishPendingMoves(f.database) == 0)
    }

    @Test func aFileTooRecentToJudgeIsLeftForTheNextScan() throws {
        let f = try PipelineFixture()
        var importer = f.importer
        importer.settle = 60
        let folder = f.data + "/copying"
        try f.instance(in: folder, sop: "1.2.3.1.1")
        try Data("half a file".utf8).write(to: URL(fileURLWithPath: folder + "/partial.dcm"))
        let report = try importer.importFolder(folder)
        #expect(report.added == 1 && report.deferred == 1 && report.quarantined == 0 && !report.complete)
        #expect(try f.count("SELECT COUNT(*) FROM importedFolder") == 0)
        #expect(FileManager.default.fileExists(atPath: folder + "/partial.dcm"))
    }
}

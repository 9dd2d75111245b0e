#if canImport(Glibc)
import Glibc
#endif
import DICOMNetwork
import Foundation
import Logging
@testable import Pipeline
@testable import SenditIntake
import SenditIndex
import SenditIndexTestSupport
import Testing

/// The receiver, the intake and the workers together, over loopback, with a real index.
@Suite(.serialized) struct IntakeTests {
    final class Node {
        let f: PipelineFixture
        let staging: StagingArea
        let server: DICOMServer
        let intake: Intake
        let workers: JobWorkers

        init(_ f: PipelineFixture, stableAge: TimeInterval = 0.3, rescanInterval: TimeInterval = 0.5) throws {
            self.f = f
            (staging, server) = try f.receiver()
            let workers = JobWorkers(queue: f.queue, handlers: [MarkProcessedStage()], count: 2, logger: PipelineFixture.silent)
            self.workers = workers
            intake = Intake(dataFolder: f.data, staging: staging, importer: f.importer, stableAge: stableAge,
                            rescanInterval: rescanInterval, logger: PipelineFixture.silent, jobsQueued: { workers.wake() })
            try intake.start()
            workers.start()
        }

        func stop() {
            server.stop()
            intake.stop()
            workers.stop(grace: 2)
            staging.unlock()
        }

        func send(_ paths: [String]) -> Int {
            let d = StorageSCU.Destination(host: "127.0.0.1", port: server.port, calledAETitle: "SENDIT", callingAETitle: "TEST")
            return StorageSCU.send(paths: paths, to: d).filter(\.succeeded).count
        }
    }

    /// Polls until `condition` holds or `seconds` pass.
    func eventually(_ seconds: Double = 10, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(20_000)
        }
        return try condition()
    }

    @Test func aReceivedStudyIsFinishedImportedAndProcessedAndALateInstanceOnlyAddsItself() throws {
        let f = try PipelineFixture()
        let node = try Node(f, stableAge: 1)
        defer { node.stop() }
        let source = f.root + "/source"
        let paths = try (1...4).map { try f.instance(in: source, sop: "1.2.3.1.\($0)") }
        #expect(node.send(paths) == 4)
        // Not before the stable age: still a staging folder.
        #expect(try f.images().count == 0)
        #expect(try eventually { try f.statuses().count == 4 && f.statuses().values.allSatisfy { $0 == .doneProcessing } })
        #expect(FileManager.default.fileExists(atPath: f.data + "/1.2.3"))
        #expect(try f.images().allSatisfy { $0.path.hasPrefix(f.data + "/1.2.3/") })
        // A late instance: a new staging folder, finished under a new name, same Study row; the
        // series is processed again for it alone.
        #expect(node.send([try f.instance(in: source, sop: "1.2.3.1.5")]) == 1)
        #expect(try eventually { try f.statuses().count == 5 && f.statuses().values.allSatisfy { $0 == .doneProcessing } })
        #expect(try f.contents.studies().count == 1)
        #expect(try f.images().first { $0.sopInstanceUID == "1.2.3.1.5" }?.path.hasPrefix(f.data + "/1.2.3-2/") == true)
        let processed = try f.contents.events().filter { $0.entity == "image" && $0.toStatus == ImageStatus.doneProcessing.rawValue }
        #expect(Dictionary(grouping: processed, by: \.entityId).values.allSatisfy { $0.count == 1 }, "no image processed twice")
        // (The last job's images are DONEPROCESSING a moment before the job itself is marked done.)
        #expect(try eventually { try f.jobs().map(\.state) == [.done, .done] })
    }

    @Test func aReceivedStudyIsImportedAtOnceAfterTheStableAgeWithoutWaitingToSettle() throws {
        let f = try PipelineFixture()
        f.importer.settle = 2   // the real default: hand-made folders wait 2 s
        let node = try Node(f, stableAge: 0.3, rescanInterval: 3600)
        defer { node.stop() }
        let paths = try (1...3).map { try f.instance(in: f.root + "/source", sop: "1.2.3.1.\($0)") }
        #expect(node.send(paths) == 3)
        let sent = Date()
        #expect(try eventually(5) { try f.statuses().count == 3 })
        let seconds = Date().timeIntervalSince(sent)
        #expect(seconds < 1.3, "rows \(seconds) s after the last instance (stable age 0.3 s)")
    }

    @Test func aFolderDroppedByTheRenameContractIsImported() throws {
        let f = try PipelineFixture()
        // No rescan after the first: inotify alone must see the rename.
        let node = try Node(f, rescanInterval: 3600)
        defer { node.stop() }
        let temporary = f.data + "/dropped.tmp"
        for n in 1...3 { try f.instance(in: temporary + "/sub", series: "9.8.7", sop: "9.8.7.\(n)") }
        usleep(700_000)
        // A .tmp folder of someone else's is never finished nor imported by sendit.
        #expect(try f.images().count == 0)
        #expect(FileManager.default.fileExists(atPath: temporary))
        #expect(rename(temporary, f.data + "/dropped") == 0)
        #expect(try eventually { try f.statuses().count == 3 && f.statuses().values.allSatisfy { $0 == .doneProcessing } })
    }

    @Test func aFolderCopiedWithCpThenRenamedIsImportedWithinASecondAndAnHoursOldTmpFolderNever() throws {
        let f = try PipelineFixture()
        let source = f.root + "/export"
        for n in 1...3 { try f.instance(in: source + "/nested/series", study: "5.6.7", series: "5.6.7.1", sop: "5.6.7.1.\(n)") }
        // Someone else's unfinished folder, untouched for hours: never imported, never renamed.
        let stale = f.data + "/forgotten.tmp"
        try f.instance(in: stale, study: "8.8.8", series: "8.8.8.1", sop: "8.8.8.1.1")
        var past = [timespec(tv_sec: time(nil) - 6 * 3600, tv_nsec: 0), timespec(tv_sec: time(nil) - 6 * 3600, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, stale + "/8.8.8.1.1.dcm", &past, 0) == 0)
        #expect(utimensat(AT_FDCWD, stale, &past, 0) == 0)
        let node = try Node(f, stableAge: 0.2, rescanInterval: 3600)
        defer { node.stop() }
        // cp -r into a .tmp name, then mv to the finished name (the seed system's contract).
        let copy = Process()
        copy.executableURL = URL(fileURLWithPath: "/bin/cp")
        copy.arguments = ["-r", source, f.data + "/export.tmp"]
        try copy.run()
        copy.waitUntilExit()
        #expect(copy.terminationStatus == 0)
        usleep(500_000)
        #expect(try f.images().count == 0)
        let renamed = Date()
        #expect(rename(f.data + "/export.tmp", f.data + "/export") == 0)
        #expect(try eventually(5) { try f.statuses().count == 3 })
        let seconds = Date().timeIntervalSince(renamed)
        #expect(seconds < 1, "imported \(seconds) s after the rename")
        #expect(try f.images().allSatisfy { $0.path.hasPrefix(f.data + "/export/nested/series/") })
        #expect(try eventually { try f.statuses().values.allSatisfy { $0 == .doneProcessing } })
        #expect(try f.statuses()["8.8.8.1.1"] == nil)
        #expect(FileManager.default.fileExists(atPath: stale + "/8.8.8.1.1.dcm"))
    }

    @Test func threeSeriesOfOneStudyOverThreeAssociationsApartAreOneStudyProcessedSeriesBySeries() throws {
        let f = try PipelineFixture()
        let node = try Node(f, stableAge: 0.3)
        defer { node.stop() }
        let source = f.root + "/source"
        for s in 1...3 {
            let paths = try (1...2).map { try f.instance(in: source, series: "1.2.3.\(s)", sop: "1.2.3.\(s).\($0)") }
            #expect(node.send(paths) == 2)
            // Apart: each association's folder is finished and processed before the next one.
            #expect(try eventually { try f.statuses().count == 2 * s && f.statuses().values.allSatisfy { $0 == .doneProcessing } })
        }
        #expect(try f.contents.studies().count == 1)
        #expect(try f.contents.series().count == 3)
        #expect(Set(try f.images().map { ($0.path as NSString).deletingLastPathComponent })
                == [f.data + "/1.2.3", f.data + "/1.2.3-2", f.data + "/1.2.3-3"])
        // One job per series, each done once; no image processed twice. (The last job's images
        // are DONEPROCESSING a moment before the job itself is marked done.)
        #expect(try eventually { try f.jobs().map(\.state) == [.done, .done, .done] })
        #expect(try f.contents.events().filter { $0.entity == "image" && $0.toStatus == ImageStatus.doneProcessing.rawValue }.count == 6)
    }

    @Test func afterARestartAStagingFolderKeepsItsStableClockFromItsNewestFile() throws {
        let f = try PipelineFixture()
        // Left by a killed node: a staging folder whose newest file is an hour old, and one just written.
        let old = f.data + "/1.2.3.tmp1a2b"
        try f.instance(in: old, sop: "1.2.3.1.1")
        var times = [timespec(tv_sec: time(nil) - 3600, tv_nsec: 0), timespec(tv_sec: time(nil) - 3600, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, old + "/1.2.3.1.1.dcm", &times, 0) == 0)
        #expect(utimensat(AT_FDCWD, old, &times, 0) == 0)
        let fresh = f.data + "/4.5.6.tmp3c"
        try f.instance(in: fresh, study: "4.5.6", series: "4.5.6.1", sop: "4.5.6.1.1")
        let node = try Node(f, stableAge: 30)
        defer { node.stop() }
        #expect(try eventually { try f.statuses()["1.2.3.1.1"] == .doneProcessing })
        #expect(FileManager.default.fileExists(atPath: f.data + "/1.2.3"))
        usleep(300_000)
        #expect(FileManager.default.fileExists(atPath: fresh))
        #expect(try f.statuses()["4.5.6.1.1"] == nil)
    }
}

#if canImport(Glibc)
import Glibc
#endif
import DICOMNetwork
import Foundation
@testable import Pipeline
@testable import SenditIntake
import SenditIndex
import SenditIndexTestSupport
import Synchronization
import Testing

/// DISK_MIN_FREE: the setting's syntax, the pure decision (`DiskWatermark`), the guard that
/// measures (with a fake statvfs), and the intake and the workers pausing while it says low.
@Suite struct DiskGuardTests {
    static let GB: Int64 = 1_000_000_000, MB: Int64 = 1_000_000

    @Test func theSettingsSyntax() {
        let valid: [(String, DiskWatermark)] = [
            ("auto", .automatic), (" AUTO ", .automatic), ("0", .off), ("5GB", .bytes(5 * Self.GB)), ("5 GB", .bytes(5 * Self.GB)),
            ("500mb", .bytes(500 * Self.MB)), ("1.5GiB", .bytes(1_610_612_736)), ("64MiB", .bytes(64 << 20)), ("100kB", .bytes(100_000)),
            ("4096B", .bytes(4096)), ("2TB", .bytes(2_000_000_000_000)), ("5%", .percent(5)), ("12.5 %", .percent(12.5)),
        ]
        for (text, expected) in valid { #expect(DiskWatermark(setting: text) == expected, "\(text)") }
        for text in ["", "5", "-5GB", "0GB", "5 parsecs", "GB", "5%%", "0%", "100%", "150%", "1e3MB", "inf GB", "nan%", "5..1GB",
                     "99999999TB", "5 G B", "."] {
            #expect(DiskWatermark(setting: text) == nil, "\(text) is accepted")
        }
    }

    @Test func theMinimumOfEachForm() {
        #expect(DiskWatermark.automatic.minimumFree(totalBytes: 10 * Self.GB) == 5 * Self.GB)   // the floor
        #expect(DiskWatermark.automatic.minimumFree(totalBytes: 1000 * Self.GB) == 50 * Self.GB)   // 5 %
        #expect(DiskWatermark.percent(10).minimumFree(totalBytes: 64 * Self.MB) == 6_400_000)
        #expect(DiskWatermark.bytes(40 * Self.MB).minimumFree(totalBytes: 64 * Self.MB) == 40 * Self.MB)
        #expect(DiskWatermark.off.minimumFree(totalBytes: 64 * Self.MB) == 0)
    }

    func samples(data: Int64?, outbox: Int64?, total: Int64 = 64 * MB) -> [DiskState.Sample] {
        [.init(name: "data folder", path: "/d", free: data, total: total), .init(name: "outbox", path: "/o", free: outbox, total: total)]
    }

    @Test func lowBelowTheMinimumBackOnlyAboveItWithAMargin() throws {
        let w = DiskWatermark.bytes(40 * Self.MB)
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let fine = w.evaluate(samples(data: 50 * Self.MB, outbox: 50 * Self.MB), previous: DiskState(), now: t0)
        #expect(!fine.isLow && fine.reason == nil && fine.since == nil)
        let low = w.evaluate(samples(data: 39 * Self.MB, outbox: 50 * Self.MB), previous: fine, now: t0 + 1)
        #expect(low.lowFolders == ["data folder"] && low.since == t0 + 1)
        let reason = try #require(low.reason)
        #expect(reason == "free disk space below DISK_MIN_FREE: data folder /d has 39.0 MB free of 64.0 MB, needs 40.0 MB")
        // Just above the minimum is not enough once low (2 % margin: 40.8 MB), and the time it
        // became low stays.
        let still = w.evaluate(samples(data: 40_500_000, outbox: 50 * Self.MB), previous: low, now: t0 + 2)
        #expect(still.lowFolders == ["data folder"] && still.since == t0 + 1)
        // Both low: both named.
        let both = w.evaluate(samples(data: 10 * Self.MB, outbox: 10 * Self.MB), previous: still, now: t0 + 3)
        #expect(both.lowFolders == ["data folder", "outbox"] && both.reason?.contains("outbox /o has 10.0 MB free") == true)
        let back = w.evaluate(samples(data: 41 * Self.MB, outbox: 41 * Self.MB), previous: both, now: t0 + 4)
        #expect(!back.isLow && back.since == nil)
        #expect(back.summary == "data folder 41.0 MB free (needs 40.0 MB), outbox 41.0 MB free (needs 40.0 MB)")
        // A folder that cannot be measured is not judged; off never is low.
        #expect(!w.evaluate(samples(data: nil, outbox: 50 * Self.MB), previous: back, now: t0 + 5).isLow)
        #expect(!DiskWatermark.off.evaluate(samples(data: 0, outbox: 0), previous: back, now: t0 + 5).isLow)
    }

    /// The fake statvfs: free bytes the test sets, 64 MB total; counts its calls.
    final class FakeDisk: Sendable {
        let free = Mutex<Int64>(50_000_000)
        let calls = Mutex(0)
        var measure: DiskGuard.Measure {
            { [self] _ in
                calls.withLock { $0 += 1 }
                return (free.withLock { $0 }, 64_000_000)
            }
        }
    }

    @Test func theGuardMeasuresAtMostOncePerIntervalUnlessAskedFreshAndTellsEachChange() {
        let disk = FakeDisk()
        let guardian = DiskGuard(watermark: .bytes(40 * Self.MB), folders: [("data folder", "/d")], logger: PipelineFixture.silent,
                                 measure: disk.measure)
        guardian.interval = 3600
        let changes = Mutex<[Bool]>([])
        guardian.observe { state in changes.withLock { $0.append(state.isLow) } }
        #expect(guardian.pause() == nil)
        disk.free.withLock { $0 = 1_000_000 }
        #expect(guardian.pause() == nil, "a measure younger than the interval is reused")
        #expect(disk.calls.withLock { $0 } == 1)
        #expect(guardian.refusal()?.hasPrefix("free disk space below DISK_MIN_FREE") == true, "the listener's question measures now")
        #expect(guardian.pause() != nil)
        disk.free.withLock { $0 = 45_000_000 }
        #expect(guardian.refusal() == nil)
        _ = guardian.refusal()
        #expect(changes.withLock { $0 } == [true, false], "one call per change")
    }

    /// A folder dropped while the disk is low is not imported, and a job queued then is not
    /// claimed; both go on by themselves once space returns.
    @Test(.timeLimit(.minutes(1))) func intakeAndWorkersWaitWhileLowAndResumeBySelf() throws {
        let f = try PipelineFixture()
        let disk = FakeDisk()
        disk.free.withLock { $0 = 1_000_000 }
        let guardian = DiskGuard(watermark: .bytes(40 * Self.MB), folders: [("data folder", f.data)], logger: PipelineFixture.silent,
                                 measure: disk.measure)
        guardian.interval = 0.05
        let workers = JobWorkers(queue: f.queue, handlers: [MarkProcessedStage()], count: 1, logger: PipelineFixture.silent)
        workers.idlePoll = 0.05
        workers.pausedBecause = { guardian.pause() }
        let intake = Intake(dataFolder: f.data, staging: nil, importer: f.importer, stableAge: 0.3, rescanInterval: 3600,
                            logger: PipelineFixture.silent, jobsQueued: { workers.wake() })
        intake.tick = 0.02
        intake.pausedBecause = { guardian.pause() }
        try intake.start()
        workers.start()
        defer {
            intake.stop()
            workers.stop(grace: 2)
        }
        // A job already queued (imported by hand, as `sendit import` would) waits too.
        for n in 1...2 { try f.instance(in: f.root + "/byhand", series: "7.7.7", sop: "7.7.7.\(n)") }
        _ = try f.importer.importFolder(f.root + "/byhand")
        for n in 1...3 { try f.instance(in: f.data + "/dropped.tmp", series: "9.8.7", sop: "9.8.7.\(n)") }
        #expect(rename(f.data + "/dropped.tmp", f.data + "/dropped") == 0)
        usleep(800_000)
        #expect(try f.images().count == 2, "nothing imported while low")
        #expect(try f.statuses().values.allSatisfy { $0 == .new }, "no job claimed while low")
        disk.free.withLock { $0 = 50_000_000 }
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, try !(f.statuses().count == 5 && f.statuses().values.allSatisfy { $0 == .doneProcessing }) {
            usleep(20_000)
        }
        #expect(try f.statuses().count == 5)
        #expect(try f.statuses().values.allSatisfy { $0 == .doneProcessing })
    }
}

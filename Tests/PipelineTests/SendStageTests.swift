#if canImport(Glibc)
import Glibc
#endif
import DICOMCore
import DICOMFile
import DICOMNetwork
import Deidentify
import Foundation
import Logging
@testable import Pipeline
@testable import RemoteServices
import Synchronization
import Testing
import SenditIndex
import SenditIndexTestSupport
import SenditIntake

/// The send stage and the clean-up on a real index and outbox, sending to real DICOM listeners
/// (sendit's own SCP) over loopback.
@Suite(.serialized) struct SendStageTests {
    /// A DICOM listener standing in for a destination: it stores what it receives in its data
    /// folder.
    final class Destination {
        let folder: String
        let server: DICOMServer
        var port: Int { server.port }

        init(port: Int = 0, acceptUnknown: Bool = true) throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("sendit-dest-\(UUID().uuidString)").path
            var c = ServerConfiguration()
            c.port = port
            c.bindAddress = "127.0.0.1"
            c.dataFolder = folder
            c.shutdownGrace = 1
            c.sync = false
            c.checkCalledAETitle = false
            c.acceptUnknownSOPClasses = acceptUnknown
            server = DICOMServer(configuration: c, staging: try StagingArea(dataFolder: c.dataFolder, sync: c.sync),
                                 logger: PipelineFixture.silent)
            try server.start()
        }

        deinit {
            server.stop()
            try? FileManager.default.removeItem(atPath: folder)
        }

        /// Every file it stored, with its bytes.
        func received() -> [(path: String, bytes: [UInt8])] {
            var out: [(String, [UInt8])] = []
            let e = FileManager.default.enumerator(atPath: folder)
            while let p = e?.nextObject() as? String {
                guard p.hasSuffix(".dcm") else { continue }
                out.append((folder + "/" + p, [UInt8](FileManager.default.contents(atPath: folder + "/" + p) ?? Data())))
            }
            return out
        }
    }

    /// A port nothing listens on.
    static func closedPort() throws -> Int {
        let d = try Destination()
        let port = d.port
        d.server.stop()
        return port
    }

    final class Node {
        let f: PipelineFixture
        let outbox: Outbox
        let queue: JobQueue
        let destinations: [DeliveryDestination]
        /// The burned-in rules of the de-identify stage.
        var rules = BurnedInRules.standard
        /// The bell the de-identify stage rings (nil: the process's).
        var bell: HandOverBell?

        init(_ destinations: [(String, Int)], verifier: OrthancREST? = nil) throws {
            f = try PipelineFixture(firstStage: "identify")
            outbox = try Outbox(folder: f.root + "/var/outbox", sync: false)
            self.destinations = destinations.map { name, port in
                var d = StorageSCU.Destination(host: "127.0.0.1", port: port, calledAETitle: "DEST", callingAETitle: "SENDIT")
                d.connectTimeout = 2
                return DeliveryDestination(name: name, dicom: d, verification: verifier.map { .orthancREST($0) } ?? .none)
            }
            let send = RetryPolicy(maxAttempts: 1_000_000, baseDelay: 0.2, maximumDelay: 0.4, lease: 30)
            queue = JobQueue(database: f.database, policy: RetryPolicy(maxAttempts: 3, baseDelay: 0.2, maximumDelay: 1, lease: 30),
                             workingStatuses: ["identify": .processing, "deidentify": .processing],
                             stagePolicies: Dictionary(uniqueKeysWithValues: self.destinations.map { ($0.stage, send) }))
        }

        var stages: [any StageHandler] {
            let hash = KeyedHash(key: [UInt8](repeating: 5, count: 32))
            let engine = Deidentifier(settings: .standard, uids: UIDRemapper(hash: hash))
            var deidentify = DeidentifyStage(engine: engine, outbox: outbox, rules: rules)
            deidentify.nextStages = destinations.map(\.stage)
            if let bell { deidentify.bell = bell }
            let names = destinations.map(\.name)
            return [IdentifyStage(provider: LocalIdentifiersProvider(pseudonymizer: LocalPseudonymizer(hash: hash)), hash: hash), deidentify]
                + destinations.map { SendStage(destination: $0, destinations: names) }
        }

        var retention: Retention {
            Retention(database: f.database, dataFolder: f.data, outboxFolder: outbox.folder, destinations: destinations.map(\.name),
                      policy: .immediately)
        }

        /// Runs the workers (with `handlers`, by default every stage) until `condition` holds
        /// (true) or `seconds` pass (false).
        func run(until condition: () throws -> Bool, seconds: Double = 15, handlers: [any StageHandler]? = nil) throws -> Bool {
            let workers = JobWorkers(queue: queue, handlers: handlers ?? stages, count: 2, logger: PipelineFixture.silent)
            workers.idlePoll = 0.02
            workers.start()
            defer { workers.stop(grace: 3) }
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if try condition() { return true }
                usleep(20_000)
            }
            return try condition()
        }

        func allDone(_ n: Int) throws -> Bool {
            try f.images(.done).count == n
        }

        /// Two series of three instances in one study folder, imported.
        func importStudy(sopClass: String? = nil, folder: String? = nil) throws -> [String] {
            let folder = folder ?? f.data + "/study"
            var paths: [String] = []
            for s in 1...2 {
                for n in 1...3 {
                    paths.append(try f.instance(in: folder, series: "1.2.3.\(s)", sop: "1.2.3.\(s).\(n)"))
                }
            }
            if let sopClass {
                for path in paths {
                    var file = try Part10File.read(path: path)
                    file.dataSet.set(DataElement(tag: .sopClassUID, vr: .UI, string: sopClass))
                    file.fileMetaInformation.set(DataElement(tag: .mediaStorageSOPClassUID, vr: .UI, string: sopClass))
                    try Part10Writer.write(file, to: path)
                }
            }
            _ = try f.importer.importFolder(folder)
            return paths
        }
    }

    @Test func everyImageReachesTheDestinationDeidentifiedIsDoneAndIsThenCleanedUp() throws {
        let dest = try Destination()
        let node = try Node([("a", dest.port)])
        let originals = try node.importStudy()
        #expect(try node.run(until: { try node.allDone(6) }))
        #expect(try node.f.contents.deliveries().filter { $0.destination == "a" && $0.state == .done && $0.dimseStatus == 0 }.count == 6)
        // The destination holds the de-identified copies, exactly: their new SOP Instance UIDs,
        // and none of the original values.
        let received = dest.received()
        #expect(received.count == 6)
        let newUIDs = Set(try node.f.contents.deidentifiedCopies().map(\.sopInstanceUID))
        var receivedUIDs = Set<String>()
        for (path, bytes) in received {
            receivedUIDs.insert(try Part10File.read(path: path).sopInstanceUID?.rawValue ?? "")
            for phi in ["Simpson", "1.2.3.1.", "1.2.3.2."] {
                #expect(!bytes.containsBytes(Array(phi.utf8)), "\(phi) in \(path)")
            }
        }
        #expect(receivedUIDs == newUIDs)
        // Clean-up: originals and outbox copies go; a summary per series stays.
        let report = try node.retention.sweep()
        #expect(report.images == 6 && report.series == 2 && report.problems.isEmpty)
        for path in originals { #expect(!FileManager.default.fileExists(atPath: path)) }
        #expect(!FileManager.default.fileExists(atPath: node.f.data + "/study"))
        #expect((try? FileManager.default.contentsOfDirectory(atPath: node.outbox.folder))?.filter { !$0.hasPrefix(".") } == [])
        #expect(try node.f.images().count == 0)
        #expect(try node.f.contents.series().count == 0)
        #expect(try node.f.contents.studies().count == 0)
        #expect(try node.f.contents.seriesSummaries().filter { $0.destinations == "a" }.map(\.images).reduce(0, +) == 6)
        #expect(try node.f.contents.seriesSummaries().filter { $0.deliveredAt != nil }.count == 2)
        #expect(try node.f.contents.events().filter { $0.entity == "cleanup" }.count == 6)
    }

    @Test func aDestinationThatIsDownIsRetriedAndNothingIsRemovedUntilEveryDestinationHasIt() throws {
        let up = try Destination()
        let downPort = try Self.closedPort()
        let node = try Node([("up", up.port), ("down", downPort)])
        let originals = try node.importStudy()
        // "up" has every image; "down" keeps failing, so no image is SENT, let alone DONE.
        #expect(try node.run(until: {
            try node.f.contents.deliveries().filter { $0.destination == "up" && $0.state == .done }.count == 6
                && node.f.jobs().filter { $0.stage == "send:down" && $0.state == .queued && $0.attempts >= 2 }.count == 2
        }))
        #expect(try node.f.images(.doneProcessing).count == 6)
        let retrying = try DeliverySummary.read(node.f.database, destinations: node.destinations.map(\.indexed))
        let down = try #require(retrying.destinations.first { $0.name == "down" })
        #expect(down.retrying.count == 2 && down.retrying.allSatisfy { ($0.lastError ?? "").contains("down:") })
        #expect(try node.retention.sweep().images == 0)
        for path in originals { #expect(FileManager.default.fileExists(atPath: path)) }
        // The destination comes up on its port: the next try delivers, and only then is it all DONE.
        let late = try Destination(port: downPort)
        #expect(try node.run(until: { try node.allDone(6) }))
        #expect(late.received().count == 6)
        #expect(up.received().count == 6, "the destination that had them got nothing twice")
        #expect(try node.retention.sweep().images == 6)
    }

    /// A corrected instance (same SOP Instance UID, another data set) arriving after the first
    /// was delivered: the destinations' records were about the old copy, so the new one is
    /// de-identified and delivered again before it can be DONE (and its original removed).
    @Test func aCorrectedInstanceIsDeliveredAgain() throws {
        let dest = try Destination()
        let node = try Node([("a", dest.port)])
        _ = try node.importStudy()
        #expect(try node.run(until: { try node.allDone(6) }))
        let first = try node.f.contents.deliveries().compactMap(\.sentAt).max()
        try node.f.instance(in: node.f.data + "/corrected", series: "1.2.3.1", sop: "1.2.3.1.1", pixels: Array(repeating: 9, count: 64))
        _ = try node.f.importer.importFolder(node.f.data + "/corrected")
        #expect(try node.f.statuses()["1.2.3.1.1"] == .new)
        #expect(try node.f.contents.deliveries().count == 5, "the old copy's record is gone")
        #expect(try node.retention.sweep().images == 5, "the corrected image is not removed before it is delivered")
        #expect(try node.run(until: { try node.f.images(.done).count == 1 }))
        let again = try node.f.contents.deliveries().first?.sentAt
        #expect(again != nil && first != nil && again! > first!)
        let newUID = try node.f.contents.deidentifiedCopies().first?.sopInstanceUID ?? "?"
        let copies = try dest.received().filter { try Part10File.read(path: $0.path).sopInstanceUID?.rawValue == newUID }
        #expect(!copies.isEmpty)
        #expect(copies.contains { Array($0.bytes.suffix(64)) == Array(repeating: 9, count: 64) }, "the destination got the corrected pixels")
    }

    /// A node whose two series are de-identified (no send job has run), and one series' send
    /// job, claimed, with that series' image ids.
    func deidentifiedSeries(_ node: Node) throws -> (JobRecord, [Int64]) {
        _ = try node.importStudy()
        // De-identify only (no send stage in the workers' hands).
        #expect(try node.run(until: { try node.f.images(.doneProcessing).count == 6 },
                             handlers: Array(node.stages.prefix(2))))
        let job = try #require(try node.queue.claimNext(owner: "test", stages: ["send:a"]))
        let ids = try node.f.database.images(seriesId: job.seriesId).compactMap(\.id).sorted()
        return (job, ids)
    }

    /// Runs the claimed send job. At each lease renewal (before each round's sending, after each
    /// batch of answers is recorded) `change` runs on the index, until it says it changed
    /// something. Returns whether it did.
    func runSendJob(_ node: Node, _ record: JobRecord, changeOnce change: @escaping @Sendable (IndexDatabase) throws -> Bool) throws -> Bool {
        let database = node.f.database
        let changed = Mutex(false)
        let job = StageJob(job: record, database: database, renewLease: {
            guard !changed.withLock({ $0 }) else { return }
            if try change(database) { changed.withLock { $0 = true } }
        })
        try SendStage(destination: node.destinations[0], destinations: ["a"]).run(job)
        return changed.withLock { $0 }
    }

    func queuedSendJobs(_ node: Node, series: Int64) throws -> Int {
        try node.f.database.jobs(seriesId: series).filter { $0.stage == "send:a" && $0.state == .queued }.count
    }

    /// Images de-identified while a round is being sent go out in the same job, before its one
    /// verification: the job does not end with them still waiting.
    @Test(.timeLimit(.minutes(1))) func imagesReadyWhileARoundIsSentGoInTheSameJob() throws {
        let dest = try Destination()
        let node = try Node([("a", dest.port)])
        let (record, ids) = try deidentifiedSeries(node)
        #expect(ids.count == 3)
        // Two of the series' three images are "still being de-identified" when the job starts;
        // they are ready once the job has begun its first round.
        try node.f.database.forceStatus(.processing, imageIds: [ids[1], ids[2]])
        #expect(try runSendJob(node, record) { database in
            try database.forceStatus(.doneProcessing, imageIds: [ids[1], ids[2]])
            return true
        })
        #expect(try node.f.contents.deliveries().filter { ids.contains($0.imageId) }.count == 3)
        #expect(try node.f.images(.done).filter { ids.contains($0.id ?? -1) }.count == 3)
        #expect(dest.received().count == 3)
        #expect(try queuedSendJobs(node, series: record.seriesId) == 0)
    }

    /// An image whose record is withdrawn after this job sent it (a late Storage Commitment
    /// failure does that) is not sent again in a loop by this job, nor forgotten: a job is queued.
    @Test(.timeLimit(.minutes(1))) func anImagePendingAgainAfterItWasSentGetsAJobOfItsOwn() throws {
        let dest = try Destination()
        let node = try Node([("a", dest.port)])
        let (record, ids) = try deidentifiedSeries(node)
        // Withdrawn as soon as it is recorded (as a destination that does not show it withdraws it).
        #expect(try runSendJob(node, record) { database in
            guard try database.contents.deliveries().filter({ $0.imageId == ids[0] }).count == 1 else { return false }
            try database.recordVerification(destination: "a", shown: [(imageId: ids[0], present: false)])
            return true
        })
        #expect(dest.received().count == 3)
        #expect(try node.f.contents.deliveries().filter { $0.imageId == ids[0] }.count == 0)
        #expect(try queuedSendJobs(node, series: record.seriesId) == 1)
    }

    /// An image replaced by a newer copy while a round sends its old one (imported again with
    /// another data set; de-identified again already, or not yet) gets no record from that
    /// round: the record would say the new copy is delivered.
    @Test(.timeLimit(.minutes(1)), arguments: [false, true])
    func anImageReplacedDuringItsRoundGetsNoRecordFromIt(deidentifiedAgain: Bool) throws {
        let dest = try Destination()
        let node = try Node([("a", dest.port)])
        let (record, ids) = try deidentifiedSeries(node)
        // The first lease renewal comes after the round has read what to send, before it sends.
        #expect(try runSendJob(node, record) { database in
            if deidentifiedAgain {
                // A newer copy recorded (as the de-identify stage records one).
                let copy = try #require(try database.contents.deidentifiedCopies().first { $0.imageId == ids[0] })
                try database.recordDeidentified([.placed(copy.copy)], now: Date().addingTimeInterval(3600))
            } else {
                // Imported again with another data set.
                try database.forceStatus(.new, imageIds: [ids[0]])
            }
            return true
        })
        #expect(dest.received().count == 3)
        #expect(try node.f.contents.deliveries().filter { $0.imageId == ids[0] }.count == 0)
        #expect(try node.f.contents.deliveries().filter { [ids[1], ids[2]].contains($0.imageId) }.count == 2)
        // De-identified again: this job queues a send for the new copy (otherwise the new copy's
        // de-identify job will).
        #expect(try queuedSendJobs(node, series: record.seriesId) == (deidentifiedAgain ? 1 : 0))
    }

    /// A job with `linger` whose series is still being de-identified waits for the next images
    /// (woken as they are recorded), sends them in the same job, and ends as soon as the series
    /// is whole, not a linger later.
    @Test(.timeLimit(.minutes(1))) func aLingeringJobSendsTheSeriesAsItComesAndEndsWhenItIsWhole() throws {
        let dest = try Destination()
        let node = try Node([("a", dest.port)])
        let (record, ids) = try deidentifiedSeries(node)
        // The other series' send job is running elsewhere: not due, so this job may linger.
        _ = try node.queue.claimNext(owner: "elsewhere", stages: ["send:a"])
        try node.f.database.forceStatus(.processing, imageIds: [ids[1], ids[2]])
        let bell = HandOverBell()
        var stage = SendStage(destination: node.destinations[0], destinations: ["a"])
        stage.linger = 5
        stage.bell = bell
        let job = StageJob(job: record, database: node.f.database, renewLease: {})
        let lingering = stage
        let ended = Mutex<Date?>(nil)
        let failure = Mutex<String?>(nil)
        Thread.detachNewThread {
            do { try lingering.run(job) } catch { failure.withLock { $0 = "\(error)" } }
            ended.withLock { $0 = Date() }
        }
        func waitFor(_ n: Int) throws -> Bool {
            for _ in 0..<200 where dest.received().count < n { usleep(20_000) }
            return dest.received().count == n
        }
        #expect(try waitFor(1))
        for id in [ids[1], ids[2]] {
            usleep(300_000)
            #expect(ended.withLock { $0 } == nil, "still waiting for the rest of its series")
            try node.f.database.forceStatus(.doneProcessing, imageIds: [id])
            bell.ring()
        }
        let whole = Date()
        for _ in 0..<200 where ended.withLock({ $0 }) == nil { usleep(20_000) }
        let end = try #require(ended.withLock { $0 })
        #expect(failure.withLock { $0 } == nil)
        #expect(end.timeIntervalSince(whole) < 2, "ended when the series was whole: \(end.timeIntervalSince(whole)) s")
        #expect(dest.received().count == 3, "each image sent once")
        #expect(try node.f.images(.done).filter { ids.contains($0.id ?? -1) }.count == 3)
    }

    /// The de-identify stage rings its bell as it records copies, so a lingering job wakes.
    @Test(.timeLimit(.minutes(1))) func theDeidentifyStageRingsItsBell() throws {
        let dest = try Destination()
        let node = try Node([("a", dest.port)])
        let bell = HandOverBell()
        node.bell = bell
        _ = try deidentifiedSeries(node)
        #expect(bell.count >= 2, "two series de-identified: \(bell.count) rings")
    }

    /// Another series' job of the stage is due: the job does not linger (the worker is theirs).
    @Test(.timeLimit(.minutes(1))) func aJobDoesNotLingerWhileAnotherSeriesWaits() throws {
        let dest = try Destination()
        let node = try Node([("a", dest.port)])
        let (record, ids) = try deidentifiedSeries(node)
        try node.f.database.forceStatus(.processing, imageIds: [ids[1], ids[2]])
        var stage = SendStage(destination: node.destinations[0], destinations: ["a"])
        stage.linger = 5
        let started = Date()
        try stage.run(StageJob(job: record, database: node.f.database, renewLease: {}))
        #expect(Date().timeIntervalSince(started) < 3, "did not wait \(Date().timeIntervalSince(started)) s")
        #expect(dest.received().count == 1)
    }

    @Test func anImageWithoutADeidentifiedCopyIsNeverSent() throws {
        let dest = try Destination()
        let node = try Node([("a", dest.port)])
        _ = try node.importStudy()
        // Every image marked de-identified by a stage that made no copy in the outbox: the
        // sender reads only the outbox, so it has nothing to send.
        while let job = try node.queue.claimNext(owner: "test", stages: ["identify"]) {
            _ = try node.queue.takeImages(for: job, from: [.new], to: .doneProcessing)
            try node.queue.complete(job, owner: "test", next: ["send:a"])
        }
        #expect(try node.f.images(.doneProcessing).count == 6)
        #expect(try node.run(until: { try node.f.jobs().filter { $0.stage == "send:a" && $0.state == .done }.count == 2 }))
        #expect(dest.received().isEmpty)
        #expect(try node.f.contents.deliveries().count == 0)
        #expect(try node.retention.sweep().images == 0)
    }

    @Test func aRefusedImageIsFailedWithTheReasonAndTheRestGoOn() throws {
        // The destination accepts no unknown SOP class: the contexts of these images are rejected.
        let dest = try Destination(acceptUnknown: false)
        let node = try Node([("a", dest.port)])
        // A class no burned-in rule allows: a site's rule lets it through to the destination.
        node.rules = try BurnedInRules.parse("allow test-class if SOPClassUID is 1.2.826.0.1.3680043.9.9999.1\nhold rest otherwise\n")
        _ = try node.importStudy(sopClass: "1.2.826.0.1.3680043.9.9999.1")
        #expect(try node.run(until: { try node.f.images(.failed).count == 6 }))
        let reasons = try node.f.images().map { $0.statusReason ?? "" }
        #expect(reasons.allSatisfy { $0.contains("a refused it: no presentation context accepted") }, "\(reasons)")
        #expect(try node.f.contents.deliveries().filter { $0.state == .failed }.count == 6)
        #expect(try node.f.jobs().filter { $0.stage == "send:a" && $0.state == .done }.count == 2)
        #expect(try node.retention.sweep().images == 0)
    }

    @Test func aDestinationThatAnswersSuccessButDoesNotShowTheImageIsRetried() throws {
        let dest = try Destination()
        let rest = try EmptyOrthanc()
        let node = try Node([("a", dest.port)], verifier: OrthancREST(url: URL(string: "http://127.0.0.1:\(rest.port)")!))
        _ = try node.importStudy()
        #expect(try node.run(until: {
            try node.f.jobs().filter { $0.stage == "send:a" && $0.state == .queued && $0.attempts >= 2 }.count == 2
        }))
        #expect(try node.f.images(.done).count == 0)
        #expect(try node.f.contents.events().filter { $0.entity == "delivery" && $0.toStatus == "unsent" }.count >= 6)
        let errors = try node.f.jobs().filter { $0.stage == "send:a" }.map { $0.lastError ?? "" }
        #expect(errors.allSatisfy { $0.contains("does not show") }, "\(errors)")
        #expect(try node.retention.sweep().images == 0)
    }

    @Test func retentionKeepsWhatIsNotOldEnoughAndWhatIsOutsideTheDataFolder() throws {
        let dest = try Destination()
        let node = try Node([("a", dest.port)])
        // Imported from a folder of a person's (`sendit import /somewhere`), not the data folder.
        let originals = try node.importStudy(folder: node.f.root + "/elsewhere")
        #expect(try node.run(until: { try node.allDone(6) }))
        let week = Retention(database: node.f.database, dataFolder: node.f.data, outboxFolder: node.outbox.folder,
                         destinations: ["a"], policy: .after(days: 7))
        #expect(try week.sweep().images == 0)
        #expect(try week.sweep(now: Date().addingTimeInterval(8 * 86_400)).images == 6)
        for path in originals { #expect(FileManager.default.fileExists(atPath: path), "an original outside the data folder stays") }
        #expect((try? FileManager.default.contentsOfDirectory(atPath: node.outbox.folder))?.filter { !$0.hasPrefix(".") } == [])
    }

    /// A file clean-up cannot remove keeps its image (and says why), and, skipped by the next
    /// sweeps, does not hold up the others.
    @Test func aFileThatCannotBeRemovedKeepsItsImageAndHoldsUpNoOther() throws {
        let dest = try Destination()
        let node = try Node([("a", dest.port)])
        _ = try node.importStudy()
        #expect(try node.run(until: { try node.allDone(6) }))
        // The first image's original is "inside" a regular file: unlink fails (ENOTDIR), even as root.
        let blocker = node.f.data + "/blocker"
        #expect(FileManager.default.createFile(atPath: blocker, contents: Data()))
        let firstId = try #require(try node.f.images().compactMap(\.id).min())
        try node.f.database.forcePath(blocker + "/x.dcm", imageId: firstId)
        let first = try node.retention.sweep(limit: 1)
        #expect(first.images == 0 && first.keptImageIds == [firstId] && first.problems.first?.contains("x.dcm") == true)
        let next = try node.retention.sweep(limit: 1, skipping: first.keptImageIds)
        #expect(next.images == 1)
        #expect(try node.f.images().filter { $0.id == firstId }.count == 1, "the image whose file stays is kept")
    }

    @Test func retentionNeverIsNeverAndKeepsEverything() throws {
        let dest = try Destination()
        let node = try Node([("a", dest.port)])
        let originals = try node.importStudy()
        #expect(try node.run(until: { try node.allDone(6) }))
        let never = Retention(database: node.f.database, dataFolder: node.f.data, outboxFolder: node.outbox.folder,
                              destinations: ["a"], policy: .never)
        #expect(try never.sweep(now: Date().addingTimeInterval(1e9)).images == 0)
        for path in originals { #expect(FileManager.default.fileExists(atPath: path)) }
        #expect(try node.f.contents.deidentifiedCopies().count == 6)
    }
}

/// An Orthanc REST API that holds nothing: /tools/find answers an empty list (or, given,
/// `status` and `body`).
final class EmptyOrthanc {
    let process = Process()
    let port: Int

    init(status: Int = 200, body: String = "[]") throws {
        let python = ProcessInfo.processInfo.environment["SENDIT_PYTHON"] ?? "/usr/bin/python3"
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", """
            import http.server, sys
            class H(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    self.rfile.read(int(self.headers.get('Content-Length', 0)))
                    body = sys.argv[2].encode()
                    self.send_response(int(sys.argv[1]) if self.path == '/tools/find' else 404)
                    self.send_header('Content-Type', 'application/json'); self.send_header('Content-Length', str(len(body))); self.end_headers()
                    self.wfile.write(body)
                def log_message(self, *a): pass
            s = http.server.HTTPServer(('127.0.0.1', 0), H)
            print(s.server_address[1], flush=True)
            s.serve_forever()
            """, String(status), body]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        guard let p = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw CocoaError(.fileReadUnknown) }
        port = p
    }

    deinit {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

extension Array where Element == UInt8 {
    func containsBytes(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        for i in 0...(count - needle.count) where self[i] == needle[0] {
            if Array(self[i..<(i + needle.count)]) == needle { return true }
        }
        return false
    }
}

import DICOMCore
import DICOMFile
import Deidentify
import Foundation
import Logging
@testable import Pipeline
import Synchronization
import Testing
import SenditIndex
import SenditIndexTestSupport

/// The identify and de-identify stages on a real index, outbox and job workers.
@Suite struct DeidentifyStagesTests {
    /// The local pseudonymizer, counting the requests it answers.
    final class CountingProvider: IdentifiersProvider {
        let local = LocalIdentifiersProvider(pseudonymizer: LocalPseudonymizer(hash: KeyedHash(key: [UInt8](repeating: 3, count: 32))))
        let calls = Mutex(0)
        var name: String { "counting" }
        func identifiers(for request: IdentifiersRequest) throws -> IdentifiersResponse {
            calls.withLock { $0 += 1 }
            return try local.identifiers(for: request)
        }
    }

    /// The node's key (DEID_KEY).
    static let hash = KeyedHash(key: [UInt8](repeating: 3, count: 32))

    struct Node {
        let f: PipelineFixture
        let provider = CountingProvider()
        /// Answers instead of `provider` when set.
        var identifiers: (any IdentifiersProvider)? = nil
        let outbox: Outbox

        init() throws {
            f = try PipelineFixture(firstStage: "identify")
            outbox = try Outbox(folder: f.root + "/var/outbox", sync: false)
        }

        var recipe: Recipe? = nil
        let log = LogRecorder()
        /// Changes the de-identify stage before it runs.
        var adjust: (inout DeidentifyStage) -> Void = { _ in }

        var stages: [any StageHandler] {
            var settings = DeidentificationSettings.standard
            settings.recipe = recipe
            let engine = Deidentifier(settings: settings, uids: UIDRemapper(hash: KeyedHash(key: [UInt8](repeating: 3, count: 32))))
            let logger = Logger(label: "test") { [log] _ in log }
            var deidentify = DeidentifyStage(engine: engine, outbox: outbox, logger: logger)
            adjust(&deidentify)
            return [IdentifyStage(provider: identifiers ?? provider, hash: DeidentifyStagesTests.hash), deidentify]
        }

        func run() throws -> Bool {
            let workers = JobWorkers(queue: f.queue, handlers: stages, count: 2, logger: PipelineFixture.silent)
            workers.idlePoll = 0.01
            workers.start()
            defer { workers.stop(grace: 2) }
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline {
                let jobs = try f.jobs()
                if !jobs.isEmpty && jobs.allSatisfy({ $0.state == .done || $0.state == .failed }) { return true }
                usleep(10_000)
            }
            return false
        }

        func outboxFiles() -> [String] {
            let e = FileManager.default.enumerator(atPath: outbox.folder)
            var out: [String] = []
            while let p = e?.nextObject() as? String { if p.hasSuffix(".dcm") { out.append(outbox.folder + "/" + p) } }
            return out.sorted()
        }
    }

    @Test func aStudyOfTwoSeriesIsAskedForOnceAndEveryImageReachesTheOutboxDeidentified() throws {
        let node = try Node()
        for s in 1...2 {
            for n in 1...3 { try node.f.instance(in: node.f.data + "/study", series: "1.2.3.\(s)", sop: "1.2.3.\(s).\(n)") }
        }
        _ = try node.f.importer.importFolder(node.f.data + "/study")
        #expect(try node.run())
        let reasons = try node.f.images().map { $0.statusReason ?? "" }
        #expect(try node.f.statuses().values.allSatisfy { $0 == .doneProcessing }, "\(reasons)")
        #expect(node.provider.calls.withLock { $0 } == 1)
        #expect(try node.f.contents.seriesIdentifiers().count == 2)
        #expect(try Set(node.f.contents.seriesIdentifiers().map(\.json)).count == 1)
        let files = node.outboxFiles()
        #expect(files.count == 6)
        #expect(try node.f.contents.deidentifiedCopies().count == 6)
        for path in files {
            let out = try Part10File.read(path: path)
            #expect(out.dataSet.string(.patientName)?.hasPrefix("P") == true)
            #expect(out.dataSet.string(.studyInstanceUID)?.hasPrefix("2.25.") == true)
            #expect(out.dataSet.string(.patientIdentityRemoved) == "YES")
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(bytes.range(of: Data("Simpson^Marge".utf8)) == nil)
        }
        // Two jobs per series (identify, deidentify), all done.
        #expect(try node.f.jobs().map(\.stage).sorted() == ["deidentify", "deidentify", "identify", "identify"])
        // Nothing left under a temporary name.
        #expect(try FileManager.default.contentsOfDirectory(atPath: node.outbox.folder + "/.incoming").isEmpty)
    }

    @Test func anImageTheGateRefusesOrThatCannotBeReadFailsAloneWithItsReason() throws {
        var node = try Node()
        // A site recipe that adds a fixed text after the profile (recipes' literal values are
        // not cleaned); for the leaky image, it is the patient's name: the gate stops it.
        node.recipe = try Recipe.parse("FORMAT dicom\n%header\nADD StudyComments Montgomery\n", source: "site.recipe")
        try node.f.instance(in: node.f.data + "/study", sop: "1.2.3.1.1")
        let gone = try node.f.instance(in: node.f.data + "/study", sop: "1.2.3.1.2")
        var leaky = try Part10File.read(path: try node.f.instance(in: node.f.root + "/x", sop: "1.2.3.1.3"))
        leaky.dataSet.set(DataElement(tag: .imageType, vr: .CS, strings: ["ORIGINAL", "PRIMARY", "TEST"]))
        leaky.dataSet.set(DataElement(tag: .patientName, vr: .PN, string: "Burns^Montgomery"))
        leaky.dataSet.set(DataElement(tag: .imageComments, vr: .LT, string: "x"))
        leaky.dataSet.set(DataElement(tag: .derivationDescription, vr: .ST, string: "see Montgomery"))
        try Part10Writer.write(leaky, to: node.f.data + "/study/leaky.dcm")
        _ = try node.f.importer.importFolder(node.f.data + "/study")
        try FileManager.default.removeItem(atPath: gone)
        #expect(try node.run())
        let statuses = try node.f.statuses()
        #expect(statuses["1.2.3.1.1"] == .doneProcessing)
        #expect(statuses["1.2.3.1.2"] == .failed && statuses["1.2.3.1.3"] == .failed)
        let reasons = try node.f.images().reduce(into: [String: String]()) { $0[$1.sopInstanceUID] = $1.statusReason ?? "" }
        #expect(reasons["1.2.3.1.2"]?.contains("cannot read") == true)
        #expect(reasons["1.2.3.1.3"]?.contains("PHI gate") == true && reasons["1.2.3.1.3"]?.contains("PatientName") == true)
        #expect(node.outboxFiles().count == 1)
        // The gate's refusal is logged as an error, naming the attribute.
        #expect(node.log.lines.contains { $0.contains("error PHI gate refused") && $0.contains("attribute=PatientName") })
        #expect(try node.f.jobs().allSatisfy { $0.state == .done })
    }

    @Test func deidentifyingAgainAfterAKillReplacesTheCopyAndAddsNoRow() throws {
        let node = try Node()
        for n in 1...2 { try node.f.instance(in: node.f.data + "/study", sop: "1.2.3.1.\(n)") }
        _ = try node.f.importer.importFolder(node.f.data + "/study")
        #expect(try node.run())
        let first = node.outboxFiles()
        // As if killed after the copies were placed but before the rows were written.
        try node.f.database.interruptAsIfKilled(stage: "deidentify", images: .processing)
        #expect(try node.run())
        #expect(node.outboxFiles() == first)
        #expect(try node.f.contents.deidentifiedCopies().count == 2)
        #expect(try node.f.statuses().values.allSatisfy { $0 == .doneProcessing })
    }
}

@Suite struct HeldImagesTests {
    @Test func anImageWithBurnedInTextIsHeldUntilReleasedAndADroppedOneIsNeverSent() throws {
        let node = try DeidentifyStagesTests.Node()
        try FileManager.default.createDirectory(atPath: node.f.data + "/study", withIntermediateDirectories: true)
        for n in 1...3 {
            let path = try node.f.instance(in: node.f.root + "/x", sop: "1.2.3.1.\(n)")
            var file = try Part10File.read(path: path)
            if n > 1 { file.dataSet.set(DataElement(tag: .burnedInAnnotation, vr: .CS, string: "YES")) }
            try Part10Writer.write(file, to: node.f.data + "/study/\(n).dcm")
        }
        _ = try node.f.importer.importFolder(node.f.data + "/study")
        #expect(try node.run())
        var statuses = try node.f.statuses()
        #expect(statuses == ["1.2.3.1.1": .doneProcessing, "1.2.3.1.2": .held, "1.2.3.1.3": .held])
        #expect(try node.f.images().first { $0.sopInstanceUID == "1.2.3.1.2" }?.statusReason?.contains("burned-in-annotation") == true)
        #expect(node.outboxFiles().count == 1)
        let released = try HeldImages.release(node.f.database, uids: ["1.2.3.1.2", "9.9.9"], drop: false, reason: "checked", maxAttempts: 3)
        #expect(released.images == 1 && released.seriesQueued == 1 && released.unmatched == ["9.9.9"])
        let dropped = try HeldImages.release(node.f.database, uids: ["1.2.3.1.3"], drop: true, reason: "has a name in it", maxAttempts: 3)
        #expect(dropped.images == 1)
        #expect(try node.run())
        statuses = try node.f.statuses()
        #expect(statuses == ["1.2.3.1.1": .doneProcessing, "1.2.3.1.2": .doneProcessing, "1.2.3.1.3": .failed])
        #expect(node.outboxFiles().count == 2)
    }
}


/// A LogHandler that keeps the lines ("level message key=value…"), for tests.
final class LogRecorder: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    var lines: [String] { lock.withLock { recorded } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let meta = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        lock.withLock { recorded.append("\(event.level) \(event.message) \(meta)") }
    }
}

@Suite struct IdentifyStageTests {
    @Test func aSeriesWithNoImageLeftToReadGetsNoIdentifiersAndItsDeidentifyJobHasNothingToDo() throws {
        let f = try PipelineFixture(firstStage: "identify")
        try f.instance(in: f.data + "/study", series: "1.2.3.1", sop: "1.2.3.1.1")
        try f.instance(in: f.data + "/study", series: "1.2.3.2", sop: "1.2.3.2.1")
        _ = try f.importer.importFolder(f.data + "/study")
        let provider = DeidentifyStagesTests.CountingProvider()
        let stage = IdentifyStage(provider: provider, hash: DeidentifyStagesTests.hash)
        // Series 1 is identified from its image; series 2 has no image in PROCESSING, so its
        // patient cannot be known (and its sibling's identifiers are not its to take).
        let first = try #require(try f.images().first { $0.sopInstanceUID == "1.2.3.1.1" }?.seriesId)
        let jobs = try f.jobs().sorted { a, _ in a.seriesId == first }
        #expect(jobs.count == 2 && jobs[0].seriesId == first)
        #expect(try f.queue.takeImages(for: jobs[0], from: [.new], to: .processing) == 1)
        try stage.run(StageJob(job: jobs[0], database: f.database, renewLease: {}))
        try stage.run(StageJob(job: jobs[1], database: f.database, renewLease: {}))
        #expect(provider.calls.withLock { $0 } == 1)
        #expect(try f.contents.seriesIdentifiers().count == 1)
        let outbox = try Outbox(folder: f.root + "/var/outbox", sync: false)
        let deidentify = DeidentifyStage(engine: Deidentifier(settings: .standard, uids: UIDRemapper(hash: DeidentifyStagesTests.hash)),
                                         outbox: outbox)
        try deidentify.run(StageJob(job: jobs[1], database: f.database, renewLease: {}))
    }
}

@Suite struct OutboxNameTests {
    @Test func uidsThatCannotBeFileNamesGetDistinctSafeNames() {
        #expect(Outbox.safeName("2.25.123") == "2.25.123")
        let a = "1.2.3.ABCDEFGHIJKLMNOPQRSTUVWXYZ.0123456789.first", b = "1.2.3.ABCDEFGHIJKLMNOPQRSTUVWXYZ.0123456789.other"
        #expect(Outbox.safeName(a) != Outbox.safeName(b))
        for name in [Outbox.safeName(a), Outbox.safeName("../../etc"), Outbox.safeName("a/b")] {
            #expect(name.hasPrefix("x") && name.allSatisfy { $0.isHexDigit || $0 == "x" })
        }
    }
}

/// Which outbox folders a placement leaves for its caller to sync: the de-identify stage syncs
/// them once per recorded batch, before the rows say DONEPROCESSING.
@Suite struct OutboxFolderSyncTests {
    /// The fixture is returned too: its folder goes when it does.
    func placeTwo(sync: Bool, later: Bool) throws -> (PipelineFixture, Outbox, [Outbox.Placed]) {
        let f = try PipelineFixture()
        var outbox = try Outbox(folder: f.root + "/var/outbox", sync: sync)
        outbox.syncsFoldersLater = later
        let engine = Deidentifier(settings: .standard, uids: UIDRemapper(hash: KeyedHash(key: [UInt8](repeating: 3, count: 32))))
        let local = LocalIdentifiersProvider(pseudonymizer: LocalPseudonymizer(hash: KeyedHash(key: [UInt8](repeating: 3, count: 32))))
        var placed: [Outbox.Placed] = []
        for sop in ["1.2.3.1.1", "1.2.3.1.2"] {
            let input = try Part10File.read(path: try f.instance(in: f.data + "/s", sop: sop))
            let output = try engine.deidentify(input, identifiers: try local.identifiers(for: IdentifiersRequest(dataSet: input.dataSet)))
            placed.append(try outbox.place(output, gate: PHIGate(original: input.dataSet)))
        }
        return (f, outbox, placed)
    }

    @Test func aStageThatSyncsLaterGetsTheSeriesFolderAndTheOutboxEveryTime() throws {
        let (f, outbox, placed) = try placeTwo(sync: true, later: true)
        let series = (placed[0].path as NSString).deletingLastPathComponent
        #expect(placed[0].unsyncedFolders == [series, outbox.folder])
        // The outbox again: the placement that made the series folder may have been in an
        // attempt that failed before it was recorded.
        #expect(placed[1].unsyncedFolders == [series, outbox.folder])
        #expect(FileManager.default.fileExists(atPath: placed[1].path) && placed[1].path.hasPrefix(f.root))
    }

    /// One study in two projects, both de-identifying to the same UIDs (same key here; in life
    /// both keeping the UIDs, or one identifiers service): each project's copy has its own file.
    @Test func twoProjectsOutboxesKeepTheSameInstancesCopiesApart() throws {
        let (f, outbox, placed) = try placeTwo(sync: true, later: false)
        let neuro = try outbox.forProject("neuro")
        #expect(neuro.folder == outbox.folder + "/projects/neuro")
        let engine = Deidentifier(settings: .standard, uids: UIDRemapper(hash: KeyedHash(key: [UInt8](repeating: 3, count: 32))))
        let local = LocalIdentifiersProvider(pseudonymizer: LocalPseudonymizer(hash: KeyedHash(key: [UInt8](repeating: 3, count: 32))))
        let input = try Part10File.read(path: f.data + "/s/1.2.3.1.1.dcm")
        let output = try engine.deidentify(input, identifiers: try local.identifiers(for: IdentifiersRequest(dataSet: input.dataSet)))
        let other = try neuro.place(output, gate: PHIGate(original: input.dataSet))
        #expect(other.path != placed[0].path && other.path.hasPrefix(neuro.folder + "/"))
        #expect((other.path as NSString).lastPathComponent == (placed[0].path as NSString).lastPathComponent)
        #expect(FileManager.default.fileExists(atPath: placed[0].path) && FileManager.default.fileExists(atPath: other.path))
    }

    @Test func otherwisePlaceSyncsItselfOrNothingIsSynced() throws {
        #expect(try placeTwo(sync: true, later: false).2.allSatisfy { $0.unsyncedFolders.isEmpty })
        #expect(try placeTwo(sync: false, later: true).2.allSatisfy { $0.unsyncedFolders.isEmpty })
    }

    /// One image per batch, one at a time: the k-th sync must come when k images are recorded,
    /// that is before its own batch's transaction, and name the image's series folder and the
    /// outbox. A sync after the commit, or none, fails this.
    @Test func theStageSyncsEachBatchsFoldersBeforeItRecordsIt() throws {
        var node = try DeidentifyStagesTests.Node()
        let outbox = try Outbox(folder: node.f.root + "/var/outbox-synced", sync: true)
        struct Call { let recorded: Int; let folders: Set<String> }
        let calls = Mutex<[Call]>([])
        let database = node.f.database
        node.adjust = { stage in
            stage = DeidentifyStage(engine: stage.copies.engine, outbox: outbox)
            stage.concurrency = 1
            stage.recordEvery = 1
            stage.syncFolders = { folders in
                let recorded = try database.images(seriesId: nil).filter { $0.status == .doneProcessing }.count
                calls.withLock { $0.append(Call(recorded: recorded, folders: Set(folders))) }
                try Outbox.syncFolders(folders)
            }
        }
        for n in 1...3 { try node.f.instance(in: node.f.data + "/study", sop: "1.2.3.1.\(n)") }
        _ = try node.f.importer.importFolder(node.f.data + "/study")
        #expect(try node.run())
        #expect(try node.f.statuses().values.allSatisfy { $0 == .doneProcessing })
        let seen = calls.withLock { $0 }
        #expect(seen.map(\.recorded) == [0, 1, 2])
        let copies = try node.f.contents.deidentifiedCopies().map(\.path)
        let series = Set(copies.map { ($0 as NSString).deletingLastPathComponent })
        #expect(series.count == 1)
        #expect(seen.allSatisfy { $0.folders == series.union([outbox.folder]) })
    }
}

import DICOMCore
import DICOMFile
import Deidentify
import Foundation
@testable import Pipeline
@testable import SenditIntake
import Synchronization
import Testing
import SenditIndex
import SenditIndexTestSupport

/// Distinct patients stay distinct, through the identify and de-identify stages on a real index:
/// exact IDs, identifiers cached per study and patient (never per StudyInstanceUID alone), the
/// index refusing two originals one code, and databases of the previous version going on.
@Suite struct IdentityTests {
    typealias Node = DeidentifyStagesTests.Node

    /// A patient's attributes for the fixture's instances.
    static func patient(_ id: String, accession: String? = "ACC1", extra: [DataElement] = []) -> [DataElement] {
        var elements = [DataElement(tag: .patientID, vr: .LO, string: id),
                        DataElement(tag: .studyDate, vr: .DA, string: "20200315")]
        if let accession { elements.append(DataElement(tag: .accessionNumber, vr: .SH, string: accession)) }
        return elements + extra
    }

    /// Each de-identified copy's data set, by the original's SOPInstanceUID.
    static func outputs(_ node: Node) throws -> [String: DataSet] {
        let originals = Dictionary(uniqueKeysWithValues: try node.f.images().map { ($0.id, $0.sopInstanceUID) })
        var out: [String: DataSet] = [:]
        for copy in try node.f.contents.deidentifiedCopies() {
            out[try #require(originals[copy.imageId])] = try Part10File.read(path: copy.path).dataSet
        }
        return out
    }

    static func reasons(_ node: Node) throws -> [String: String] {
        try node.f.images().reduce(into: [String: String]()) { $0[$1.sopInstanceUID] = $1.statusReason ?? "" }
    }

    /// Answers every request with the same codes: an identifiers service that merges patients.
    struct FixedProvider: IdentifiersProvider {
        let patientCode: @Sendable (IdentifiersRequest) -> String
        let studyCode: @Sendable (IdentifiersRequest) -> String
        var name: String { "fixed" }
        func identifiers(for request: IdentifiersRequest) throws -> IdentifiersResponse {
            IdentifiersResponse(results: [.init(id: nil, id_source: nil, suid: patientCode(request), jitter: -3, jittered_timestamp: "",
                                                items: [.init(id: nil, id_source: nil, suid: studyCode(request), jitter: -3,
                                                              jittered_timestamp: "")])])
        }
    }

    @Test func idsThatDifferOnlyBySeparatorsAreTwoPatients() throws {
        let node = try Node()
        try node.f.instance(in: node.f.data + "/a", study: "1.2.3", series: "1.2.3.1", sop: "1.2.3.1.1", extra: Self.patient("AB-123-45"))
        try node.f.instance(in: node.f.data + "/b", study: "1.2.4", series: "1.2.4.1", sop: "1.2.4.1.1", extra: Self.patient("AB-12-345"))
        try node.f.instance(in: node.f.data + "/c", study: "1.2.5", series: "1.2.5.1", sop: "1.2.5.1.1", extra: Self.patient("AB12345"))
        for folder in ["a", "b", "c"] { _ = try node.f.importer.importFolder(node.f.data + "/" + folder) }
        #expect(try node.run())
        let reasons = try Self.reasons(node)
        #expect(try node.f.statuses().values.allSatisfy { $0 == .doneProcessing }, "\(reasons)")
        let out = try Self.outputs(node)
        let codes = ["1.2.3.1.1", "1.2.4.1.1", "1.2.5.1.1"].compactMap { out[$0]?.string(.patientID) }
        #expect(codes.count == 3 && Set(codes).count == 3, "\(codes)")
        // One accession, three patients: three study codes.
        #expect(Set(["1.2.3.1.1", "1.2.4.1.1", "1.2.5.1.1"].compactMap { out[$0]?.string(.accessionNumber) }).count == 3)
        #expect(codes.allSatisfy { $0.hasPrefix("P") && $0.count == 16 })
    }

    @Test func twoPatientsWithOneAccessionGetTwoStudyCodes() throws {
        let node = try Node()
        for (n, id) in ["MRN-1", "MRN-2"].enumerated() {
            try node.f.instance(in: node.f.data + "/s\(n)", study: "1.2.\(n + 3)", series: "1.2.\(n + 3).1", sop: "1.2.\(n + 3).1.1",
                                extra: Self.patient(id, accession: "ACC-77"))
            _ = try node.f.importer.importFolder(node.f.data + "/s\(n)")
        }
        #expect(try node.run())
        let out = try Self.outputs(node)
        let a = try #require(out["1.2.3.1.1"]), b = try #require(out["1.2.4.1.1"])
        #expect(a.string(.accessionNumber) != b.string(.accessionNumber))
        #expect(a.string(.patientID) != b.string(.patientID))
        #expect(try node.f.contents.identifierCodes().filter { $0.kind == .study }.count == 2)
    }

    @Test func twoPatientsUnderOneStudyInstanceUIDAreNeverMergedAndTheLaterIsHeldUntilReleased() throws {
        let node = try Node()
        // Patient A's series, identified and de-identified first.
        for n in 1...2 {
            try node.f.instance(in: node.f.data + "/a", series: "1.2.3.1", sop: "1.2.3.1.\(n)", extra: Self.patient("A-1"))
        }
        _ = try node.f.importer.importFolder(node.f.data + "/a")
        #expect(try node.run())
        // Patient B's series under the same StudyInstanceUID (a broken modality), one image of
        // it with BurnedInAnnotation YES.
        try node.f.instance(in: node.f.data + "/b", series: "1.2.3.2", sop: "1.2.3.2.1", extra: Self.patient("B-2"))
        try node.f.instance(in: node.f.data + "/b", series: "1.2.3.2", sop: "1.2.3.2.2",
                            extra: Self.patient("B-2", extra: [DataElement(tag: .burnedInAnnotation, vr: .CS, string: "YES")]))
        _ = try node.f.importer.importFolder(node.f.data + "/b")
        #expect(try node.run())
        var statuses = try node.f.statuses()
        #expect(statuses["1.2.3.1.1"] == .doneProcessing && statuses["1.2.3.1.2"] == .doneProcessing)
        #expect(statuses["1.2.3.2.1"] == .held && statuses["1.2.3.2.2"] == .held)
        let reason = try Self.reasons(node)["1.2.3.2.1"] ?? ""
        #expect(reason.contains("StudyInstanceUID 1.2.3 also holds series of another patient") && reason.contains("sendit release"))
        #expect(!reason.contains("B-2") && !reason.contains("A-1"), "a reason names no ID")
        // Only A's identifiers exist; no job failed (the de-identify stage had nothing to do).
        #expect(try node.f.contents.seriesIdentifiers().count == 1)
        #expect(try node.f.jobs().allSatisfy { $0.state == .done })
        #expect(try Self.outputs(node).count == 2)
        // `sendit status` shows the hold and its reason.
        let line = try #require(try IndexSummary.read(node.f.database).seriesLines.first { $0.seriesInstanceUID == "1.2.3.2" })
        #expect(line.status == "HELD" && line.heldReasons[reason] == 2)

        // Released, B's images are identified as B: their own codes, never A's.
        let released = try HeldImages.release(node.f.database, uids: ["1.2.3.2"], drop: false, reason: "two patients checked", maxAttempts: 3)
        #expect(released.images == 2 && released.seriesQueued == 1 && released.refused.isEmpty)
        #expect(try node.run())
        statuses = try node.f.statuses()
        #expect(statuses["1.2.3.2.1"] == .doneProcessing)
        // The burned-in rules still apply after an identity release: YES holds it.
        #expect(statuses["1.2.3.2.2"] == .held)
        #expect(try Self.reasons(node)["1.2.3.2.2"]?.contains("burned-in-annotation") == true)
        let out = try Self.outputs(node)
        let a = try #require(out["1.2.3.1.1"]), b = try #require(out["1.2.3.2.1"])
        #expect(a.string(.patientID) != b.string(.patientID) && a.string(.accessionNumber) != b.string(.accessionNumber))
        // Nor do they share a research study: B's UIDs are remapped in a namespace of its own.
        #expect(a.string(.studyInstanceUID) != b.string(.studyInstanceUID))
        #expect(try Set(node.f.contents.seriesIdentifiers().compactMap(\.patientDigest)).count == 2)
        #expect(try Set(node.f.contents.seriesIdentifiers().map(\.json)).count == 2)
        // The burned-in hold is released the usual way.
        #expect(try HeldImages.release(node.f.database, uids: ["1.2.3.2.2"], drop: false, reason: "no text", maxAttempts: 3).images == 1)
        #expect(try node.run())
        let again = try Self.outputs(node)
        #expect(again["1.2.3.2.2"]?.string(.patientID) == b.string(.patientID))
    }

    @Test func anImageOfAnotherPatientInASeriesBeingIdentifiedIsNeverGivenItsIdentifiers() throws {
        // Two patients under one SeriesInstanceUID, arriving together: the series is identified
        // from one image; the de-identify stage checks every image's patient.
        let node = try Node()
        var node2 = node
        node2.adjust = { $0.patientOfImage = IdentifyStage(provider: node.provider, hash: DeidentifyStagesTests.hash).patientOfImage }
        try node.f.instance(in: node.f.data + "/a", sop: "1.2.3.1.1", extra: Self.patient("A-1"))
        try node.f.instance(in: node.f.data + "/a", sop: "1.2.3.1.2", extra: Self.patient("B-2"))
        _ = try node.f.importer.importFolder(node.f.data + "/a")
        #expect(try node2.run())
        let statuses = try node.f.statuses()
        #expect(Set(statuses.values) == [.doneProcessing, .failed], "\(statuses)")
        let failed = try #require(statuses.first { $0.value == .failed }?.key)
        #expect(try Self.reasons(node)[failed]?.contains("this image's patient is not its series'") == true)
        #expect(try Self.outputs(node).count == 1)
    }

    @Test func anotherPatientInAnIdentifiedSeriesIsHeldAndCanOnlyBeDropped() throws {
        let node = try Node()
        try node.f.instance(in: node.f.data + "/a", sop: "1.2.3.1.1", extra: Self.patient("A-1"))
        _ = try node.f.importer.importFolder(node.f.data + "/a")
        #expect(try node.run())
        try node.f.instance(in: node.f.data + "/b", sop: "1.2.3.1.2", extra: Self.patient("B-2"))
        _ = try node.f.importer.importFolder(node.f.data + "/b")
        #expect(try node.run())
        #expect(try node.f.statuses()["1.2.3.1.2"] == .held)
        #expect(try Self.reasons(node)["1.2.3.1.2"]?.contains("already has the identifiers of another patient") == true)
        let refused = try HeldImages.release(node.f.database, uids: ["1.2.3.1.2"], drop: false, reason: "x", maxAttempts: 3)
        #expect(refused.images == 0 && refused.refused.count == 1 && refused.refused[0].hasPrefix("1.2.3.1.2: "))
        #expect(try node.f.statuses()["1.2.3.1.2"] == .held)
        let dropped = try HeldImages.release(node.f.database, uids: ["1.2.3.1.2"], drop: true, reason: "wrong patient", maxAttempts: 3)
        #expect(dropped.images == 1 && dropped.refused.isEmpty)
        #expect(try node.f.statuses()["1.2.3.1.2"] == .failed)
        #expect(try Self.outputs(node).count == 1)
    }

    /// The index keeps no original patient ID, issuer or accession number in clear: the answer
    /// the identifiers service echoes them in is stored without them, and every byte of the
    /// database files (main, WAL) is searched for them after a series went through.
    @Test func theIndexKeepsNoOriginalIdentifierInClear() throws {
        let node = try Node()
        let issuer = DataElement(tag: .issuerOfPatientID, vr: .LO, string: "NORTHWEST GENERAL MRN")
        try node.f.instance(in: node.f.data + "/p", series: "1.2.3.1", sop: "1.2.3.1.1",
                            extra: Self.patient("MRN-7730916", accession: "ACC-55821X", extra: [issuer]))
        _ = try node.f.importer.importFolder(node.f.data + "/p")
        #expect(try node.run())
        let rows = try node.f.contents.seriesIdentifiers()
        #expect(rows.count == 1)
        let stored = try IdentifiersResponse.decode(Data(try #require(rows.first).json.utf8))
        #expect(!stored.entityCode.isEmpty && !stored.itemCode.isEmpty && stored.jitterDays != 0, "the codes and the shift are kept")
        var bytes = Data()
        for suffix in ["", "-wal"] { bytes += (FileManager.default.contents(atPath: node.f.root + "/sendit.db" + suffix) ?? Data()) }
        #expect(bytes.count > 10_000)
        for original in ["MRN-7730916", "ACC-55821X", "NORTHWEST GENERAL MRN"] {
            #expect(bytes.range(of: Data(original.utf8)) == nil, "\(original) rests in the index")
        }
    }

    @Test func onePatientAndStudyInSeparateJobsRunsAndSeriesGetsOneCodeAndOneShift() throws {
        let node = try Node()
        // Three series of one study, arriving apart: each a job of its own, each run by a fresh
        // set of workers and stages (nothing kept in memory between runs).
        for s in 1...3 {
            try node.f.instance(in: node.f.data + "/p\(s)", series: "1.2.3.\(s)", sop: "1.2.3.\(s).1", extra: Self.patient("MRN-9"))
            _ = try node.f.importer.importFolder(node.f.data + "/p\(s)")
            #expect(try node.run())
        }
        #expect(node.provider.calls.withLock { $0 } == 1)
        #expect(try Set(node.f.contents.seriesIdentifiers().map(\.json)).count == 1)
        let out = try Self.outputs(node)
        #expect(out.count == 3)
        #expect(Set(out.values.compactMap { $0.string(.patientID) }).count == 1)
        #expect(Set(out.values.compactMap { $0.string(.accessionNumber) }).count == 1)
        let dates = Set(out.values.compactMap { $0.string(.studyDate) })
        #expect(dates.count == 1 && dates.first != "20200315")
        // Another index under the same key (a rebuilt node, or after clean-up): the same codes
        // and shift.
        let other = try Node()
        try other.f.instance(in: other.f.data + "/p", series: "1.2.3.7", sop: "1.2.3.7.1", extra: Self.patient("MRN-9"))
        _ = try other.f.importer.importFolder(other.f.data + "/p")
        #expect(try other.run())
        let copy = try #require(try Self.outputs(other)["1.2.3.7.1"])
        #expect(copy.string(.patientID) == out["1.2.3.1.1"]?.string(.patientID))
        #expect(copy.string(.accessionNumber) == out["1.2.3.1.1"]?.string(.accessionNumber))
        #expect(copy.string(.studyDate) == dates.first)
    }

    @Test func twoOriginalsWantingOneCodeAreRefused() throws {
        // A service that gives every patient one code.
        var node = try Node()
        // (The codes must not hold the originals: the PHI gate would refuse the copies.)
        let studyCodes = ["MRN-1/ACC1": "SONE", "MRN-1/ACC2": "STWO", "MRN-2/ACC1": "STHREE"]
        node.identifiers = FixedProvider(patientCode: { _ in "PSAME" },
                                         studyCode: { studyCodes[$0.identifiers[0].id + "/" + $0.identifiers[0].items[0].id] ?? "SX" })
        try node.f.instance(in: node.f.data + "/a", study: "1.2.3", series: "1.2.3.1", sop: "1.2.3.1.1", extra: Self.patient("MRN-1"))
        _ = try node.f.importer.importFolder(node.f.data + "/a")
        #expect(try node.run())
        // The same patient in another study: the same code for the same original is fine.
        try node.f.instance(in: node.f.data + "/b", study: "1.2.4", series: "1.2.4.1", sop: "1.2.4.1.1",
                            extra: Self.patient("MRN-1", accession: "ACC2"))
        _ = try node.f.importer.importFolder(node.f.data + "/b")
        #expect(try node.run())
        try node.f.instance(in: node.f.data + "/c", study: "1.2.5", series: "1.2.5.1", sop: "1.2.5.1.1", extra: Self.patient("MRN-2"))
        _ = try node.f.importer.importFolder(node.f.data + "/c")
        #expect(try node.run())
        let statuses = try node.f.statuses()
        #expect(statuses["1.2.3.1.1"] == .doneProcessing && statuses["1.2.4.1.1"] == .doneProcessing)
        #expect(statuses["1.2.5.1.1"] == .failed)
        let reason = try Self.reasons(node)["1.2.5.1.1"] ?? ""
        #expect(reason.contains("patient code PSAME was already given to another patient"), "\(reason)")
        let job = try #require(try node.f.jobs().last { $0.stage == "identify" })
        #expect(job.state == .failed && job.attempts == 1, "refused for good, not retried")
        #expect(try node.f.contents.seriesIdentifiers().count == 2)
        #expect(try node.f.contents.identifierCodes().filter { $0.kind == .patient }.count == 1)

        // A service that gives two patients' studies one study code.
        var second = try Node()
        second.identifiers = FixedProvider(patientCode: { $0.identifiers[0].id == "MRN-1" ? "PONE" : "PTWO" }, studyCode: { _ in "SSAME" })
        for (n, id) in ["MRN-1", "MRN-2"].enumerated() {
            try second.f.instance(in: second.f.data + "/\(n)", study: "1.2.\(n + 3)", series: "1.2.\(n + 3).1", sop: "1.2.\(n + 3).1.1",
                                  extra: Self.patient(id))
            _ = try second.f.importer.importFolder(second.f.data + "/\(n)")
            #expect(try second.run())
        }
        #expect(try second.f.statuses()["1.2.4.1.1"] == .failed)
        #expect(try Self.reasons(second)["1.2.4.1.1"]?.contains("study code SSAME was already given to another study") == true)
    }

    @Test func aDatabaseOfThePreviousVersionOpensAndItsIdentifiersGoOn() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sendit-legacy-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/data", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        // The index as the previous version left it: migrations up to v4, a study identified with
        // the old codes (12 hex digits, dashes removed), one of its images still on disk.
        let scratch = try PipelineFixture(firstStage: "identify")
        let image = try scratch.instance(in: root + "/data/old", series: "1.2.3.1", sop: "1.2.3.1.1", extra: Self.patient("AB-123-45"))
        let legacy = #"{"results":[{"id":"AB12345","id_source":"Stanford MRN","items":[{"id":"ACC1","id_source":"DCM Accession #","jitter":-7,"jittered_timestamp":"2020-03-08T00:00:00Z","suid":"S0123456789AB"}],"jitter":-7,"jittered_timestamp":"","suid":"P0123456789AB"}]}"#
        try PreviousVersionIndex.write(path: root + "/sendit.db", studyInstanceUID: "1.2.3", seriesInstanceUID: "1.2.3.1", modality: "CT",
                                       sopInstanceUID: "1.2.3.1.1", sopClassUID: UID.ctImageStorage.rawValue,
                                       transferSyntaxUID: "1.2.840.10008.1.2.1", imagePath: image, identifiersJSON: legacy)

        // The new version opens it (v5 applied) and goes on: a later series of the same patient
        // reuses the recorded codes; another patient's series of that study is held.
        let database = try IndexDatabase(path: root + "/sendit.db")
        let quarantine = try Quarantine(folder: root + "/var/quarantine")
        var importer = FolderImporter(database: database, quarantine: quarantine, firstStage: "identify", maxAttempts: 3)
        importer.settle = 0
        try scratch.instance(in: root + "/data/new", series: "1.2.3.2", sop: "1.2.3.2.1", extra: Self.patient("AB-123-45"))
        try scratch.instance(in: root + "/data/new", series: "1.2.3.3", sop: "1.2.3.3.1", extra: Self.patient("AB-12-345"))
        _ = try importer.importFolder(root + "/data/new")
        let stage = IdentifyStage(provider: DeidentifyStagesTests.CountingProvider(), hash: DeidentifyStagesTests.hash)
        let jobs = try database.jobs(seriesId: nil)
        #expect(jobs.count == 2)
        for job in jobs {
            _ = try database.takeImages(for: job, from: [.new], to: .processing, now: Date())
            try stage.run(StageJob(job: job, database: database, renewLease: {}))
        }
        let rows = try database.contents.seriesIdentifiers()
        #expect(rows.map(\.seriesInstanceUID) == ["1.2.3.1", "1.2.3.2"])
        // The migration kept the codes and dropped the originals the old answer echoed (v11).
        let coded = #"{"results":[{"items":[{"jitter":-7,"jittered_timestamp":"2020-03-08T00:00:00Z","suid":"S0123456789AB"}],"jitter":-7,"jittered_timestamp":"","suid":"P0123456789AB"}]}"#
        #expect(rows.allSatisfy { $0.json == coded }, "the recorded codes go on for the study's later series, without the originals")
        var bytes = Data()
        for suffix in ["", "-wal"] { bytes += (FileManager.default.contents(atPath: root + "/sendit.db" + suffix) ?? Data()) }
        for original in ["AB12345", "Stanford MRN", "DCM Accession #"] {
            #expect(bytes.range(of: Data(original.utf8)) == nil, "\(original) still rests in the migrated index's pages")
        }
        #expect(rows.allSatisfy { $0.patientDigest != nil } && Set(rows.map(\.patientDigest)).count == 1, "the old row learnt its patient")
        let held = try database.images(seriesId: nil).filter { $0.status == .held }.map(\.sopInstanceUID)
        #expect(held == ["1.2.3.3.1"])
        // The old codes are recorded against their originals from now on.
        let recorded = try database.contents.identifierCodes().filter { ["P0123456789AB", "S0123456789AB"].contains($0.code) }.count
        #expect(recorded == 2)
    }
}

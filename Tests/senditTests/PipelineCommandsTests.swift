import DICOMCore
import DICOMFile
import Foundation
import Testing
import TestSupport

/// `sendit import`, `status`, `retry` and the pipeline's settings, through the real executable.
@Suite struct PipelineCommandsTests {
    let root: String
    let config: String

    init() throws {
        (root, config) = try PipelineCommandsTests.scratch("cli")
        try "DATA_FOLDER=\(root)/data\nDATABASE=\(root)/sendit.db\nQUARANTINE_FOLDER=\(root)/var/quarantine\n\(PipelineCommandsTests.varSettings(root))"
            .write(toFile: config, atomically: true, encoding: .utf8)
    }

    /// A scratch node folder with an empty data folder, and where its configuration file goes.
    static func scratch(_ name: String) throws -> (root: String, config: String) {
        let root = try ExternalTools.temporaryDirectory(name).path
        try FileManager.default.createDirectory(atPath: root + "/data", withIntermediateDirectories: true)
        return (root, root + "/sendit.conf")
    }

    static func varSettings(_ root: String) -> String {
        "OUTBOX_FOLDER=\(root)/var/outbox\nSECRETS_FILE=\(root)/var/secrets\n"
    }

    func run(_ args: [String]) throws -> DumpCommandTests.Run {
        try DumpCommandTests.run(DumpCommandTests.sendit, args + ["--config", config])
    }

    func instance(_ folder: String, sop: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var ds = DataSet()
        ds.set(DataElement(tag: .sopClassUID, vr: .UI, string: UID.ctImageStorage.rawValue))
        ds.set(DataElement(tag: .sopInstanceUID, vr: .UI, string: sop))
        ds.set(DataElement(tag: .studyInstanceUID, vr: .UI, string: "1.2.3"))
        ds.set(DataElement(tag: .seriesInstanceUID, vr: .UI, string: "1.2.3.1"))
        // A CT image (Modality is Type 1): the burned-in allowlist lets it go.
        ds.set(DataElement(tag: .modality, vr: .CS, string: "CT"))
        try Part10Writer.write(Part10File(dataSet: ds, transferSyntax: .explicitVRLittleEndian), to: folder + "/\(sop).dcm")
    }

    @Test func importThenStatusAgree() throws {
        try instance(root + "/data/study", sop: "1.2.3.1.1")
        try instance(root + "/data/study", sop: "1.2.3.1.2")
        try Data("junk".utf8).write(to: URL(fileURLWithPath: root + "/data/study/notes.txt"))
        let imported = try run(["import", root + "/data/study"])
        #expect(imported.status == 3, "quarantined files make exit status 3")
        #expect(imported.out.contains("2 added") && imported.out.contains("1 quarantined"))
        let status = try run(["status", "--json"])
        #expect(status.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(status.out.utf8)) as? [String: Any])
        #expect(json["images"] as? Int == 2 && json["quarantined"] as? Int == 1 && json["studies"] as? Int == 1)
        #expect((json["imagesByStatus"] as? [String: Int]) == ["NEW": 2])
        #expect((json["jobsByState"] as? [String: Int]) == ["queued": 1])
        let text = try run(["status"])
        #expect(text.out.contains("NEW") && text.out.contains("1.2.3.1") && text.out.contains("identify queued"))
        // Again: nothing new.
        let again = try run(["import", root + "/data/study"])
        #expect(again.status == 0 && again.out.contains("0 added") && again.out.contains("2 duplicates"))
        #expect(try run(["retry"]).out.contains("0 failed jobs queued again"))
    }

    @Test func importRefusesWhatIsNotAFinishedFolder() throws {
        try instance(root + "/data/1.2.3.tmp1f", sop: "1.2.3.1.1")
        for path in [root + "/data", root + "/data/1.2.3.tmp1f", root + "/data/.incoming", root + "/data/nothing"] {
            let r = try run(["import", path])
            #expect(r.status == 1, "\(path)")
            #expect(!r.err.isEmpty)
        }
        let status = try run(["status", "--json"])
        #expect(status.out.contains("\"images\" : 0"), "nothing was imported")
    }

    @Test func statusWithoutAnIndexIsAnError() throws {
        let r = try run(["status"])
        #expect(r.status != 0 && r.err.contains("no index at"))
        #expect(!FileManager.default.fileExists(atPath: root + "/sendit.db"))
    }

    @Test func theQuarantineMayNotBeInsideTheDataFolder() throws {
        try "DATA_FOLDER=\(root)/data\nQUARANTINE_FOLDER=\(root)/data/quarantine\n".write(toFile: config, atomically: true, encoding: .utf8)
        let r = try run(["config", "check"])
        #expect(r.status == 1 && r.out.contains("QUARANTINE_FOLDER=\(root)/data/quarantine (file \(config):2): must not be inside DATA_FOLDER"))
    }

    @Test func deidWritesCopiesAndMakesTheSecretsFilePrivate() throws {
        // Folders are walked recursively; hidden entries are left alone.
        for n in 1...2 { try instance(root + "/in", sop: "1.2.3.1.\(n)") }
        try instance(root + "/in/nested", sop: "1.2.3.1.3")
        try Data("junk".utf8).write(to: URL(fileURLWithPath: root + "/in/.DS_Store"))
        let r = try run(["deid", root + "/in", root + "/out"])
        #expect(r.status == 0, "\(r.out) \(r.err)")
        #expect(r.out.contains("3 written, 0 held, 0 failed"))
        let secrets = root + "/var/secrets"
        let mode = try FileManager.default.attributesOfItem(atPath: secrets)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try String(contentsOfFile: secrets, encoding: .utf8).contains("DEID_KEY="))
        let copies = FileManager.default.enumerator(atPath: root + "/out")?.allObjects.compactMap { $0 as? String }.filter { $0.hasSuffix(".dcm") } ?? []
        #expect(copies.count == 3 && copies.allSatisfy { $0.hasPrefix("2.25.") })
        // Same key, same output names on a second run.
        let again = try run(["deid", root + "/in", root + "/out2"])
        let copies2 = FileManager.default.enumerator(atPath: root + "/out2")?.allObjects.compactMap { $0 as? String }.filter { $0.hasSuffix(".dcm") } ?? []
        #expect(again.status == 0 && Set(copies2) == Set(copies))
        // A secrets file others can read is refused.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: secrets)
        let refused = try run(["deid", root + "/in", root + "/out3"])
        #expect(refused.status != 0 && refused.err.contains("readable by others"))
    }

    @Test func anInvalidRecipeOrRuleIsRefusedWithItsLine() throws {
        try "FORMAT dicom\n%header\nREPLACE PatientName func:generate_uid\n".write(toFile: root + "/bad.recipe", atomically: true, encoding: .utf8)
        try "DATA_FOLDER=\(root)/data\nDATABASE=\(root)/sendit.db\nQUARANTINE_FOLDER=\(root)/var/quarantine\nSTUDY_DEID=\(root)/bad.recipe\n\(PipelineCommandsTests.varSettings(root))"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let r = try run(["config", "check"])
        #expect(r.status == 1 && r.out.contains("bad.recipe:3: func: values are not supported"))
        // serve refuses the same configuration, before it starts, with the same exit status.
        let serve = try run(["serve", "--port", "0"])
        #expect(serve.status == 1 && serve.err.contains("bad.recipe:3"))
        #expect(!FileManager.default.fileExists(atPath: root + "/sendit.db"))
    }

    @Test func releasingWhatIsNotHeldIsAnError() throws {
        for n in 1...2 { try instance(root + "/data/study", sop: "1.2.3.1.\(n)") }
        _ = try run(["import", root + "/data/study"])
        let r = try run(["release", "1.2.3.1.1"])
        #expect(r.status == 1 && r.err.contains("nothing HELD under 1.2.3.1.1"))
    }
}

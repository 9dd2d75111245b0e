import DICOMCore
import DICOMFile
import Foundation
import Testing

/// `sendit import`, `status`, `retry` and the pipeline's settings, through the real executable.
@Suite struct PipelineCommandsTests {
    let root: String
    let config: String

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("sendit-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/data", withIntermediateDirectories: true)
        config = root + "/sendit.conf"
        try "DATA_FOLDER=\(root)/data\nDATABASE=\(root)/sendit.db\nQUARANTINE_FOLDER=\(root)/var/quarantine\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
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
        #expect(r.status == 1 && r.out.contains("QUARANTINE_FOLDER must not be inside DATA_FOLDER"))
    }
}

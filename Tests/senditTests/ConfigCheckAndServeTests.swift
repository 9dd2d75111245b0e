import Foundation
import Testing

/// `sendit config check` and `sendit serve`, through the real executable, give the same verdict
/// and exit status for the same configuration; serve refuses a bad one before it listens or
/// touches the index.
@Suite struct ConfigCheckAndServeTests {
    let root: String
    let config: String

    init() throws { (root, config) = try PipelineCommandsTests.scratch("verdict") }

    func write(_ extra: String) throws {
        try ("DATA_FOLDER=\(root)/data\nDATABASE=\(root)/sendit.db\nQUARANTINE_FOLDER=\(root)/var/quarantine\n"
             + PipelineCommandsTests.varSettings(root) + "SEND_TO_ORTHANC=false\n" + extra)
            .write(toFile: config, atomically: true, encoding: .utf8)
    }

    @Test func aFileWithThreeMistakesIsRefusedByBothWithOneReport() throws {
        try write("DICOM_PORT=70000\nSEND_ACCEPT_WARNINGS=perhaps\nIDENTIFIERS_TIMEOUT=never\n")
        let check = try DumpCommandTests.run(DumpCommandTests.sendit, ["config", "check", "--config", config])
        let serve = try DumpCommandTests.run(DumpCommandTests.sendit, ["serve", "--config", config])
        #expect(check.status == 1 && serve.status == check.status, "config check \(check.status), serve \(serve.status)")
        for line in ["DICOM_PORT=70000 (file \(config):7): must be an integer from 0 to 65535",
                     "SEND_ACCEPT_WARNINGS=perhaps (file \(config):8): must be true or false",
                     "IDENTIFIERS_TIMEOUT=never (file \(config):9): must be a number of seconds above 0"] {
            #expect(check.out.contains(line), "\(check.out)")
            #expect(serve.err.contains(line), "\(serve.err)")
        }
        #expect(check.out.contains("invalid configuration, 3 problems") && serve.err.contains("invalid configuration, 3 problems"))
        // Refused before anything started: nothing listened, no index was made.
        #expect(!serve.err.contains("listening") && !serve.err.contains("pipeline running"))
        #expect(!FileManager.default.fileExists(atPath: root + "/sendit.db"))
    }

    @Test func aValidFileIsAcceptedByBoth() throws {
        try write("DICOM_AE_TITLE=VERDICT\nSEND_ACCEPT_WARNINGS=false\nIDENTIFIERS_TIMEOUT=5\n")
        let check = try DumpCommandTests.run(DumpCommandTests.sendit, ["config", "check", "--config", config])
        #expect(check.status == 0 && !check.out.contains("invalid"), "\(check.out)")
        // serve starts (it listens and runs the pipeline); SIGTERM then stops it with status 0.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: DumpCommandTests.sendit)
        p.arguments = ["serve", "--config", config, "--port", "0", "--http-port", "0"]
        let errPath = root + "/serve.err"
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { p.terminate() } }
        var log = ""
        let deadline = Date().addingTimeInterval(30)
        // "pipeline running" is logged before the service group starts; " listening " once the
        // group runs its listener (and handles SIGTERM).
        while Date() < deadline && p.isRunning && !(log.contains("pipeline running") && log.contains(" listening ")) {
            Thread.sleep(forTimeInterval: 0.1)
            log = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        }
        #expect(log.contains("listening") && log.contains("aet=VERDICT") && log.contains("pipeline running"), "\(log)")
        p.terminate()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
    }
}

import Foundation
@testable import sendit
import Testing
import TestSupport

extension NodeConfigurationTests {
    /// The walk over every setting, through the executables: an invalid value is refused by
    /// `sendit config check` and by `sendit serve` alike (status 1, the same problem line naming
    /// the setting and its file line), and serve refuses it before it listens or makes an index.
    @Test(arguments: Setting.allCases)
    func anInvalidValueIsRefusedByConfigCheckAndServeAlike(_ setting: Setting) throws {
        let example = try #require(examples(setting), "\(setting.name) has no examples")
        var settings = base
        settings[setting] = example.invalid
        let path = root + "/walk.conf"
        try Self.file(settings).write(toFile: path, atomically: true, encoding: .utf8)
        let check = try ExternalTools.launch(DumpCommandTests.sendit, ["config", "check", "--config", path],
                                             environment: Self.environmentWithoutSettings)
        let serve = try Self.launchBounded(DumpCommandTests.sendit, ["serve", "--config", path], seconds: 30)
        func problems(_ o: ExternalTools.Output) -> [String] {
            (o.text + o.stderr).split(separator: "\n").map(String.init).filter { $0.contains("(file \(path):") }
        }
        #expect(check.status == 1 && serve.status == 1, "\(setting.name): config check \(check.status), serve \(serve.status)")
        #expect(problems(check).count == 1 && problems(check).first?.contains(setting.name + "=") == true,
                "\(setting.name): \(check.text)\(check.stderr)")
        #expect(problems(serve) == problems(check), "\(setting.name): serve said \(serve.stderr)")
        #expect(!serve.stderr.contains(" listening ") && !FileManager.default.fileExists(atPath: root + "/sendit.db"))
    }

    /// This process's environment without any setting: a setting in the environment outranks the
    /// file (scripts/test exports DISK_MIN_FREE for the nodes the tests start), and the walk is
    /// about the file's invalid value.
    static var environmentWithoutSettings: [String: String] {
        let names = Set(Setting.allCases.map(\.name))
        return ProcessInfo.processInfo.environment.filter { !names.contains($0.key) }
    }

    /// Runs a program to its end, killing it after `seconds` (a serve that accepted its settings
    /// would run on): a killed run reports status -1.
    static func launchBounded(_ executable: String, _ arguments: [String], seconds: Double) throws -> ExternalTools.Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        p.environment = environmentWithoutSettings
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("sendit-serve-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errors) }
        p.standardError = try FileHandle(forWritingTo: errors)
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(seconds)
        while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        let killed = p.isRunning
        if killed { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        return ExternalTools.Output(status: killed ? -1 : p.terminationStatus, stdout: Data(),
                                    stderr: (try? String(contentsOf: errors, encoding: .utf8)) ?? "")
    }
}

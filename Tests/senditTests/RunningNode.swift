import Foundation
import Testing
import TestSupport

/// A `sendit serve` started by a test, its stderr in a file; stopped with SIGTERM (or killed at
/// the end, whatever happened).
final class RunningNode {
    let process = Process()
    let logPath: String

    init(config: String, logPath: String, arguments: [String] = []) throws {
        self.logPath = logPath
        process.executableURL = URL(fileURLWithPath: DumpCommandTests.sendit)
        process.arguments = ["serve", "--config", config] + arguments
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Waits (at most `seconds`) until `condition` holds; false if it never did or the node ended.
    static func wait(seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return try condition()
    }

    /// The DICOM port from the listener's log line (`listening … port=N`).
    func listeningPort(seconds: Double = 60) -> Int? {
        var port: Int?
        _ = Self.wait(seconds: seconds) {
            for line in log.split(separator: "\n") where line.contains("\"listening\"") || line.contains(" listening ") {
                if let range = line.range(of: #"port=\d+"#, options: .regularExpression) {
                    port = Int(line[range].dropFirst(5))
                }
            }
            return port != nil || !process.isRunning
        }
        return port
    }

    /// SIGTERM, then its exit status.
    func stop() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

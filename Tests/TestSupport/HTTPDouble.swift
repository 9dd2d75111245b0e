#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// An HTTP double of conformance/ (conformance/identifiers_service.py, conformance/gcs_double.py):
/// a Python script that takes `--log FILE`, prints the port it listens on as the last word of
/// its first line, and logs every request as one JSON line. Started in a scratch folder of its
/// own; killed (SIGKILL) and the folder removed when released. One that does not start fails the
/// test with its error output.
public final class HTTPDouble: @unchecked Sendable {
    public let port: Int
    /// Its requests, one JSON object a line.
    public let log: String
    private let process = Process()
    private let folder: String
    public var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// `script`: its name in conformance/; `arguments` follow `--log`.
    public init(_ script: String, _ arguments: [String]) throws {
        let folder = try ExternalTools.temporaryDirectory("double")
        self.folder = folder.path
        log = folder.path + "/requests.jsonl"
        let errors = folder.path + "/double.err"
        process.executableURL = URL(fileURLWithPath: try ExternalTools.python())
        process.arguments = [ExternalTools.packageRoot.appendingPathComponent("conformance/" + script).path, "--log", log] + arguments
        let out = Pipe()
        process.standardOutput = out
        _ = FileManager.default.createFile(atPath: errors, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
        try process.run()
        let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        guard let p = Int(line.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ").last ?? "") else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let text = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(at: folder)
            throw ExternalTools.Missing(description: "\(script) did not start: \(line) \(text)")
        }
        port = p
    }

    deinit {
        // SIGKILL: a child of the test runner may inherit a mask that blocks SIGTERM.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Every request logged so far.
    public var requests: [[String: Any]] {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }
}

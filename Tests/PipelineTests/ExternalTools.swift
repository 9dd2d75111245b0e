import Foundation

/// The outside programs tests run (the venv's Python, dcm2niix, openssl, the storage emulator).
/// A missing tool fails the test with what to do; it is never skipped.
enum ExternalTools {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Missing: Error, CustomStringConvertible { let description: String }

    /// SENDIT_PYTHON when the project's test command runs, else the venv's Python.
    static func python() throws -> String {
        let p = ProcessInfo.processInfo.environment["SENDIT_PYTHON"] ?? packageRoot.appendingPathComponent(".venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: p) else {
            throw Missing(description: "no Python at \(p): run scripts/setup (it makes .venv with pydicom, nibabel and gcp-storage-emulator)")
        }
        return p
    }

    /// A program on the PATH.
    static func tool(_ name: String) throws -> String {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        throw Missing(description: "\(name) is not on the PATH: run scripts/setup")
    }

    /// Runs a command to its end; answers stdout, throws with its output on another status.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], accepting statuses: Set<Int32> = [0]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("sendit-tool-stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errors) }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = try FileHandle(forWritingTo: errors)
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard statuses.contains(p.terminationStatus) else {
            throw Missing(description: "\(executable) \(arguments.joined(separator: " ")) exited \(p.terminationStatus): "
                          + String(decoding: data, as: UTF8.self) + ((try? String(contentsOf: errors, encoding: .utf8)) ?? ""))
        }
        return String(decoding: data, as: UTF8.self)
    }
}

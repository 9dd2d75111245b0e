import Foundation

/// The outside programs tests run (the venv's Python, dcmtk, dicom3tools, dcm2niix, openssl, the
/// storage emulator) and where the package is. A missing tool fails the test with what to do;
/// it is never skipped (scripts/setup installs them).
public enum ExternalTools {
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public struct Missing: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// SENDIT_PYTHON when the project's test command runs, else the venv's Python.
    public static func python() throws -> String {
        let p = ProcessInfo.processInfo.environment["SENDIT_PYTHON"] ?? packageRoot.appendingPathComponent(".venv/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: p) else {
            throw Missing(description: "no Python at \(p): run scripts/setup (it makes .venv with pydicom, pynetdicom, nibabel and gcp-storage-emulator)")
        }
        return p
    }

    /// A program on the PATH.
    public static func tool(_ name: String) throws -> String {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        throw Missing(description: "\(name) is not on the PATH: run scripts/setup")
    }

    /// What a finished program left: its exit status, stdout and stderr.
    public struct Output: Sendable {
        public let status: Int32
        public let stdout: Data
        public let stderr: String
        public var text: String { String(decoding: stdout, as: UTF8.self) }

        public init(status: Int32, stdout: Data, stderr: String) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    /// Runs a program (a path, or a name on the PATH) to its end, whatever its status. stderr
    /// goes to a file, so neither pipe can fill up and block the child.
    /// `input`: what the program reads on its standard input (else it inherits the test's).
    public static func launch(_ executable: String, _ arguments: [String],
                              environment: [String: String]? = nil, input: Data? = nil) throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : try tool(executable))
        p.arguments = arguments
        if let environment { p.environment = environment }
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("sendit-tool-stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errors) }
        let out = Pipe()
        let err = try FileHandle(forWritingTo: errors)
        p.standardOutput = out
        p.standardError = err
        let stdin = input.map { _ in Pipe() }
        if let stdin { p.standardInput = stdin }
        try p.run()
        if let stdin, let input {
            try stdin.fileHandleForWriting.write(contentsOf: input)
            try stdin.fileHandleForWriting.close()
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try? err.close()
        return Output(status: p.terminationStatus, stdout: data, stderr: (try? String(contentsOf: errors, encoding: .utf8)) ?? "")
    }

    /// Runs a program to its end; answers stdout, throws with its output on another status.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], accepting statuses: Set<Int32> = [0]) throws -> String {
        try runChecked(executable, arguments, accepting: statuses).text
    }

    /// `run`, answering the whole output.
    @discardableResult
    public static func runChecked(_ executable: String, _ arguments: [String], accepting statuses: Set<Int32> = [0]) throws -> Output {
        let output = try launch(executable, arguments)
        guard statuses.contains(output.status) else {
            throw Missing(description: "\(executable) \(arguments.joined(separator: " ")) exited \(output.status): \(output.text)\(output.stderr)")
        }
        return output
    }

    /// scripts/pydicom-canonical.py: pydicom's reading of files, to compare with sendit's.
    public static var pydicomCanonical: String { packageRoot.appendingPathComponent("scripts/pydicom-canonical.py").path }

    /// pydicom's own test files (`pydicom-canonical.py --list`, run by `python`).
    public static func pydicomTestFiles(python: String) throws -> [String] {
        try run(python, [pydicomCanonical, "--list"]).split(separator: "\n").map(String.init)
    }

    /// A new, empty folder under the system's temporary folder.
    public static func temporaryDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sendit-tests-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The secrets file: `KEY=VALUE` lines readable by sendit's user alone (mode 0600), holding
/// the de-identification key (`DEID_KEY`, 64 hexadecimal digits, made on first use) and
/// service credentials. A file that others may read is refused, as ssh refuses a private key.
public struct SecretsFile: Sendable {
    public let path: String
    public private(set) var values: [String: String]

    public struct SecretsError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// Reads the file, creating it (and `DEID_KEY`) if it does not exist.
    public static func open(_ path: String) throws -> SecretsFile {
        var st = stat()
        if stat(path, &st) != 0 {
            guard errno == ENOENT else { throw SecretsError(message: "cannot read secrets file \(path): \(String(cString: strerror(errno)))") }
            try create(path)
            guard stat(path, &st) == 0 else { throw SecretsError(message: "cannot read secrets file \(path)") }
        }
        if st.st_mode & 0o077 != 0 {
            throw SecretsError(message: "secrets file \(path) is readable by others (mode \(String(st.st_mode & 0o777, radix: 8))); chmod 600 it")
        }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw SecretsError(message: "cannot read secrets file \(path): \(error.localizedDescription)")
        }
        var values: [String: String] = [:]
        for (n, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let eq = line.firstIndex(of: "=") else { throw SecretsError(message: "\(path):\(n + 1): expected KEY=VALUE") }
            values[line[..<eq].trimmingCharacters(in: .whitespaces)] = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        }
        var file = SecretsFile(path: path, values: values)
        if values["DEID_KEY"] == nil {
            try file.append("DEID_KEY", hex(randomKey()))
        }
        return file
    }

    /// The de-identification key's bytes.
    public func deidentificationKey() throws -> [UInt8] {
        guard let hexKey = values["DEID_KEY"], let key = SecretsFile.bytes(hex: hexKey), key.count >= 16 else {
            throw SecretsError(message: "\(path): DEID_KEY must be at least 32 hexadecimal digits")
        }
        return key
    }

    static func create(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 && errno == EEXIST { return }
        guard fd >= 0 else { throw SecretsError(message: "cannot create secrets file \(path): \(String(cString: strerror(errno)))") }
        let header = "# sendit secrets: keep this file private (mode 0600) and backed up; losing DEID_KEY\n"
            + "# changes every code and UID sendit makes from now on.\n"
        _ = header.withCString { write(fd, $0, strlen($0)) }
        fsync(fd)
        close(fd)
    }

    mutating func append(_ key: String, _ value: String) throws {
        let fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw SecretsError(message: "cannot write secrets file \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let line = "\(key)=\(value)\n"
        let written = line.withCString { write(fd, $0, strlen($0)) }
        guard written == line.utf8.count, fsync(fd) == 0 else {
            throw SecretsError(message: "cannot write secrets file \(path): \(String(cString: strerror(errno)))")
        }
        values[key] = value
    }

    static func randomKey() -> [UInt8] {
        var g = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: 0...255, using: &g) }
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    static func bytes(hex: String) -> [UInt8]? {
        let chars = Array(hex.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        for i in stride(from: 0, to: chars.count, by: 2) {
            guard let b = UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(b)
        }
        return out
    }
}

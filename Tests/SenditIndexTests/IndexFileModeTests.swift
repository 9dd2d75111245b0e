import Foundation
import SenditIndex
import Testing

/// A new index and its companions (-wal, -shm, .lock) are readable by their owner only.
@Suite struct IndexFileModeTests {
    func mode(_ path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test func aNewIndexIsMadeMode0600() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sendit-mode-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/sendit.db"
        let database = try IndexDatabase(path: path)
        try database.lockForServing()
        defer { database.unlock() }
        _ = try database.users()
        for file in [path, path + "-wal", path + "-shm", path + ".lock"] {
            #expect(FileManager.default.fileExists(atPath: file), "\(file)")
            let m = try mode(file)
            #expect(m == 0o600, "\(file): \(String(m, radix: 8))")
        }
    }
}

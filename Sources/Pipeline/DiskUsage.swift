#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SenditIndex

/// How much a folder holds (files and bytes, walked now; links not followed) and how much its
/// file system has free: the data folder, the outbox and the quarantine, for `sendit status`
/// and the clean-up's log lines.
public struct DiskUsage: Codable, Sendable, Equatable {
    public var folder: String
    public var files: Int
    public var bytes: Int64
    /// Free bytes for an unprivileged user on the folder's file system (nil: it does not exist).
    public var available: Int64?

    public static func measure(_ folder: String) -> DiskUsage {
        var usage = DiskUsage(folder: folder, files: 0, bytes: 0, available: available(folder))
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return usage }
        while let name = walker.nextObject() as? String {
            var st = stat()
            guard lstat(folder + "/" + name, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { continue }
            usage.files += 1
            usage.bytes += Int64(st.st_size)
        }
        return usage
    }

    /// Free bytes for an unprivileged user on the folder's file system (nil: it does not exist).
    public static func available(_ folder: String) -> Int64? {
        var fs = statvfs()
        guard statvfs(folder, &fs) == 0 else { return nil }
        return Int64(fs.f_bavail) * Int64(fs.f_frsize)
    }

    /// "1,234 files, 52.1 MB (120.4 GB free)".
    public var summary: String {
        "\(files) files, \(ByteCount.text(bytes))" + (available.map { " (\(ByteCount.text($0)) free)" } ?? " (missing)")
    }
}

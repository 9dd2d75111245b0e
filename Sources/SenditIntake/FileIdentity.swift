#if canImport(Glibc)
import Glibc
#endif

/// What `stat` says about a path: enough to tell a folder that changed (or was replaced by
/// another of the same name) from one already imported.
public struct FileIdentity: Equatable, Sendable {
    public var device: Int64
    public var inode: Int64
    public var modifiedAt: Double
    public var size: Int64
    public var isDirectory: Bool
    public var isRegularFile: Bool

    /// `lstat`: a symbolic link is described, never followed.
    public init?(path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        device = Int64(bitPattern: UInt64(st.st_dev))
        inode = Int64(bitPattern: UInt64(st.st_ino))
        modifiedAt = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
        size = Int64(st.st_size)
        isDirectory = st.st_mode & S_IFMT == S_IFDIR
        isRegularFile = st.st_mode & S_IFMT == S_IFREG
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// A file system failure while storing, with errno (ENOSPC, EIO, …) for the status it maps to.
public struct FileStoreError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let what: String
    public var description: String { "\(what): \(String(cString: strerror(code)))" }
}

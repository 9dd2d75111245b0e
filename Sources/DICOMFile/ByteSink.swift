#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSenditSystem

/// Where encoded bytes go.
public protocol ByteSink: AnyObject {
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Appends `length` bytes of the file at `path` from `offset` without passing them through
    /// memory, if this sink can; false (nothing written) if the caller must copy them itself.
    func copy(fromFile path: String, offset: UInt64, length: UInt64) throws -> Bool
}

extension ByteSink {
    public func copy(fromFile path: String, offset: UInt64, length: UInt64) throws -> Bool { false }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }
}

/// Collects bytes in memory.
public final class MemorySink: ByteSink {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public func write(_ b: UnsafeRawBufferPointer) throws { bytes.append(contentsOf: b) }
}

/// An error writing a file, with the file and the system's reason.
public struct FileWriteError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let reason: String
    /// errno, e.g. ENOSPC: the receiver maps it to a DIMSE status.
    public let code: Int32
    public var description: String { "\(path): \(reason)" }
}

/// Buffered writes to a file descriptor the sink owns.
public final class FileSink: ByteSink {
    public let path: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    private let capacity: Int
    private var closed = false
    /// Start writing each chunk to disk as soon as it is written (sync_file_range, Linux), so a
    /// final fdatasync only waits for the tail: the disk works while the network delivers.
    public var startsWriteback = false
    private var writtenOffset: Int64 = 0

    /// Creates (or truncates) `path` with `mode` (umask applies; 0640 by default: DICOM files
    /// carry PHI and are not for every local user).
    public init(path: String, capacity: Int = 256 * 1024, mode: mode_t = 0o640) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw FileSink.error(path, "cannot create") }
        self.fd = fd
        self.path = path
        self.capacity = capacity
        buffer.reserveCapacity(capacity)
    }

    deinit { if !closed { Glibc.close(fd) } }

    /// Buffers small writes; a write of `capacity` bytes or more goes to the file directly,
    /// without a copy.
    public func write(_ b: UnsafeRawBufferPointer) throws {
        if buffer.count + b.count > capacity || b.count >= capacity { try flush() }
        if b.count >= capacity {
            try writeAll(b)
        } else {
            buffer.append(contentsOf: b)
        }
    }

    public func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, optionally fsyncs, and closes. Closing twice does nothing (the descriptor may
    /// already belong to someone else).
    /// - Parameters:
    ///   - sync: fsync before closing.
    ///   - mode: if given, the file's mode is set first (fchmod), and the sync is a full fsync so
    ///     that the mode change is durable too.
    public func close(sync: Bool, mode: mode_t? = nil) throws {
        guard !closed else { return }
        defer {
            closed = true
            Glibc.close(fd)
        }
        try flush()
        if let mode, fchmod(fd, mode) != 0 { throw FileSink.error(path, "fchmod failed") }
        if sync {
            if (mode != nil ? fsync(fd) : fdatasync(fd)) != 0 { throw FileSink.error(path, "fsync failed") }
        }
    }

    /// Copies the region in the kernel (copy_file_range: one copy from page cache to page
    /// cache, instead of a read into memory and a write out of it). Only a full destination
    /// throws here. Anything else (a kernel or file system that cannot, a source that is short
    /// or cannot be read) undoes what was copied and returns false: the caller's copy through
    /// memory then does the work, or fails with its own errors (a short original is the
    /// original's fault, not the destination's).
    public func copy(fromFile source: String, offset: UInt64, length: UInt64) throws -> Bool {
        try flush()
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { return false }
        defer { Glibc.close(input) }
        let start = writtenOffset
        var from = Int64(offset)
        var left = Int64(length)
        while left > 0 {
            let r = sendit_copy_file_range(input, &from, fd, left)
            if r < 0 {
                let code = errno
                if code == EINTR { continue }
                if code == ENOSPC || code == EDQUOT || code == EFBIG {
                    throw FileSink.error(path, "copy from \(source) failed", code: code)
                }
            }
            if r <= 0 {
                guard ftruncate(fd, off_t(start)) == 0, lseek(fd, off_t(start), SEEK_SET) == off_t(start) else {
                    throw FileSink.error(path, "cannot undo a failed copy from \(source)")
                }
                writtenOffset = start
                return false
            }
            if startsWriteback { _ = sendit_start_writeback(fd, writtenOffset, Int64(r)) }
            writtenOffset += Int64(r)
            left -= Int64(r)
        }
        return true
    }

    private func writeAll(_ b: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < b.count {
            let r = Glibc.write(fd, b.baseAddress! + done, b.count - done)
            if r < 0 {
                if errno == EINTR { continue }
                throw FileSink.error(path, "write failed")
            }
            done += r
        }
        if startsWriteback { _ = sendit_start_writeback(fd, writtenOffset, Int64(b.count)) }
        writtenOffset += Int64(b.count)
    }

    static func error(_ path: String, _ what: String, code: Int32 = errno) -> FileWriteError {
        return FileWriteError(path: path, reason: "\(what): \(String(cString: strerror(code)))", code: code)
    }
}

/// Deflates everything written to it into another sink.
final class DeflatingSink: ByteSink {
    private let deflater: Deflater

    init(into sink: ByteSink) throws {
        deflater = try Deflater { try sink.write($0) }
    }

    func write(_ b: UnsafeRawBufferPointer) throws { try deflater.write(b) }
    func finish() throws { try deflater.finish() }
}

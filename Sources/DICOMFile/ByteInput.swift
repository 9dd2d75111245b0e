#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A forward reader over a file (through a growing window filled by `pread`) or over bytes in
/// memory. The parser asks for what it needs next; a value that is skipped is never read.
/// Nothing is allocated in proportion to a length the input claims, only to bytes it has.
final class ByteInput {
    private(set) var buffer: [UInt8]
    /// Index of the next unread byte in `buffer`.
    var position: Int
    /// Offset in the input of `buffer[0]`.
    private(set) var bufferStart: UInt64
    /// Total length of the input.
    let end: UInt64
    let path: String?
    private let fd: Int32
    private var chunk: Int

    init(path: String, initialChunk: Int = 16 * 1024) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw DICOMReadError(path: path, offset: 0, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            close(fd)
            throw DICOMReadError(path: path, offset: 0, reason: "cannot stat: \(String(cString: strerror(errno)))")
        }
        if st.st_mode & S_IFMT == S_IFDIR {
            close(fd)
            throw DICOMReadError(path: path, offset: 0, reason: "is a directory")
        }
        self.fd = fd
        self.path = path
        end = UInt64(st.st_size)
        buffer = []
        position = 0
        bufferStart = 0
        chunk = initialChunk
    }

    init(bytes: [UInt8], path: String? = nil) {
        fd = -1
        self.path = path
        buffer = bytes
        end = UInt64(bytes.count)
        position = 0
        bufferStart = 0
        chunk = 0
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    var isFileBacked: Bool { fd >= 0 }
    @inline(__always) var offset: UInt64 { bufferStart &+ UInt64(position) }
    @inline(__always) var remaining: UInt64 { end &- offset }
    @inline(__always) var isAtEnd: Bool { offset >= end }
    @inline(__always) var available: Int { buffer.count &- position }

    /// Makes `n` bytes available at `position`; false if the input has fewer than `n` left.
    @inline(__always)
    func require(_ n: Int) throws -> Bool {
        if buffer.count &- position >= n { return true }
        return try refill(n)
    }

    private func refill(_ n: Int) throws -> Bool {
        guard fd >= 0, UInt64(n) <= remaining else { return false }
        let keep = buffer.count - position
        let fileEnd = bufferStart + UInt64(buffer.count)
        let want = max(n - keep, chunk)
        let toRead = Int(min(UInt64(want), end - fileEnd))
        var fresh = [UInt8](repeating: 0, count: keep + toRead)
        if keep > 0 {
            fresh.withUnsafeMutableBufferPointer { dst in
                buffer.withUnsafeBufferPointer { src in
                    dst.baseAddress!.update(from: src.baseAddress! + position, count: keep)
                }
            }
        }
        var got = 0
        try fresh.withUnsafeMutableBytes { raw in
            while got < toRead {
                let r = pread(fd, raw.baseAddress! + keep + got, toRead - got, off_t(fileEnd) + off_t(got))
                if r < 0 {
                    if errno == EINTR { continue }
                    throw DICOMReadError(path: path, offset: fileEnd + UInt64(got),
                                         reason: "read failed: \(String(cString: strerror(errno)))")
                }
                if r == 0 { break }
                got += r
            }
        }
        if got < toRead { fresh.removeLast(toRead - got) }
        bufferStart += UInt64(position)
        position = 0
        buffer = fresh
        chunk = min(chunk * 2, 4 << 20)
        return buffer.count >= n
    }

    /// Moves forward `n` bytes (the caller checked `n <= remaining`).
    func skip(_ n: UInt64) {
        if UInt64(available) >= n {
            position += Int(n)
        } else {
            let target = offset + n
            buffer.removeAll(keepingCapacity: false)
            bufferStart = target
            position = 0
        }
    }

    /// The next `n` bytes, copied (the caller checked `n <= remaining`).
    func read(_ n: Int) throws -> [UInt8] {
        guard try require(n) else {
            throw DICOMReadError(path: path, offset: offset, reason: "unexpected end of data")
        }
        let out = Array(buffer[position..<(position + n)])
        position += n
        return out
    }

    @inline(__always)
    func peekUInt16(at delta: Int, bigEndian: Bool) -> UInt16 {
        let v = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: position &+ delta, as: UInt16.self) }
        return bigEndian ? UInt16(bigEndian: v) : UInt16(littleEndian: v)
    }

    @inline(__always)
    func peekUInt32(at delta: Int, bigEndian: Bool) -> UInt32 {
        let v = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: position &+ delta, as: UInt32.self) }
        return bigEndian ? UInt32(bigEndian: v) : UInt32(littleEndian: v)
    }

    @inline(__always)
    func peekByte(at delta: Int) -> UInt8 { buffer[position &+ delta] }

    /// Reads `length` bytes from `offset` of the file without moving (for deferred values).
    static func readRegion(path: String, offset: UInt64, length: Int) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw DICOMReadError(path: path, offset: offset, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var out = [UInt8](repeating: 0, count: length)
        var got = 0
        try out.withUnsafeMutableBytes { raw in
            while got < length {
                let r = pread(fd, raw.baseAddress! + got, length - got, off_t(offset) + off_t(got))
                if r < 0 && errno == EINTR { continue }
                if r <= 0 {
                    throw DICOMReadError(path: path, offset: offset + UInt64(got),
                                         reason: r == 0 ? "file is shorter than recorded" : "read failed: \(String(cString: strerror(errno)))")
                }
                got += r
            }
        }
        return out
    }
}

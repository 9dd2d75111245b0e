#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A forward reader over a file (through a growing window filled by `pread`), over bytes in
/// memory, or over a deflated stream inflated as it is read. The parser asks for what it needs
/// next; a value that is skipped is never kept. Nothing is allocated in proportion to a length
/// the input claims, only to bytes it has.
final class ByteInput {
    private(set) var buffer: [UInt8]
    /// Index of the next unread byte in `buffer`.
    var position: Int
    /// Offset in the input of `buffer[0]`.
    private(set) var bufferStart: UInt64
    /// Total length of the input. For a deflated stream, its limit until the stream's end is
    /// reached, then the exact length.
    private(set) var end: UInt64
    let path: String?
    private let fd: Int32
    private var chunk: Int
    private var inflating: (source: ByteInput, inflater: Inflater)?

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

    /// The inflated content of `source`'s remaining bytes (raw deflate), produced as it is
    /// read; more than `limit` bytes is an error.
    init(inflating source: ByteInput, limit: Int, path: String?) throws {
        fd = -1
        self.path = path
        buffer = []
        position = 0
        bufferStart = 0
        end = UInt64(limit)
        chunk = 64 * 1024
        inflating = (source, try Inflater(limit: limit))
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// True at the end of the input. For a deflated stream this may inflate the next bytes to
    /// find out; an error doing so is reported by the next read.
    var isAtEnd: Bool {
        if position < buffer.count { return false }
        if inflating != nil { _ = try? require(1) }
        return offset >= end
    }

    var isFileBacked: Bool { fd >= 0 }
    @inline(__always) var offset: UInt64 { bufferStart &+ UInt64(position) }
    /// Bytes left. For a deflated stream not yet at its end this is not known: it is reported
    /// as unlimited, so a length is read (and fails at the true end, or at the inflate limit)
    /// rather than taken for a truncation.
    @inline(__always) var remaining: UInt64 {
        if let inflating, !inflating.inflater.finished { return UInt64.max - offset }
        return end &- offset
    }
    @inline(__always) var available: Int { buffer.count &- position }

    /// Makes `n` bytes available at `position`; false if the input has fewer than `n` left.
    @inline(__always)
    func require(_ n: Int) throws -> Bool {
        if buffer.count &- position >= n { return true }
        return try refill(n)
    }

    private func refill(_ n: Int) throws -> Bool {
        if let inflating { return try refillInflated(n, inflating.source, inflating.inflater) }
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

    /// Keeps the unread bytes and inflates more, until `n` are available or the stream ends.
    private func refillInflated(_ n: Int, _ source: ByteInput, _ inflater: Inflater) throws -> Bool {
        var fresh = Array(buffer[position...])   // grows with what is inflated, not with `n`
        while fresh.count < n && !inflater.finished {
            let compressed = try source.nextChunk(max: 64 * 1024)
            do {
                try inflater.inflate(compressed, into: &fresh, atMost: min(max(n - fresh.count, chunk), 1 << 20), inputEnded: compressed.isEmpty)
            } catch let failure as Zlib.Failure {
                throw DICOMReadError(path: path, offset: offset, reason: "deflated data set: \(failure.message)")
            }
        }
        bufferStart += UInt64(position)
        position = 0
        buffer = fresh
        if inflater.finished { end = bufferStart + UInt64(buffer.count) }
        return buffer.count >= n
    }

    /// Up to `max` of the next bytes (fewer at the end; empty at the end), consumed.
    func nextChunk(max: Int) throws -> ArraySlice<UInt8> {
        let n = Int(min(UInt64(max), remaining))
        guard n > 0, try require(n) else { return [] }
        defer { position += n }
        return buffer[position..<(position + n)]
    }

    /// Moves forward `n` bytes; false if the input ends first. A file or memory input jumps;
    /// a deflated stream is inflated through, a chunk at a time, keeping nothing.
    @discardableResult
    func skip(_ n: UInt64) -> Bool {
        if UInt64(available) >= n {
            position += Int(n)
            return true
        }
        if inflating != nil {
            var left = n
            while left > 0 {
                if available == 0 { guard (try? require(1)) == true else { return false } }
                let step = min(UInt64(available), left)
                position += Int(step)
                left -= step
            }
            return true
        }
        guard n <= remaining else { return false }
        let target = offset + n
        buffer.removeAll(keepingCapacity: false)
        bufferStart = target
        position = 0
        return true
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

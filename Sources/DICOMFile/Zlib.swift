import CZlib

/// Raw deflate (RFC 1951, no zlib or gzip header), as the Deflated transfer syntaxes use it.
enum Zlib {
    struct Failure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// Inflates `input`. `limit` bounds the output (a deflate bomb is an error, not an
    /// allocation); trailing bytes after the end of the deflate stream are ignored.
    static func inflate(_ input: ArraySlice<UInt8>, limit: Int = 1 << 31) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(message: "zlib inflateInit failed")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        let input = Array(input)
        return try input.withUnsafeBufferPointer { inBuf -> [UInt8] in
            stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress)
            stream.avail_in = UInt32(inBuf.count)
            while true {
                let status: Int32 = chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(out.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                output.append(contentsOf: chunk[0..<produced])
                if output.count > limit { throw Failure(message: "inflated data exceeds \(limit) bytes") }
                if status == Z_STREAM_END { return output }
                if status == Z_BUF_ERROR && stream.avail_in == 0 {
                    throw Failure(message: "deflated data ends before the end of its stream")
                }
                guard status == Z_OK || status == Z_BUF_ERROR else {
                    let msg = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                    throw Failure(message: "invalid deflated data (\(msg))")
                }
            }
        }
    }
}

/// Streaming raw deflate for writing Deflated Explicit VR Little Endian.
final class Deflater {
    private var stream = z_stream()
    private var chunk = [UInt8](repeating: 0, count: 256 * 1024)
    private let emit: ([UInt8]) throws -> Void

    init(level: Int32 = 6, emit: @escaping ([UInt8]) throws -> Void) throws {
        self.emit = emit
        guard deflateInit2_(&stream, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Zlib.Failure(message: "zlib deflateInit failed")
        }
    }

    deinit { deflateEnd(&stream) }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard !bytes.isEmpty else { return }
        stream.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress!.assumingMemoryBound(to: UInt8.self))
        stream.avail_in = UInt32(bytes.count)
        while stream.avail_in > 0 { try pump(Z_NO_FLUSH) }
    }

    func finish() throws {
        stream.next_in = nil
        stream.avail_in = 0
        while try pump(Z_FINISH) != Z_STREAM_END {}
    }

    @discardableResult
    private func pump(_ flush: Int32) throws -> Int32 {
        let (status, produced): (Int32, Int) = chunk.withUnsafeMutableBufferPointer { out in
            stream.next_out = out.baseAddress
            stream.avail_out = UInt32(out.count)
            let s = deflate(&stream, flush)
            return (s, out.count - Int(stream.avail_out))
        }
        guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
            throw Zlib.Failure(message: "deflate failed (\(status))")
        }
        if produced > 0 { try emit(Array(chunk[0..<produced])) }
        return status
    }
}

/// Streaming raw inflate, for reading a deflated data set without holding it all.
final class Inflater {
    private var stream = z_stream()
    private let limit: Int
    private(set) var produced = 0
    private(set) var finished = false
    private var pending: [UInt8] = []

    init(limit: Int) throws {
        self.limit = limit
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Zlib.Failure(message: "zlib inflateInit failed")
        }
    }

    deinit { inflateEnd(&stream) }

    /// Inflates `input` (plus what an earlier call left unconsumed), appending at most `atMost`
    /// bytes to `output`. `inputEnded`: no more input will come.
    func inflate(_ input: ArraySlice<UInt8>, into output: inout [UInt8], atMost: Int, inputEnded: Bool) throws {
        pending += input
        var out = [UInt8](repeating: 0, count: max(atMost, 1))
        let (status, used, made): (Int32, Int, Int) = pending.withUnsafeMutableBufferPointer { inBuf in
            out.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = inBuf.baseAddress
                stream.avail_in = UInt32(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = UInt32(outBuf.count)
                let s = CZlib.inflate(&stream, Z_NO_FLUSH)
                return (s, inBuf.count - Int(stream.avail_in), outBuf.count - Int(stream.avail_out))
            }
        }
        pending.removeFirst(used)
        produced += made
        output += out[0..<made]
        if produced > limit { throw Zlib.Failure(message: "inflated data exceeds \(limit) bytes") }
        switch status {
        case Z_STREAM_END: finished = true
        case Z_OK: break
        case Z_BUF_ERROR where !inputEnded || made > 0: break
        case Z_BUF_ERROR: throw Zlib.Failure(message: "deflated data ends before the end of its stream")
        default:
            let msg = stream.msg.map { String(cString: $0) } ?? "error \(status)"
            throw Zlib.Failure(message: "invalid deflated data (\(msg))")
        }
    }
}

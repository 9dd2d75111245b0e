import CZlib

/// Raw deflate (RFC 1951, no zlib or gzip header), as the Deflated transfer syntaxes use it.
enum Zlib {
    struct Failure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
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

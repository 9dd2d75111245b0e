import CZlib

/// gzip (RFC 1952) compression of a whole buffer with the system zlib, for `.nii.gz`.
enum NIfTIGzip {
    struct Failure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    static func compress(_ input: [UInt8], level: Int32 = 6) throws -> [UInt8] {
        var stream = z_stream()
        // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
        guard deflateInit2_(&stream, level, Z_DEFLATED, MAX_WBITS + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(message: "zlib deflateInit failed")
        }
        defer { deflateEnd(&stream) }
        var output: [UInt8] = []
        output.reserveCapacity(input.count / 2 + 1024)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        let step = Int(UInt32.max / 2)   // avail_in is 32 bits: feed very large inputs in parts
        try input.withUnsafeBufferPointer { source in
            var offset = 0
            var status: Int32 = Z_OK
            repeat {
                let count = min(step, source.count - offset)
                stream.next_in = count > 0 ? UnsafeMutablePointer(mutating: source.baseAddress! + offset) : nil
                stream.avail_in = UInt32(count)
                offset += count
                let flush = offset == source.count ? Z_FINISH : Z_NO_FLUSH
                repeat {
                    let produced: Int = chunk.withUnsafeMutableBufferPointer { out in
                        stream.next_out = out.baseAddress
                        stream.avail_out = UInt32(out.count)
                        status = deflate(&stream, flush)
                        return out.count - Int(stream.avail_out)
                    }
                    guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                        throw Failure(message: "deflate failed (\(status))")
                    }
                    output += chunk[0..<produced]
                } while stream.avail_out == 0 || (flush == Z_FINISH && status != Z_STREAM_END)
            } while offset < source.count
        }
        return output
    }
}

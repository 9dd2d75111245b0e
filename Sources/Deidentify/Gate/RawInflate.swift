import CZlib

/// Inflates a raw deflate stream (RFC 1951, as PS3.5 A.5 deflates a data set) whole, so the
/// gate searches the bytes a reader of the output will see. The gate's own, not the reader's.
enum RawInflate {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func inflate(_ input: UnsafeBufferPointer<UInt8>) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(description: "zlib cannot start inflating")
        }
        defer { inflateEnd(&stream) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: max(64 * 1024, input.count * 4))
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
        stream.avail_in = UInt32(input.count)
        while true {
            let (status, made): (Int32, Int) = chunk.withUnsafeMutableBufferPointer { c in
                stream.next_out = c.baseAddress
                stream.avail_out = UInt32(c.count)
                let s = CZlib.inflate(&stream, Z_NO_FLUSH)
                return (s, c.count - Int(stream.avail_out))
            }
            out += chunk[0..<made]
            switch status {
            case Z_STREAM_END:
                guard stream.avail_in == 0 else { throw Failure(description: "\(stream.avail_in) bytes follow the deflated data set") }
                return out
            case Z_OK:
                continue
            case Z_BUF_ERROR where made > 0:
                continue
            default:
                throw Failure(description: "the deflated data set cannot be inflated (zlib status \(status))")
            }
        }
    }
}

import CZlib

/// Inflates deflated bytes whole: a raw deflate stream (RFC 1951, as PS3.5 A.5 deflates a data
/// set), or a zlib or gzip stream (a vendor's compressed block inside a value). The gate uses it
/// to search what a reader of the output will see, the engine to search inside a compressed
/// value; zlib does the work, only the loop is here.
enum Inflater {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    enum Format {
        case raw
        /// A zlib or a gzip header, whichever it is.
        case zlibOrGzip

        var windowBits: Int32 { self == .raw ? -MAX_WBITS : MAX_WBITS + 32 }
    }

    /// The inflated bytes. Throws when the stream is damaged, does not end, or is followed by
    /// more bytes (raw only: a value's stream may be padded); stops at `limit` bytes.
    static func inflate(_ input: UnsafeBufferPointer<UInt8>, format: Format = .raw, limit: Int = .max) throws -> [UInt8] {
        var out: [UInt8] = []
        switch run(input, format: format, limit: limit, into: &out, readOn: { _ in false }) {
        case .notStarted: throw Failure(description: "zlib cannot start inflating")
        case .ended(let left):
            guard format != .raw || left == 0 else { throw Failure(description: "\(left) bytes follow the deflated data") }
            return out
        case .limit: return out
        case .failed(let status): throw Failure(description: "the deflated data cannot be inflated (zlib status \(status))")
        }
    }

    /// How far a zlib or gzip stream inflates, as a reader that inflates it sees it: the bytes,
    /// and whether inflating stopped at `limit` before the stream's end (then what follows
    /// was not looked at). A gzip member followed by another is read on (gunzip does). A
    /// damaged or cut stream gives what came before the damage, not capped.
    struct Prefix {
        var bytes: [UInt8]
        var capped: Bool
    }

    static func inflatePrefix(_ input: UnsafeBufferPointer<UInt8>, limit: Int) -> Prefix {
        var out: [UInt8] = []
        let ending = run(input, format: .zlibOrGzip, limit: limit, into: &out) { stream in
            // Another gzip member: read on.
            guard stream.avail_in >= 2, let next = stream.next_in, next[0] == 0x1F, next[1] == 0x8B else { return false }
            return inflateReset(&stream) == Z_OK
        }
        if case .limit = ending { return Prefix(bytes: out, capped: true) }
        return Prefix(bytes: out, capped: false)
    }

    enum Ending {
        case notStarted
        /// The stream ended, with this many input bytes after it.
        case ended(UInt32)
        /// `limit` bytes were made before the end.
        case limit
        case failed(Int32)
    }

    /// The loop both share: inflates into `out` until `limit`, an error, or the stream's end
    /// (where `readOn` may reset the stream to go on with what follows).
    static func run(_ input: UnsafeBufferPointer<UInt8>, format: Format, limit: Int, into out: inout [UInt8],
                    readOn: (inout z_stream) -> Bool) -> Ending {
        var stream = z_stream()
        guard inflateInit2_(&stream, format.windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            return .notStarted
        }
        defer { inflateEnd(&stream) }
        var chunk = [UInt8](repeating: 0, count: max(64 * 1024, min(input.count * 4, 4 << 20)))
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
        stream.avail_in = UInt32(input.count)
        while out.count < limit {
            let (status, made): (Int32, Int) = chunk.withUnsafeMutableBufferPointer { c in
                stream.next_out = c.baseAddress
                stream.avail_out = UInt32(c.count)
                let s = CZlib.inflate(&stream, Z_NO_FLUSH)
                return (s, c.count - Int(stream.avail_out))
            }
            out += chunk[0..<made]
            switch status {
            case Z_STREAM_END:
                if !readOn(&stream) { return .ended(stream.avail_in) }
            case Z_OK:
                continue
            case Z_BUF_ERROR where made > 0:
                continue
            default:
                return .failed(status)
            }
        }
        return .limit
    }
}

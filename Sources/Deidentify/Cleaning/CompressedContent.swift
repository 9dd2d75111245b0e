/// A binary value that is a gzip or zlib stream (a vendor's compressed protocol block, an
/// attacker's compressed text): inflated, so the cleaner can search what a reader who inflates
/// it would see. Only a value that starts as such a stream is tried; the output is capped.
enum CompressedContent {
    /// The most inflated bytes looked at (a deflate bomb stops there).
    static let limit = 32 << 20

    /// Whether `bytes` start as a gzip member or a zlib stream (RFC 1952, RFC 1950 header check).
    static func looksCompressed(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 8 else { return false }
        let gzip = bytes[0] == 0x1F && bytes[1] == 0x8B && bytes[2] == 0x08
        let zlib = bytes[0] & 0x0F == 8 && bytes[0] >> 4 <= 7 && (UInt16(bytes[0]) << 8 | UInt16(bytes[1])) % 31 == 0
        return gzip || zlib
    }

    /// The inflated bytes (as far as the stream inflates; `capped` when it goes on past
    /// `limit`: such a value cannot be shown clean, and is removed), or nil when `bytes` is no
    /// gzip or zlib stream.
    static func inflated(_ bytes: [UInt8]) -> Inflater.Prefix? {
        guard looksCompressed(bytes) else { return nil }
        return bytes.withUnsafeBufferPointer { Inflater.inflatePrefix($0, limit: limit) }
    }

    /// What the cleaner answers for a value it could not inflate whole.
    static let cutShort = "compressed content that inflates past 32 MiB, so it cannot be searched whole"
}

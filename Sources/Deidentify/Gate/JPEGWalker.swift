#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Walks one frame of JPEG (ITU-T T.81) or JPEG-LS (ITU-T T.87) by its markers and answers the
/// ranges of entropy-coded data, the only bytes the gate does not search. Everything else is
/// searched: every marker segment (APPn, COM, tables, frame and scan headers) before, between
/// and after scans, and any byte after EOI.
///
/// Inside a scan, JPEG's data holds FF only as FF 00 (stuffing) or a restart marker FF D0–D7;
/// JPEG-LS's holds FF followed by a byte below 80 (a stuffed bit) or a restart marker. Any other
/// FF ends the scan.
enum JPEGWalker {
    struct Failure: Error {
        let reason: String
    }

    /// `b[lo..<hi]` is one frame; answers the entropy-coded ranges (absolute offsets).
    static func walk(_ b: UnsafeBufferPointer<UInt8>, from lo: Int, to hi: Int, jpegLS: Bool) throws(Failure) -> [Range<Int>] {
        guard hi - lo >= 4, b[lo] == 0xFF, b[lo + 1] == 0xD8 else { throw Failure(reason: "it does not begin with SOI") }
        var skipped: [Range<Int>] = []
        var p = lo + 2
        while true {
            guard p < hi else { throw Failure(reason: "it ends without EOI") }
            guard b[p] == 0xFF else { throw Failure(reason: "byte \(p - lo) is not a marker") }
            // Fill bytes: any number of FF before the marker code.
            while p + 1 < hi && b[p + 1] == 0xFF { p += 1 }
            guard p + 1 < hi else { throw Failure(reason: "it ends inside a marker") }
            let marker = b[p + 1]
            p += 2
            switch marker {
            case 0xD9:
                return skipped   // EOI: what follows is searched
            case 0xD8, 0x00:
                throw Failure(reason: "marker FF\(hex(marker)) at byte \(p - 2 - lo)")
            case 0x01, 0xD0...0xD7:
                continue   // TEM and RSTn stand alone
            default:
                guard p + 2 <= hi else { throw Failure(reason: "it ends inside a marker segment") }
                let length = Int(b[p]) << 8 | Int(b[p + 1])
                guard length >= 2, p + length <= hi else {
                    throw Failure(reason: "marker segment FF\(hex(marker)) at byte \(p - 2 - lo) has length \(length)")
                }
                p += length
                if marker == 0xDA {   // SOS: the entropy-coded data follows
                    let start = p
                    p = endOfScan(b, from: p, to: hi, jpegLS: jpegLS)
                    guard p < hi else { throw Failure(reason: "a scan runs to the end without EOI") }
                    if p > start { skipped.append(start..<p) }
                }
            }
        }
    }

    /// The offset of the FF that ends the entropy-coded data starting at `p` (or `hi`).
    static func endOfScan(_ b: UnsafeBufferPointer<UInt8>, from start: Int, to hi: Int, jpegLS: Bool) -> Int {
        guard let base = b.baseAddress else { return hi }
        var p = start
        while p < hi {
            guard let found = memchr(base + p, 0xFF, hi - p) else { return hi }
            let q = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            guard q + 1 < hi else { return hi }
            let next = b[q + 1]
            let inScan = (0xD0...0xD7).contains(next) || (jpegLS ? next < 0x80 : next == 0x00)
            if !inScan { return q }
            p = q + 2
        }
        return hi
    }

    static func hex(_ b: UInt8) -> String {
        let d = Array("0123456789ABCDEF")
        return String([d[Int(b >> 4)], d[Int(b & 0xF)]])
    }
}

/// Walks one frame of JPEG 2000 (ITU-T T.800; HTJ2K, T.814, has the same syntax) and answers
/// the ranges of coded bit stream, the only bytes the gate does not search.
///
/// A codestream (SOC FF4F, SIZ FF51): the main header's marker segments and every tile-part
/// header (SOT FF90 … SOD FF93) are searched; the bit stream from after SOD to the tile-part's
/// end (SOT's Psot, or EOC when Psot is 0) is skipped; anything after EOC is searched.
/// A JP2 file (ISO/IEC 15444-1 Annex I): every box but the Contiguous Codestream box is searched
/// whole; the codestream in it is walked as above.
enum JPEG2000Walker {
    typealias Failure = JPEGWalker.Failure

    static func walk(_ b: UnsafeBufferPointer<UInt8>, from lo: Int, to hi: Int) throws(Failure) -> [Range<Int>] {
        if hi - lo >= 2 && b[lo] == 0xFF && b[lo + 1] == 0x4F { return try codestream(b, from: lo, to: hi) }
        if hi - lo >= 12 && be32(b, lo) == 12 && be32(b, lo + 4) == 0x6A50_2020 && be32(b, lo + 8) == 0x0D0A_870A {
            return try boxes(b, from: lo, to: hi)
        }
        throw Failure(reason: "it is neither a JPEG 2000 codestream nor a JP2 file")
    }

    static func be16(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int { Int(b[i]) << 8 | Int(b[i + 1]) }
    static func be32(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int { be16(b, i) << 16 | be16(b, i + 2) }

    static func codestream(_ b: UnsafeBufferPointer<UInt8>, from lo: Int, to hi: Int) throws(Failure) -> [Range<Int>] {
        guard hi - lo >= 4, be16(b, lo + 2) == 0xFF51 else { throw Failure(reason: "SIZ does not follow SOC") }
        var skipped: [Range<Int>] = []
        var p = lo + 2
        var tilePartEnd: Int? = nil   // inside a tile-part header: where its bit stream ends
        while true {
            guard p + 2 <= hi else { throw Failure(reason: "it ends without EOC") }
            let marker = be16(b, p)
            guard marker >= 0xFF30 else { throw Failure(reason: "byte \(p - lo) is not a marker") }
            switch marker {
            case 0xFFD9:   // EOC
                guard tilePartEnd == nil else { throw Failure(reason: "EOC inside a tile-part header") }
                return skipped
            case 0xFF4F:
                throw Failure(reason: "a second SOC at byte \(p - lo)")
            case 0xFF90:   // SOT: Lsot = 10, Isot, Psot, TPsot, TNsot
                guard tilePartEnd == nil, p + 12 <= hi, be16(b, p + 2) == 10 else { throw Failure(reason: "a bad SOT at byte \(p - lo)") }
                let psot = be32(b, p + 6)
                if psot == 0 {
                    tilePartEnd = -1   // up to EOC, found after SOD
                } else {
                    guard psot >= 14, p + psot <= hi else { throw Failure(reason: "a tile-part length \(psot) at byte \(p - lo)") }
                    tilePartEnd = p + psot
                }
                p += 12
            case 0xFF93:   // SOD: the bit stream follows
                guard let end = tilePartEnd else { throw Failure(reason: "SOD outside a tile-part at byte \(p - lo)") }
                p += 2
                let stop = end >= 0 ? end : try endOfCodestream(b, from: p, to: hi)
                guard stop >= p else { throw Failure(reason: "a tile-part ends inside its header") }
                if stop > p { skipped.append(p..<stop) }
                p = stop
                tilePartEnd = nil
            default:
                guard p + 4 <= hi else { throw Failure(reason: "it ends inside a marker segment") }
                let length = be16(b, p + 2)
                guard length >= 2, p + 2 + length <= hi, tilePartEnd.map({ $0 < 0 || p + 2 + length <= $0 }) ?? true else {
                    throw Failure(reason: "marker segment \(String(marker, radix: 16, uppercase: true)) at byte \(p - lo) has length \(length)")
                }
                p += 2 + length
            }
        }
    }

    /// For a last tile-part of unknown length (Psot 0): where EOC starts. In the bit stream an
    /// FF is never followed by 90 or more, except by the in-stream markers SOP (FF91) and
    /// EPH (FF92).
    static func endOfCodestream(_ b: UnsafeBufferPointer<UInt8>, from start: Int, to hi: Int) throws(Failure) -> Int {
        var p = start
        while p + 1 < hi {
            if b[p] == 0xFF && b[p + 1] >= 0x90 && b[p + 1] != 0x91 && b[p + 1] != 0x92 {
                guard b[p + 1] == 0xD9 else { throw Failure(reason: "marker FF\(JPEGWalker.hex(b[p + 1])) in the last tile-part's bit stream") }
                return p
            }
            p += 1
        }
        throw Failure(reason: "the last tile-part runs to the end without EOC")
    }

    /// JP2 boxes: LBox, TBox, (XLBox), contents. The jp2c box's contents are a codestream.
    static func boxes(_ b: UnsafeBufferPointer<UInt8>, from lo: Int, to hi: Int) throws(Failure) -> [Range<Int>] {
        var skipped: [Range<Int>] = []
        var codestreams = 0
        var p = lo
        while p < hi {
            // Fewer bytes than a box header: the frame's padding, searched with the rest.
            if hi - p < 8 { break }
            let lbox = be32(b, p), tbox = be32(b, p + 4)
            var header = 8, length = lbox
            if lbox == 1 {
                guard hi - p >= 16 else { throw Failure(reason: "a box header at byte \(p - lo) is cut short") }
                length = be32(b, p + 8) << 32 | be32(b, p + 12)
                header = 16
            } else if lbox == 0 {
                length = hi - p
            }
            guard length >= header, length <= hi - p else { throw Failure(reason: "a box at byte \(p - lo) has length \(length)") }
            if tbox == 0x6A70_3263 {   // 'jp2c'
                skipped += try codestream(b, from: p + header, to: p + length)
                codestreams += 1
            }
            p += length
        }
        guard codestreams >= 1 else { throw Failure(reason: "the JP2 file has no codestream box") }
        return skipped
    }
}

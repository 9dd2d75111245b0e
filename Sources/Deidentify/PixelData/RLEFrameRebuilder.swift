/// One RLE Lossless frame (PS3.5 Annex G) rebuilt: the 64-byte header with exactly Samples per
/// Pixel × Bits Allocated / 8 segments, ascending offsets inside the frame, the first 64, and
/// the unused offsets 0; each segment only as far as it takes to decode Rows × Columns bytes
/// (a run reaching past them is shortened, no-op bytes are left out), padded to even length
/// with a zero byte (G.5). Whatever follows in a segment is left out; a segment that ends
/// before Rows × Columns bytes is refused.
enum RLEFrameRebuilder {
    static func rebuild(_ b: [UInt8], segments expected: Int, bytesPerSegment: Int) throws -> FrameOutput {
        guard (1...15).contains(expected) else {
            throw PixelDataRefusal("RLE: Samples per Pixel × Bits Allocated / 8 is \(expected), not 1 to 15 segments")
        }
        guard b.count >= 64 else { throw PixelDataRefusal("RLE: the frame is \(b.count) bytes, shorter than its 64-byte header") }
        func le32(_ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 | Int(b[i + 2]) << 16 | Int(b[i + 3]) << 24 }
        let count = le32(0)
        guard count == expected else {
            throw PixelDataRefusal("RLE: the header gives \(count) segments, not the \(expected) of Samples per Pixel × Bits Allocated / 8")
        }
        let offsets = (0..<count).map { le32(4 + 4 * $0) }
        guard offsets[0] == 64 else { throw PixelDataRefusal("RLE: the first segment starts at \(offsets[0]), not 64") }
        for i in 0..<count {
            guard offsets[i] < b.count, i == 0 || offsets[i] > offsets[i - 1] else {
                throw PixelDataRefusal("RLE: segment \(i + 1) offset \(offsets[i]) is not ascending inside the frame")
            }
        }
        var segments: [[UInt8]] = []
        var unchanged = true
        for i in 0..<count {
            let range = offsets[i]..<(i + 1 < count ? offsets[i + 1] : b.count)
            let (segment, verbatim) = try decodeFarEnough(b, range, bytes: bytesPerSegment, index: i + 1)
            // Unchanged if it is the input's bytes up to the next segment (the last one may be
            // followed by bytes that are left out: the frame is then cut).
            let end = range.lowerBound + segment.count
            unchanged = unchanged && verbatim && (i + 1 == count || end == range.upperBound)
            segments.append(segment)
        }
        var header = [UInt8](repeating: 0, count: 64)
        func put(_ v: Int, at i: Int) { for k in 0..<4 { header[i + k] = UInt8(truncatingIfNeeded: v >> (8 * k)) } }
        put(count, at: 0)
        var at = 64
        for (i, s) in segments.enumerated() {
            put(at, at: 4 + 4 * i)
            at += s.count
        }
        var out = FrameOutput(capacity: at)
        if unchanged && header[..<64].elementsEqual(b[..<64]) {
            out.copy(b, 0..<at)
        } else {
            out.write(header)
            for s in segments { out.write(s) }
        }
        return out
    }

    /// A segment's PackBits bytes (G.3.1) up to where `bytes` bytes are decoded, padded to even;
    /// true if they are the input's own bytes.
    static func decodeFarEnough(_ b: [UInt8], _ range: Range<Int>, bytes needed: Int, index: Int) throws -> ([UInt8], Bool) {
        var out: [UInt8] = []
        out.reserveCapacity(min(range.count, needed + needed / 64 + 2))
        var verbatim = true
        var produced = 0, q = range.lowerBound
        while produced < needed {
            guard q < range.upperBound else {
                throw PixelDataRefusal("RLE: segment \(index) ends after \(produced) of its \(needed) bytes")
            }
            let h = Int(b[q])
            if h < 128 {   // h + 1 literal bytes
                let n = h + 1
                guard q + 1 + n <= range.upperBound else {
                    throw PixelDataRefusal("RLE: segment \(index) ends inside a literal run")
                }
                let take = min(n, needed - produced)
                if take == n {
                    out.append(contentsOf: b[q..<(q + 1 + n)])
                } else {
                    out.append(UInt8(take - 1))
                    out.append(contentsOf: b[(q + 1)..<(q + 1 + take)])
                    verbatim = false
                }
                produced += take
                q += 1 + n
            } else if h > 128 {   // the next byte 257 − h times
                let n = 257 - h
                guard q + 2 <= range.upperBound else { throw PixelDataRefusal("RLE: segment \(index) ends inside a replicate run") }
                let take = min(n, needed - produced)
                if take == n {
                    out.append(contentsOf: b[q..<(q + 2)])
                } else {
                    out.append(take == 1 ? 0 : UInt8(257 - take))
                    out.append(b[q + 1])
                    verbatim = false
                }
                produced += take
                q += 2
            } else {   // 128: no operation, left out
                q += 1
                verbatim = false
            }
        }
        if out.count % 2 == 1 {
            // G.5: an odd segment is padded with a zero. Verbatim if the input has that zero too.
            verbatim = verbatim && q < range.upperBound && b[q] == 0
            out.append(0)
        }
        return (out, verbatim)
    }
}

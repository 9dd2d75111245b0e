import DICOMCore

/// Encapsulated Pixel Data (PS3.5 A.4), walked frame by frame with the gate's own walkers:
/// JPEG and JPEG-LS by markers, JPEG 2000 by codestream markers and JP2 boxes, RLE by its
/// 64-byte header, Encapsulated Uncompressed as native frames. It answers the bytes that are
/// entropy-coded sample data (the only bytes the byte search skips) and, for a frame split
/// over several fragments, the frame's bytes joined (so a segment cut by an item header is
/// searched whole). A fragment it cannot make sense of, or a transfer syntax it does not know,
/// is a problem: the engine rebuilds containers, so a clean output always walks.
struct EncapsulatedPixelCheck {
    enum Codec { case jpeg, jpegLS, jpeg2000, rle, uncompressed }

    struct Problem: Error {
        let reason: String
    }

    /// A frame over several fragments: its bytes joined, the ranges to search in them.
    struct JoinedFrame {
        /// `frame 2 (fragments 2–3)`.
        let name: String
        let bytes: [UInt8]
        let searchable: [Range<Int>]
    }

    var skipped: [Range<Int>] = []
    /// The bytes of single-fragment frames outside their sample data (marker segments, boxes,
    /// headers), in the file: searched in other encodings too (MarkerSegmentSearch).
    var searchable: [Range<Int>] = []
    var joined: [JoinedFrame] = []

    static let jpeg: [TransferSyntax] = [
        .jpegBaseline8Bit, .jpegExtended12Bit, .jpegExtended35, .jpegSpectralSelectionNonHierarchical68,
        .jpegSpectralSelectionNonHierarchical79, .jpegFullProgressionNonHierarchical1012,
        .jpegFullProgressionNonHierarchical1113, .jpegLossless, .jpegLosslessNonHierarchical15,
        .jpegExtendedHierarchical1618, .jpegExtendedHierarchical1719, .jpegSpectralSelectionHierarchical2022,
        .jpegSpectralSelectionHierarchical2123, .jpegFullProgressionHierarchical2426,
        .jpegFullProgressionHierarchical2527, .jpegLosslessHierarchical28, .jpegLosslessHierarchical29, .jpegLosslessSV1,
    ]
    static let jpeg2000: [TransferSyntax] = [
        .jpeg2000Lossless, .jpeg2000, .jpeg2000MCLossless, .jpeg2000MC, .htj2KLossless, .htj2KLosslessRPCL, .htj2K,
    ]

    static func codec(for ts: TransferSyntax) -> Codec? {
        if jpeg.contains(ts) { return .jpeg }
        if ts == .jpeglsLossless || ts == .jpeglsNearLossless { return .jpegLS }
        if jpeg2000.contains(ts) { return .jpeg2000 }
        if ts == .rleLossless { return .rle }
        if ts == .encapsulatedUncompressedExplicitVRLittleEndian { return .uncompressed }
        return nil
    }

    /// Checks the fragments of element `index` (the Basic Offset Table first).
    init(_ parser: OutputParser, element index: Int) throws {
        let e = parser.elements[index]
        let b = parser.bytes
        let ts = parser.transferSyntax
        guard let codec = EncapsulatedPixelCheck.codec(for: ts) else {
            throw Problem(reason: "the gate does not walk \(ts.name) (\(ts.uid.rawValue))")
        }
        guard let items = e.fragments, let bot = items.first else { throw Problem(reason: "there is no Basic Offset Table item") }
        let fragments = Array(items.dropFirst())
        let count = parser.integerString(.numberOfFrames, in: e.dataSet) ?? 1
        guard count >= 1 else { throw Problem(reason: "Number of Frames is \(count)") }

        var table: [Int]? = nil
        if bot.length > 0 {
            guard bot.length % 4 == 0 else { throw Problem(reason: "the Basic Offset Table's length is \(bot.length)") }
            table = stride(from: bot.start, to: bot.start + bot.length, by: 4).map { parser.u32($0) }
        } else if let eot = parser.element(.extendedOffsetTable, in: e.dataSet), eot.valueLength > 0 {
            guard eot.valueLength % 8 == 0 else { throw Problem(reason: "the Extended Offset Table's length is \(eot.valueLength)") }
            table = stride(from: eot.valueStart, to: eot.valueStart + eot.valueLength, by: 8).map { parser.u32($0) | parser.u32($0 + 4) << 32 }
        }
        let frames: [[Int]]
        do {
            frames = try FrameSplitter.frames(fragments: fragments, offsetTable: table, frames: count) { i in
                let f = fragments[i]
                guard f.length >= 4 else { return false }
                switch codec {
                case .jpeg, .jpegLS: return b[f.start] == 0xFF && b[f.start + 1] == 0xD8
                case .jpeg2000:
                    return (b[f.start] == 0xFF && b[f.start + 1] == 0x4F)
                        || (f.length >= 12 && JPEG2000Walker.be32(b, f.start + 4) == 0x6A50_2020)
                case .rle, .uncompressed: return false
                }
            }
        } catch {
            throw Problem(reason: error.reason)
        }

        let native: NativePixelCheck? = codec == .uncompressed
            ? try EncapsulatedPixelCheck.nativeCheck(parser, e.dataSet) : nil
        for (n, members) in frames.enumerated() {
            let first = members[0] + 1   // fragments are numbered from 1 after the offset table
            let name = members.count == 1 ? "fragment \(first)" : "frame \(n + 1) (fragments \(first)–\(members.last! + 1))"
            if members.count == 1 {
                let f = fragments[members[0]]
                let ranges = try EncapsulatedPixelCheck.walk(codec, b, f.start, f.start + f.length, native, name)
                skipped += ranges
                searchable += EncapsulatedPixelCheck.complement(ranges, in: f.start..<(f.start + f.length))
                continue
            }
            var bytes: [UInt8] = []
            for m in members { bytes += b[fragments[m].start..<(fragments[m].start + fragments[m].length)] }
            let ranges = try bytes.withUnsafeBufferPointer { j in try EncapsulatedPixelCheck.walk(codec, j, 0, j.count, native, name) }
            joined.append(JoinedFrame(name: name, bytes: bytes, searchable: EncapsulatedPixelCheck.complement(ranges, in: 0..<bytes.count)))
            // The skipped ranges, back in the file: a range may cross from one fragment to the next.
            var base = 0
            for m in members {
                let f = fragments[m]
                for r in ranges {
                    let lo = max(r.lowerBound, base), hi = min(r.upperBound, base + f.length)
                    if lo < hi { skipped.append((f.start + lo - base)..<(f.start + hi - base)) }
                }
                base += f.length
            }
        }
    }

    static func nativeCheck(_ parser: OutputParser, _ ds: Int) throws(Problem) -> NativePixelCheck {
        do { return try NativePixelCheck(parser, dataSet: ds, pixelTag: .pixelData) } catch { throw Problem(reason: error.reason) }
    }

    /// One frame's skipped ranges (absolute offsets in `b`).
    static func walk(_ codec: Codec, _ b: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int,
                     _ native: NativePixelCheck?, _ name: String) throws(Problem) -> [Range<Int>] {
        do throws(JPEGWalker.Failure) {
            switch codec {
            case .jpeg: return try JPEGWalker.walk(b, from: lo, to: hi, jpegLS: false)
            case .jpegLS: return try JPEGWalker.walk(b, from: lo, to: hi, jpegLS: true)
            case .jpeg2000: return try JPEG2000Walker.walk(b, from: lo, to: hi)
            case .rle: return try rle(b, lo, hi)
            case .uncompressed:
                let check = native!
                let size = check.frameBytes
                guard hi - lo == size || hi - lo == size + (size & 1) else {
                    throw JPEGWalker.Failure(reason: "it holds \(hi - lo) bytes for a frame of \(size)")
                }
                if let problem = check.checkBits(b, start: lo, count: size) { throw JPEGWalker.Failure(reason: problem) }
                return [lo..<(lo + size)]
            }
        } catch {
            throw Problem(reason: "\(name): \(error.reason)")
        }
    }

    /// RLE (PS3.5 G.4): a header of 16 little-endian 32-bit numbers (the segment count, 1 to 15,
    /// then each segment's offset: the first 64, ascending, within the frame; unused ones 0).
    /// The segments are sample data.
    static func rle(_ b: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) throws(JPEGWalker.Failure) -> [Range<Int>] {
        guard hi - lo >= 64 else { throw JPEGWalker.Failure(reason: "it is shorter than an RLE header") }
        func u32(_ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 | Int(b[i + 2]) << 16 | Int(b[i + 3]) << 24 }
        let n = u32(lo)
        guard (1...15).contains(n), u32(lo + 4) == 64 else { throw JPEGWalker.Failure(reason: "its RLE header is not valid") }
        var previous = 64
        for segment in 2...15 {
            let offset = u32(lo + 4 * segment)
            if segment <= n {
                guard offset > previous, offset < hi - lo else { throw JPEGWalker.Failure(reason: "its RLE segment offsets are not valid") }
                previous = offset
            } else {
                guard offset == 0 else { throw JPEGWalker.Failure(reason: "its RLE header has an offset past its segment count") }
            }
        }
        return hi - lo > 64 ? [(lo + 64)..<hi] : []
    }

    /// The parts of `whole` outside `ranges` (sorted, disjoint).
    static func complement(_ ranges: [Range<Int>], in whole: Range<Int>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var at = whole.lowerBound
        for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if r.lowerBound > at { out.append(at..<r.lowerBound) }
            at = max(at, r.upperBound)
        }
        if at < whole.upperBound { out.append(at..<whole.upperBound) }
        return out
    }
}

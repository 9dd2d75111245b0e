/// How one frame of an encapsulated transfer syntax is rebuilt, and how the start of one is
/// recognised when no offset table says where frames begin.
struct FrameCodec {
    let rebuild: ([UInt8]) throws -> FrameOutput
    let startsCodestream: ([UInt8]) -> Bool

    init(_ encoding: PixelDataEncoding, _ d: ImagePixelDescription) throws {
        switch encoding {
        case .jpeg, .jpegLS:
            let ls = encoding == .jpegLS
            rebuild = { try JPEGFrameRebuilder.rebuild($0, jpegLS: ls) }
            startsCodestream = { $0.count >= 3 && $0[0] == 0xFF && $0[1] == 0xD8 && $0[2] == 0xFF }
        case .jpeg2000(let part2):
            rebuild = { try JPEG2000FrameRebuilder.rebuild($0, part2: part2) }
            startsCodestream = { b in
                (b.count >= 4 && b[0] == 0xFF && b[1] == 0x4F && b[2] == 0xFF && b[3] == 0x51)
                    || (b.count >= 12 && b[0..<12].elementsEqual(JPEG2000FrameRebuilder.jp2Signature))
            }
        case .rle:
            let segments = try d.samplesPerPixel() * d.bitsAllocated() / 8
            let bytes = try d.product([d.rows(), d.columns()], "one RLE segment")
            rebuild = { try RLEFrameRebuilder.rebuild($0, segments: segments, bytesPerSegment: bytes) }
            // An RLE header: 1 to 15 segments, the first at 64.
            startsCodestream = { b in
                b.count >= 8 && (1...15).contains(b[0]) && b[1] == 0 && b[2] == 0 && b[3] == 0
                    && b[4] == 64 && b[5] == 0 && b[6] == 0 && b[7] == 0
            }
        case .encapsulatedUncompressed:
            let bitsAllocated = try d.bitsAllocated()
            let bits = try d.storedBits(bitsAllocated: bitsAllocated)
            let frameBits = try d.frameBits(bitsAllocated: bitsAllocated)
            let length = frameBits / 8 + (frameBits % 8 == 0 ? 0 : 1)
            rebuild = { frame in
                var out = FrameOutput(capacity: length)
                if let cleaned = try NativePixelData.rebuildFrame(frame, length: length, bits: bits, tailBits: frameBits % 8) {
                    if cleaned.elementsEqual(frame[0..<length]) { out.copy(frame, 0..<length) } else { out.write(cleaned) }
                } else {
                    out.copy(frame, 0..<frame.count)
                }
                return out
            }
            startsCodestream = { _ in false }
        case .native, .video, .referenced, .unsupported:
            preconditionFailure("not an encapsulated codec")
        }
    }
}

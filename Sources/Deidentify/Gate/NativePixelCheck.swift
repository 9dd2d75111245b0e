import DICOMCore

/// Native (uncompressed) sample data, checked as PS3.5 8 lays it out: the value is exactly
/// Rows × Columns × samples × Bits Allocated × Number of Frames bits long (rounded up to bytes,
/// padded to even length), and no sample has a bit set outside Bits Stored, [High Bit − Bits
/// Stored + 1 … High Bit], other than the sign extension of High Bit for signed samples. Text
/// cannot hide in a value longer than its frames, nor in the unused high bits of each sample.
struct NativePixelCheck {
    let rows: Int, columns: Int
    /// Samples per pixel as stored: 2 for YBR_FULL_422 and YBR_PARTIAL_422 (PS3.3 C.7.6.3.1.2).
    let samples: Int
    let bitsAllocated: Int, bitsStored: Int, highBit: Int
    let signed: Bool
    let frames: Int

    /// The Image Pixel attributes of the data set that holds `pixelTag`; a reason if they are
    /// missing or do not describe samples this check knows.
    init(_ parser: OutputParser, dataSet ds: Int, pixelTag: Tag) throws(PixelProblem) {
        func need(_ tag: Tag, _ name: String) throws(PixelProblem) -> Int {
            guard let v = parser.uint16(tag, in: ds) else { throw PixelProblem("no \(name)") }
            return v
        }
        rows = try need(.rows, "Rows")
        columns = try need(.columns, "Columns")
        let spp = try need(.samplesPerPixel, "Samples per Pixel")
        let photometric = parser.string(.photometricInterpretation, in: ds) ?? ""
        samples = photometric.hasPrefix("YBR_") && photometric.hasSuffix("_422") ? 2 : spp
        frames = parser.integerString(.numberOfFrames, in: ds) ?? 1
        guard frames >= 1 else { throw PixelProblem("Number of Frames is \(frames)") }
        if pixelTag == .floatPixelData || pixelTag == .doubleFloatPixelData {
            bitsAllocated = pixelTag == .floatPixelData ? 32 : 64
            bitsStored = bitsAllocated
            highBit = bitsAllocated - 1
            signed = false
            return
        }
        bitsAllocated = try need(.bitsAllocated, "Bits Allocated")
        bitsStored = try need(.bitsStored, "Bits Stored")
        highBit = try need(.highBit, "High Bit")
        signed = (parser.uint16(.pixelRepresentation, in: ds) ?? 0) == 1
        guard [1, 8, 16, 32, 64].contains(bitsAllocated) else { throw PixelProblem("Bits Allocated is \(bitsAllocated)") }
        guard bitsStored >= 1, bitsStored <= bitsAllocated, highBit < bitsAllocated, highBit + 1 >= bitsStored else {
            throw PixelProblem("Bits Stored \(bitsStored) and High Bit \(highBit) do not fit Bits Allocated \(bitsAllocated)")
        }
    }

    struct PixelProblem: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// Bytes of one frame's samples (bits rounded up to bytes).
    var frameBytes: Int { (rows * columns * samples * bitsAllocated + 7) / 8 }
    /// Bytes of all frames' samples: 1-bit frames are packed without padding between them.
    var sampleBytes: Int { (rows * columns * samples * bitsAllocated * frames + 7) / 8 }
    /// The value's length: the samples, padded to even.
    var valueLength: Int { sampleBytes + (sampleBytes & 1) }

    /// Checks `count` bytes of samples at `start`; the problem, or nil.
    func checkBits(_ b: UnsafeBufferPointer<UInt8>, start: Int, count: Int) -> String? {
        guard bitsAllocated >= 8, count > 0 else { return nil }
        let low = highBit - bitsStored + 1
        let lane = bitsAllocated
        let above = lane - 1 - highBit
        if low == 0 && above == 0 { return nil }
        let raw = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(b)[start..<(start + count)])
        // Masks repeated in every lane of a 64-bit word (SWAR).
        func replicate(_ m: UInt64) -> UInt64 {
            var r: UInt64 = 0
            for k in stride(from: 0, to: 64, by: lane) { r |= m << UInt64(k) }
            return r
        }
        let laneMask: UInt64 = lane == 64 ? ~0 : (1 << UInt64(lane)) - 1
        let lowMask = replicate(low == 0 ? 0 : (1 << UInt64(low)) - 1)
        if !signed {
            let outside = replicate(laneMask & ~((laneMask >> UInt64(lane - bitsStored)) << UInt64(low)))
            return NativePixelCheck.anySet(raw, mask: outside) ? "bits outside Bits Stored are set" : nil
        }
        if low > 0 && NativePixelCheck.anySet(raw, mask: lowMask) { return "bits below Bits Stored are set" }
        if above == 0 { return nil }
        if above + 1 == lane { return scalarSignCheck(raw) }
        // Bits High Bit … lane top, moved to the bottom of each lane, must be all 0 or all 1:
        // t + 1 keeps only bit 0 of the field, or none, exactly then (no carry leaves a lane).
        let field = replicate((1 << UInt64(above + 1)) - 1)
        let ones = replicate(1)
        let shift = UInt64(highBit)
        let bad = NativePixelCheck.reduce(raw) { w in ((w >> shift) & field &+ ones) & field & ~ones }
        return bad ? "bits above High Bit are not its sign extension" : nil
    }

    /// Any bit of `mask` set in any 64-bit word (the tail read into a zeroed word).
    static func anySet(_ raw: UnsafeRawBufferPointer, mask: UInt64) -> Bool {
        reduce(raw) { $0 & mask }
    }

    /// ORs `f` of every little-endian 64-bit word; true if any is non-zero. The tail is read
    /// into a zeroed word: a zero sample passes every check.
    @inline(__always)
    static func reduce(_ raw: UnsafeRawBufferPointer, _ f: (UInt64) -> UInt64) -> Bool {
        let words = raw.count / 8
        var acc0: UInt64 = 0, acc1: UInt64 = 0, acc2: UInt64 = 0, acc3: UInt64 = 0
        var i = 0
        while i + 4 <= words {
            acc0 |= f(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))
            acc1 |= f(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8 + 8, as: UInt64.self)))
            acc2 |= f(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8 + 16, as: UInt64.self)))
            acc3 |= f(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8 + 24, as: UInt64.self)))
            i += 4
        }
        while i < words {
            acc0 |= f(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))
            i += 1
        }
        if raw.count % 8 != 0 {
            var tail: UInt64 = 0
            for k in 0..<(raw.count % 8) { tail |= UInt64(raw[words * 8 + k]) << UInt64(8 * k) }
            acc0 |= f(tail)
        }
        return acc0 | acc1 | acc2 | acc3 != 0
    }

    /// Signed samples with Bits Stored 1 at bit 0: each lane all 0 or all 1.
    func scalarSignCheck(_ raw: UnsafeRawBufferPointer) -> String? {
        let size = bitsAllocated / 8
        var i = 0
        while i + size <= raw.count {
            var v: UInt64 = 0
            for k in 0..<size { v |= UInt64(raw[i + k]) << UInt64(8 * k) }
            let all: UInt64 = bitsAllocated == 64 ? ~0 : (1 << UInt64(bitsAllocated)) - 1
            if v != 0 && v != all { return "bits above High Bit are not its sign extension" }
            i += size
        }
        return nil
    }
}

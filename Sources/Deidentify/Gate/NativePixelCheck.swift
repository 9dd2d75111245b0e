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
            try NativePixelCheck.checkSize([rows, columns, samples, bitsAllocated, frames])
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
        try NativePixelCheck.checkSize([rows, columns, samples, bitsAllocated, frames])
    }

    struct PixelProblem: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// Bytes of one frame's samples (bits rounded up to bytes).
    var frameBytes: Int { (frameBits + 7) / 8 }
    /// Bytes of all frames' samples: 1-bit frames are packed without padding between them.
    var sampleBytes: Int { (frameBits * frames + 7) / 8 }
    /// The value's length: the samples, padded to even.
    var valueLength: Int { sampleBytes + (sampleBytes & 1) }
    /// Bits of one frame; `init` made sure that this times the frames cannot overflow.
    var frameBits: Int { rows * columns * samples * bitsAllocated }

    /// The most bits of sample data the check believes: a value's length is at most 2^32 − 2
    /// bytes, so anything larger cannot be the value it describes (and a hostile Rows, Columns,
    /// Samples per Pixel, Bits Allocated and Number of Frames must not overflow the arithmetic).
    static let maximumBits = Int(UInt32.max) * 8

    /// Throws unless Rows × Columns × samples × Bits Allocated × Number of Frames is at most
    /// `maximumBits`, computed without overflow.
    static func checkSize(_ factors: [Int]) throws(PixelProblem) {
        var total = 1
        for f in factors {
            let (p, overflow) = total.multipliedReportingOverflow(by: f)
            guard !overflow, f >= 0, p <= maximumBits else {
                throw PixelProblem("Rows, Columns, Samples per Pixel, Bits Allocated and Number of Frames describe more than 4 GiB of samples")
            }
            total = p
        }
    }

    /// Checks `count` bytes of samples at `start`; the problem, or nil. Vectorised: samples are
    /// read 16 at a time as SIMD lanes of their own width (the file is little endian, as are the
    /// machines sendit runs on).
    func checkBits(_ b: UnsafeBufferPointer<UInt8>, start: Int, count: Int) -> String? {
        guard bitsAllocated >= 8, count > 0 else { return nil }
        let low = highBit - bitsStored + 1
        let above = bitsAllocated - 1 - highBit
        if low == 0 && above == 0 { return nil }
        let raw = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(b)[start..<(start + count)])
        switch bitsAllocated {
        case 8: return check(raw, UInt8.self, low: low, above: above)
        case 16: return check(raw, UInt16.self, low: low, above: above)
        case 32: return check(raw, UInt32.self, low: low, above: above)
        default: return check(raw, UInt64.self, low: low, above: above)
        }
    }

    @inline(__always)
    func check<L: FixedWidthInteger & UnsignedInteger & SIMDScalar>(_ raw: UnsafeRawBufferPointer, _: L.Type,
                                                                     low: Int, above: Int) -> String? {
        let lowMask: L = low == 0 ? 0 : (L(1) << L(low)) &- 1
        if !signed {
            let stored: L = (L.max >> L(L.bitWidth - bitsStored)) << L(low)
            let outside = ~stored
            return NativePixelCheck.any(raw, L.self) { $0 & outside } ? "bits outside Bits Stored are set" : nil
        }
        if low > 0 && NativePixelCheck.any(raw, L.self, { $0 & lowMask }) { return "bits below Bits Stored are set" }
        if above == 0 { return nil }
        if above + 1 == L.bitWidth { return scalarSignCheck(raw) }
        // Bits High Bit … top, moved to the bottom of the lane, must be all 0 or all 1:
        // t + 1 keeps nothing but bit 0 of the field exactly then.
        let field: L = (L(1) << L(above + 1)) &- 1
        let shift = L(highBit)
        let bad = NativePixelCheck.any(raw, L.self) { v in (((v &>> shift) & field) &+ 1) & field & ~1 }
        return bad ? "bits above High Bit are not its sign extension" : nil
    }

    /// Whether `f` of any lane is not zero, 16 lanes at a time; the tail is read into zeroed
    /// lanes (a zero sample passes every check).
    @inline(__always)
    static func any<L: FixedWidthInteger & UnsignedInteger & SIMDScalar>(_ raw: UnsafeRawBufferPointer, _: L.Type,
                                                                          _ f: (SIMD16<L>) -> SIMD16<L>) -> Bool {
        let size = MemoryLayout<SIMD16<L>>.size
        var acc0 = SIMD16<L>(), acc1 = SIMD16<L>()
        var i = 0
        while i + 2 * size <= raw.count {
            acc0 |= f(raw.loadUnaligned(fromByteOffset: i, as: SIMD16<L>.self))
            acc1 |= f(raw.loadUnaligned(fromByteOffset: i + size, as: SIMD16<L>.self))
            i += 2 * size
        }
        while i + size <= raw.count {
            acc0 |= f(raw.loadUnaligned(fromByteOffset: i, as: SIMD16<L>.self))
            i += size
        }
        if i < raw.count {
            var tail = SIMD16<L>()
            withUnsafeMutableBytes(of: &tail) { t in
                for k in 0..<(raw.count - i) { t[k] = raw[i + k] }
            }
            acc0 |= f(tail)
        }
        return acc0 | acc1 != SIMD16<L>()
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

import DICOMCore

/// The attributes of the Image Pixel Description (PS3.3 C.7.6.3) that fix how many bytes a
/// frame takes and which of its bits carry the image. Each is read only when asked for, so a
/// path needing only some (RLE, Float Pixel Data) does not refuse a data set lacking others.
struct ImagePixelDescription {
    let dataSet: DataSet

    init(_ dataSet: DataSet) { self.dataSet = dataSet }

    func required(_ tag: Tag, _ name: String) throws -> Int {
        guard let v = dataSet.int(tag) else {
            throw PixelDataRefusal("\(name) \(tag) is missing or empty, so the Pixel Data cannot be measured")
        }
        return v
    }

    func rows() throws -> Int {
        let v = try required(.rows, "Rows")
        guard v > 0 else { throw PixelDataRefusal("Rows \(Tag.rows) is 0") }
        return v
    }

    func columns() throws -> Int {
        let v = try required(.columns, "Columns")
        guard v > 0 else { throw PixelDataRefusal("Columns \(Tag.columns) is 0") }
        return v
    }

    func samplesPerPixel() throws -> Int {
        let v = try required(.samplesPerPixel, "Samples per Pixel")
        guard (1...4).contains(v) else { throw PixelDataRefusal("Samples per Pixel \(Tag.samplesPerPixel) is \(v)") }
        return v
    }

    /// Number of Frames (0028,0008), 1 when absent (a single-frame IOD has none).
    func frames() throws -> Int {
        guard let e = dataSet[.numberOfFrames], !e.isEmpty else { return 1 }
        guard let v = dataSet.int(.numberOfFrames), v > 0 else {
            throw PixelDataRefusal("Number of Frames \(Tag.numberOfFrames) is not a positive number")
        }
        return v
    }

    func bitsAllocated() throws -> Int {
        let v = try required(.bitsAllocated, "Bits Allocated")
        guard v == 1 || (v % 8 == 0 && (8...64).contains(v)) else {
            throw PixelDataRefusal("Bits Allocated \(Tag.bitsAllocated) is \(v); sendit rebuilds 1 or a multiple of 8 up to 64")
        }
        return v
    }

    /// Samples stored per pixel in a native frame: YBR_FULL_422 and YBR_PARTIAL_422 keep one
    /// Cb and one Cr for every two Y values (PS3.3 C.7.6.3.1.2), 2 per pixel on average.
    func storedSamplesPerPixel() throws -> Int {
        let spp = try samplesPerPixel()
        let photometric = dataSet.string(.photometricInterpretation).map(PlainText.trimmingWhitespace) ?? ""
        if spp == 3 && (photometric == "YBR_FULL_422" || photometric == "YBR_PARTIAL_422") { return 2 }
        return spp
    }

    /// Bits of one native frame: Rows × Columns × stored samples × Bits Allocated.
    func frameBits(bitsAllocated: Int) throws -> Int {
        try product([rows(), columns(), storedSamplesPerPixel(), bitsAllocated], "one frame")
    }

    /// Bytes the whole native value needs before padding (PS3.5 8.1.1): Bits Allocated 1 packs
    /// every frame's bits one after the other, so only the end is rounded up to a byte.
    func nativeLength(bitsAllocated: Int) throws -> Int {
        let bits = try product([frameBits(bitsAllocated: bitsAllocated), frames()], "the Pixel Data")
        return bits / 8 + (bits % 8 == 0 ? 0 : 1)
    }

    /// Which bits of each sample carry the image, from Bits Stored, High Bit and Pixel
    /// Representation.
    func storedBits(bitsAllocated: Int) throws -> StoredBits {
        let stored = try required(.bitsStored, "Bits Stored")
        let high = try required(.highBit, "High Bit")
        let representation = try required(.pixelRepresentation, "Pixel Representation")
        guard (1...bitsAllocated).contains(stored), high >= stored - 1, high < bitsAllocated else {
            throw PixelDataRefusal("Bits Stored \(stored) and High Bit \(high) do not fit Bits Allocated \(bitsAllocated)")
        }
        guard representation == 0 || representation == 1 else {
            throw PixelDataRefusal("Pixel Representation \(Tag.pixelRepresentation) is \(representation)")
        }
        return StoredBits(bitsAllocated: bitsAllocated, bitsStored: stored, highBit: high, signed: representation == 1)
    }

    func product(_ factors: [Int], _ what: String) throws -> Int {
        var total = 1
        for f in factors {
            let (p, overflow) = total.multipliedReportingOverflow(by: f)
            guard !overflow, p <= Int(Int32.max) * 1024 else {
                throw PixelDataRefusal("the size of \(what) from Rows, Columns, Samples per Pixel, Bits Allocated and Number of Frames is too large")
            }
            total = p
        }
        return total
    }
}

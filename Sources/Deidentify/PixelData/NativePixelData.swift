import DICOMCore

/// Native (uncompressed) pixel data cut to what PS3.5 8.1.1 gives it and its stray bits
/// cleaned, read and written a chunk at a time so a large value is never held whole.
enum NativePixelData {
    /// Bytes read at once (rounded down to whole samples).
    static let chunk = 4 << 20

    /// Pixel Data (7FE0,0010) rebuilt: exactly the length Rows × Columns × stored samples ×
    /// Bits Allocated × Number of Frames gives (a longer value is cut; a shorter one refused),
    /// the bits outside Bits Stored cleaned (see `StoredBits`), and for Bits Allocated 1 the
    /// unused bits of the last byte cleared. Nil when the value is already so (it is then
    /// untouched, still in its file if it was left there).
    static func rebuild(_ e: DataElement, description d: ImagePixelDescription, bigEndian: Bool,
                        spool: PixelDataSpool?) throws -> BinaryValue? {
        let name = "Pixel Data \(e.tag)"
        let value = try binaryValue(e, name)
        let bitsAllocated = try d.bitsAllocated()
        if bigEndian { try checkSwapped(e, value, bitsAllocated: bitsAllocated, name) }
        let needed = UInt64(try d.nativeLength(bitsAllocated: bitsAllocated))
        guard value.length >= needed else {
            throw PixelDataRefusal("\(name) is \(value.length) bytes, fewer than the \(needed) that Rows, Columns, Samples per Pixel, "
                                   + "Bits Allocated and Number of Frames give")
        }
        let bits = try d.storedBits(bitsAllocated: bitsAllocated)
        // Bits Allocated 1: the bits after the last pixel in the last byte.
        let tailBits = bitsAllocated == 1 ? Int(try d.frameBits(bitsAllocated: 1) * d.frames() % 8) : 0
        let sampleBytes = max(1, bitsAllocated / 8)
        let step = UInt64(chunk / sampleBytes * sampleBytes)

        func clean(_ piece: inout [UInt8], endsValue: Bool) -> Bool {
            var changed = piece.withUnsafeMutableBytes { bits.clean($0) }
            if endsValue && tailBits > 0, let last = piece.last, last >> UInt8(tailBits) != 0 {
                piece[piece.count - 1] = last & UInt8((1 << tailBits) - 1)
                changed = true
            }
            return changed
        }

        // First pass: look only, so the common clean value costs no copy.
        var dirtyFrom: UInt64?
        var at: UInt64 = 0
        while at < needed {
            let end = min(at + step, needed)
            let piece = try value.bytes(at..<end)
            let dirtyTail = end == needed && tailBits > 0 && (piece.last ?? 0) >> UInt8(tailBits) != 0
            if dirtyTail || piece.withUnsafeBytes({ bits.needsCleaning($0) }) {
                dirtyFrom = at
                break
            }
            at = end
        }
        guard let dirtyFrom else {
            if try hasExactLength(value, needed) { return nil }
            return try value.truncated(to: needed)
        }
        // Second pass: the value again, cleaned from the first chunk that needed it.
        var out = ValueBuilder(spool: spool)
        at = 0
        while at < needed {
            let end = min(at + step, needed)
            var piece = try value.bytes(at..<end)
            if at >= dirtyFrom { _ = clean(&piece, endsValue: end == needed) }
            try out.append(piece)
            at = end
        }
        return out.finish()
    }

    /// Float Pixel Data (7FE0,0008) or Double Float Pixel Data (7FE0,0009): 4 or 8 bytes a
    /// sample, every bit of it the image; only the length is checked (and a longer value cut).
    static func rebuildFloat(_ e: DataElement, bytesPerSample: Int, description d: ImagePixelDescription) throws -> BinaryValue? {
        let name = (bytesPerSample == 4 ? "Float Pixel Data " : "Double Float Pixel Data ") + "\(e.tag)"
        let value = try binaryValue(e, name)
        let needed = UInt64(try d.product([d.rows(), d.columns(), d.samplesPerPixel(), d.frames(), bytesPerSample], name))
        guard value.length >= needed else {
            throw PixelDataRefusal("\(name) is \(value.length) bytes, fewer than the \(needed) that Rows, Columns, Samples per Pixel "
                                   + "and Number of Frames give")
        }
        return value.length == needed ? nil : try value.truncated(to: needed)
    }

    /// One native frame held in memory (a fragment of Encapsulated Uncompressed): cut to
    /// `length` bytes and cleaned. Nil when it is already so.
    static func rebuildFrame(_ frame: [UInt8], length: Int, bits: StoredBits, tailBits: Int) throws -> [UInt8]? {
        guard frame.count >= length else {
            throw PixelDataRefusal("the frame is \(frame.count) bytes, fewer than the \(length) that Rows, Columns, "
                                   + "Samples per Pixel and Bits Allocated give")
        }
        var out = frame.count == length ? frame : Array(frame[0..<length])
        var changed = out.withUnsafeMutableBytes { bits.clean($0) }
        if tailBits > 0, let last = out.last, last >> UInt8(tailBits) != 0 {
            out[out.count - 1] = last & UInt8((1 << tailBits) - 1)
            changed = true
        }
        let padded = frame.count == length + 1 && length % 2 == 1 && frame[length] == 0
        return changed || (frame.count != length && !padded) ? out : nil
    }

    static func binaryValue(_ e: DataElement, _ name: String) throws -> BinaryValue {
        switch e.value {
        case .binary(let b): return b
        case .fragments: throw PixelDataRefusal("\(name) is encapsulated (fragments) in a native transfer syntax")
        case .sequence: throw PixelDataRefusal("\(name) is a sequence")
        }
    }

    /// A big-endian value as the reader left it is in little-endian order only if it is OW:
    /// PS3.5 orders OW as 16-bit words, which the reader swapped (so does dcmtk; a 32-bit
    /// sample's two words keep the order they were written in). Samples wider than 8 bits in
    /// OB have no defined byte order: refused.
    static func checkSwapped(_ e: DataElement, _ value: BinaryValue, bitsAllocated: Int, _ name: String) throws {
        guard bitsAllocated > 8 else { return }
        guard e.vr == .OW else {
            throw PixelDataRefusal("\(name) is \(e.vr.code) with Bits Allocated \(bitsAllocated) in Explicit VR Big Endian: "
                                   + "its byte order is not defined")
        }
        if case .deferred(let loc) = value, loc.byteSwapUnit != 2 {
            throw PixelDataRefusal("\(name) in Explicit VR Big Endian was not read as 16-bit words")
        }
    }

    /// The value is `needed` bytes, or one more that is a zero pad byte.
    static func hasExactLength(_ value: BinaryValue, _ needed: UInt64) throws -> Bool {
        if value.length == needed { return true }
        guard value.length == needed + 1, needed % 2 == 1 else { return false }
        return try value.bytes(needed..<needed + 1) == [0]
    }
}

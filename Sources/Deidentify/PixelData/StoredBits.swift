/// The bits of a native sample that carry the image: High Bit − Bits Stored + 1 through High
/// Bit (PS3.5 8.1.1). The others could carry anything (the retired overlays in the high bits
/// did): they are cleared, or for signed samples (Pixel Representation 1) set to the sign,
/// so a reader that ignores Bits Stored sees the same value and they carry nothing either.
struct StoredBits: Equatable {
    let bitsAllocated: Int
    let bitsStored: Int
    let highBit: Int
    let signed: Bool

    /// Every bit is a stored bit: nothing to clean.
    var isWholeSample: Bool { bitsStored == bitsAllocated }

    var lowBit: Int { highBit - bitsStored + 1 }

    /// The stored bits as a mask of a 64-bit word.
    var storedMask: UInt64 { bitsStored == 64 ? ~0 : ((1 << UInt64(bitsStored)) - 1) << UInt64(lowBit) }

    /// The bits above High Bit within the sample.
    var aboveHighBitMask: UInt64 {
        let sample: UInt64 = bitsAllocated == 64 ? ~0 : (1 << UInt64(bitsAllocated)) - 1
        let upToHigh: UInt64 = highBit == 63 ? ~0 : (1 << UInt64(highBit + 1)) - 1
        return sample & ~upToHigh
    }

    /// The value the sample should have.
    func cleaned(_ v: UInt64) -> UInt64 {
        let kept = v & storedMask
        if signed && (v >> UInt64(highBit)) & 1 == 1 { return kept | aboveHighBitMask }
        return kept
    }

    /// True if a sample of `bytes` (little endian, whole samples) has a bit that `clean` would
    /// change. Stops at the first.
    func needsCleaning(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard !isWholeSample else { return false }
        if bitsAllocated == 16 && lowBit == 0 { return shifted16(bytes, store: nil) }
        switch bitsAllocated {
        case 8: return firstDirty(bytes, UInt8.self)
        case 16: return firstDirty(bytes, UInt16.self)
        case 32: return firstDirty(bytes, UInt32.self)
        case 64: return firstDirty(bytes, UInt64.self)
        default: return firstDirtyWide(bytes)
        }
    }

    /// Cleans every sample of `bytes` in place; true if one changed.
    @discardableResult
    func clean(_ bytes: UnsafeMutableRawBufferPointer) -> Bool {
        guard !isWholeSample else { return false }
        if bitsAllocated == 16 && lowBit == 0 { return shifted16(UnsafeRawBufferPointer(bytes), store: bytes) }
        switch bitsAllocated {
        case 8: return cleanAll(bytes, UInt8.self)
        case 16: return cleanAll(bytes, UInt16.self)
        case 32: return cleanAll(bytes, UInt32.self)
        case 64: return cleanAll(bytes, UInt64.self)
        default: return cleanWide(bytes)
        }
    }

    /// 16-bit samples whose stored bits start at bit 0 (nearly every CT and MR): each sample
    /// shifted up and back down, arithmetically when signed, is its clean value; 16 samples at
    /// a time. Compares only (`store` nil), or writes the clean samples to `store`.
    private func shifted16(_ bytes: UnsafeRawBufferPointer, store: UnsafeMutableRawBufferPointer?) -> Bool {
        let shift = UInt16(16 - bitsStored)
        let count = bytes.count / 2
        var dirty = SIMD16<UInt16>(repeating: 0)
        var i = 0
        while i + 16 <= count {
            let v = bytes.loadUnaligned(fromByteOffset: 2 * i, as: SIMD16<UInt16>.self)
            let up = v &<< shift
            let w = signed ? SIMD16<UInt16>(truncatingIfNeeded: SIMD16<Int16>(truncatingIfNeeded: up) &>> SIMD16<Int16>(repeating: Int16(shift)))
                           : up &>> shift
            dirty |= v ^ w
            if let store, v != w { store.storeBytes(of: w, toByteOffset: 2 * i, as: SIMD16<UInt16>.self) }
            i += 16
        }
        var changed = dirty != SIMD16<UInt16>(repeating: 0)
        while i < count {
            let v = bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
            let up = v &<< shift
            let w = signed ? UInt16(bitPattern: Int16(bitPattern: up) &>> Int16(shift)) : up &>> shift
            if v != w {
                changed = true
                store?.storeBytes(of: w, toByteOffset: 2 * i, as: UInt16.self)
            }
            i += 1
        }
        return changed
    }

    private func firstDirty<T: FixedWidthInteger & UnsignedInteger>(_ bytes: UnsafeRawBufferPointer, _: T.Type) -> Bool {
        let size = MemoryLayout<T>.size
        let mask = T(truncatingIfNeeded: storedMask), above = T(truncatingIfNeeded: aboveHighBitMask)
        let high = T(highBit)
        var i = 0
        while i + size <= bytes.count {
            let v = T(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: T.self))
            let kept = v & mask
            let want = signed && (v >> high) & 1 == 1 ? kept | above : kept
            if want != v { return true }
            i += size
        }
        return false
    }

    private func cleanAll<T: FixedWidthInteger & UnsignedInteger>(_ bytes: UnsafeMutableRawBufferPointer, _: T.Type) -> Bool {
        let size = MemoryLayout<T>.size
        let mask = T(truncatingIfNeeded: storedMask), above = T(truncatingIfNeeded: aboveHighBitMask)
        let high = T(highBit)
        var changed = false
        var i = 0
        while i + size <= bytes.count {
            let v = T(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: T.self))
            let kept = v & mask
            let want = signed && (v >> high) & 1 == 1 ? kept | above : kept
            if want != v {
                bytes.storeBytes(of: want.littleEndian, toByteOffset: i, as: T.self)
                changed = true
            }
            i += size
        }
        return changed
    }

    /// Samples of 24, 40, 48 or 56 bits: read and written a byte at a time.
    private func firstDirtyWide(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let size = bitsAllocated / 8
        var i = 0
        while i + size <= bytes.count {
            var v: UInt64 = 0
            for k in 0..<size { v |= UInt64(bytes[i + k]) << UInt64(8 * k) }
            if cleaned(v) != v { return true }
            i += size
        }
        return false
    }

    private func cleanWide(_ bytes: UnsafeMutableRawBufferPointer) -> Bool {
        let size = bitsAllocated / 8
        var changed = false
        var i = 0
        while i + size <= bytes.count {
            var v: UInt64 = 0
            for k in 0..<size { v |= UInt64(bytes[i + k]) << UInt64(8 * k) }
            let want = cleaned(v)
            if want != v {
                for k in 0..<size { bytes[i + k] = UInt8(truncatingIfNeeded: want >> UInt64(8 * k)) }
                changed = true
            }
            i += size
        }
        return changed
    }
}

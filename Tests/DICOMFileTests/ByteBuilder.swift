import DICOMCore

/// Builds data set bytes by hand for tests: element headers as PS3.5 7.1 lays them out, with
/// any length the test wants (including ones that lie).
struct ByteBuilder {
    var bytes: [UInt8] = []
    var explicit = true

    mutating func u16(_ v: UInt16) { bytes += [UInt8(v & 0xFF), UInt8(v >> 8)] }
    mutating func u32(_ v: UInt32) { u16(UInt16(v & 0xFFFF)); u16(UInt16(v >> 16)) }
    mutating func tag(_ t: UInt32) { u16(UInt16(t >> 16)); u16(UInt16(t & 0xFFFF)) }

    /// An element header with the given length field; the value is appended separately.
    mutating func header(_ t: UInt32, _ vr: VR, length: UInt32) {
        tag(t)
        if explicit {
            bytes += [UInt8(vr.rawValue >> 8), UInt8(vr.rawValue & 0xFF)]
            if vr.hasLongExplicitLength { u16(0); u32(length) } else { u16(UInt16(truncatingIfNeeded: length)) }
        } else {
            u32(length)
        }
    }

    mutating func element(_ t: UInt32, _ vr: VR, _ value: [UInt8]) {
        header(t, vr, length: UInt32(value.count))
        bytes += value
    }

    mutating func string(_ t: UInt32, _ vr: VR, _ s: String) {
        var v = Array(s.utf8)
        if v.count % 2 == 1 { v.append(vr.paddingByte) }
        element(t, vr, v)
    }

    mutating func item(length: UInt32 = 0xFFFF_FFFF) { tag(0xFFFE_E000); u32(length) }
    mutating func itemEnd() { tag(0xFFFE_E00D); u32(0) }
    mutating func sequenceEnd() { tag(0xFFFE_E0DD); u32(0) }

    /// Preamble, DICM and a minimal File Meta group for `ts`, followed by `dataSet`.
    static func part10(_ dataSet: [UInt8], transferSyntax ts: UID = .explicitVRLittleEndian) -> [UInt8] {
        var meta = ByteBuilder()
        meta.element(0x0002_0001, .OB, [0, 1])
        meta.string(0x0002_0002, .UI, "1.2.840.10008.5.1.4.1.1.7")
        meta.string(0x0002_0003, .UI, "1.2.3.4")
        meta.string(0x0002_0010, .UI, ts.rawValue)
        var head = ByteBuilder()
        head.bytes = [UInt8](repeating: 0, count: 128) + Array("DICM".utf8)
        head.element(0x0002_0000, .UL, withUnsafeBytes(of: UInt32(meta.bytes.count).littleEndian, Array.init))
        return head.bytes + meta.bytes + dataSet
    }
}

/// A small deterministic random source (SplitMix64), so a fuzz failure can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

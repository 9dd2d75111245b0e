import DICOMCore

/// The gate's reading of binary numbers (matching spec 4, written apart from the engine's
/// BinaryNumbers): a UL, SL, UV, SV, FL or FD value, or an OL, OV, OF or OD value of 4 KiB or
/// less outside Pixel Data, that is a whole number equal to an
/// identifier's digits, leading zeros aside, is the identifier (a viewer shows it as that
/// number). Only identifiers of 6 significant digits or more: smaller numbers are counts,
/// sizes and positions as often as identifiers. US and SS cannot reach 6 digits.
enum GateBinaryNumbers {
    /// Identifier needles by their value, from the digit forms of kind `id`.
    static func forms(_ digits: [String: GateNeedle]) -> [UInt64: GateNeedle] {
        var out: [UInt64: GateNeedle] = [:]
        for (d, n) in digits where n.kind == .id {
            let significant = d.drop { $0 == "0" }
            guard significant.count >= 6, significant.count <= 19, let v = UInt64(significant) else { continue }
            out[v] = n
        }
        return out
    }

    /// The first value of the little-endian numbers `b[lo..<hi]` of `vr` found in `forms`.
    static func firstMatch(_ b: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int, vr: VR, tag: Tag, forms: [UInt64: GateNeedle]) -> GateNeedle? {
        var vr = vr
        // OL, OV, OF and OD of 4 KiB or less read as UL, UV, FL and FD, outside group 7FE0
        // (sample data, offset tables); longer values are sample data or tables.
        if [.OL, .OV, .OF, .OD].contains(vr) {
            guard hi - lo <= 4096, tag.group != 0x7FE0 else { return nil }
            vr = vr == .OL ? .UL : vr == .OV ? .UV : vr == .OF ? .FL : .FD
        }
        let size: Int
        switch vr {
        case .UL, .SL, .FL: size = 4
        case .UV, .SV, .FD: size = 8
        default: return nil
        }
        var p = lo
        while p + size <= hi {
            var raw: UInt64 = 0
            for k in 0..<size { raw |= UInt64(b[p + k]) << UInt64(8 * k) }
            p += size
            let value: UInt64?
            switch vr {
            case .UL, .UV: value = raw
            case .SL: value = UInt64(Int32(truncatingIfNeeded: raw).magnitude)
            case .SV: value = Int64(bitPattern: raw).magnitude
            case .FL: value = whole(Double(Float(bitPattern: UInt32(truncatingIfNeeded: raw))))
            default: value = whole(Double(bitPattern: raw))
            }
            if let value, value >= 100_000, let n = forms[value] { return n }
        }
        return nil
    }

    static func whole(_ d: Double) -> UInt64? {
        guard d.isFinite, d.rounded() == d, d.magnitude < 1e19 else { return nil }
        return UInt64(d.magnitude)
    }
}

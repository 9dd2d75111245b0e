/// Character classes for matching, on scalars and on UTF-8 bytes (the gate searches folded
/// UTF-8 and raw bytes). ASCII answers without the Unicode tables.
enum GateScalars {
    static func isASCIIDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 0x30 && c.value <= 0x39 }

    static func isDigit(_ c: Unicode.Scalar) -> Bool {
        c.value < 0x80 ? isASCIIDigit(c) : c.properties.generalCategory == .decimalNumber
    }

    /// A letter or a digit (spec 2.2's word characters).
    static func isLetterOrDigit(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if v < 0x80 { return (v >= 0x30 && v <= 0x39) || (v >= 0x61 && v <= 0x7A) || (v >= 0x41 && v <= 0x5A) }
        return c.properties.isAlphabetic || c.properties.generalCategory == .decimalNumber
    }

    /// The scalar that ends right before `i` in `b[lo..<hi]`, or nil at the start. Bytes that are
    /// not UTF-8 read as nothing (neither letter nor digit).
    static func scalar(before i: Int, in b: UnsafeBufferPointer<UInt8>, lowerBound lo: Int) -> Unicode.Scalar? {
        guard i > lo else { return nil }
        if b[i - 1] < 0x80 { return Unicode.Scalar(b[i - 1]) }
        var start = i - 1
        while start > lo && start > i - 4 && b[start] & 0xC0 == 0x80 { start -= 1 }
        guard let (c, length) = decode(at: start, in: b, upperBound: i), start + length == i else { return nil }
        return c
    }

    /// The scalar that starts at `i` in `b[..<hi]`, or nil at the end or if not UTF-8.
    static func scalar(at i: Int, in b: UnsafeBufferPointer<UInt8>, upperBound hi: Int) -> Unicode.Scalar? {
        guard i < hi else { return nil }
        if b[i] < 0x80 { return Unicode.Scalar(b[i]) }
        return decode(at: i, in: b, upperBound: hi)?.0
    }

    static func decode(at i: Int, in b: UnsafeBufferPointer<UInt8>, upperBound hi: Int) -> (Unicode.Scalar, Int)? {
        let lead = b[i]
        let length: Int
        var value: UInt32
        switch lead {
        case 0xC2...0xDF: length = 2; value = UInt32(lead & 0x1F)
        case 0xE0...0xEF: length = 3; value = UInt32(lead & 0x0F)
        case 0xF0...0xF4: length = 4; value = UInt32(lead & 0x07)
        default: return nil
        }
        guard i + length <= hi else { return nil }
        for k in 1..<length {
            let c = b[i + k]
            guard c & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(c & 0x3F)
        }
        guard let s = Unicode.Scalar(value) else { return nil }
        return (s, length)
    }
}

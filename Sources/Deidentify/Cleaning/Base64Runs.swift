/// Base64 text inside a value (matching spec 3, row 2b): a run of 16 characters or more of the
/// base64 alphabet (A-Z a-z 0-9 + /, or base64url's - _), with its `=` padding, is decoded
/// from its first character; the decoded bytes are then read as a binary value is. Shorter
/// runs are words and numbers as often as base64, and decode to too few bytes to hold a name.
/// A run without both upper- and lower-case letters (a UID's long component, a pseudonym code)
/// is read only when it decodes to text: base64 of some digit strings has no lower-case letter
/// ("004004004004" is MDA0MDA0MDA0MDA0), while a UID's digits or a code decode to bytes that are
/// not text.
enum Base64Runs {
    static let shortest = 16

    /// The 6-bit value of a base64 (or base64url) character, or 0xFF.
    static let values: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        for (k, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() { t[Int(c)] = UInt8(k) }
        t[Int(UInt8(ascii: "-"))] = 62
        t[Int(UInt8(ascii: "_"))] = 63
        return t
    }()

    /// The runs of `b` (offsets), padding included, of `shortest` characters or more.
    static func runs(_ b: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        guard b.count >= shortest else { return [] }
        var out: [Range<Int>] = []
        var i = 0
        let n = b.count
        while i < n {
            guard values[Int(b[i])] != 0xFF else { i += 1; continue }
            let start = i
            while i < n && values[Int(b[i])] != 0xFF { i += 1 }
            let end = i
            var padded = i
            while padded < n && padded - end < 2 && b[padded] == 0x3D { padded += 1 }
            // A run without both upper- and lower-case letters (a UID's digits, a pseudonym
            // code, a word in capitals) is read only if it decodes to text.
            if end - start >= shortest,
               (b[start..<end].contains(where: { $0 >= 0x61 && $0 <= 0x7A })
                   && b[start..<end].contains(where: { $0 >= 0x41 && $0 <= 0x5A }))
                || isText(decode(b, start..<end)) {
                out.append(start..<padded)
            }
            i = padded
        }
        return out
    }

    /// Whether decoded bytes are text: UTF-8 without control characters but tab, CR and LF.
    static func isText(_ bytes: [UInt8]) -> Bool {
        guard let text = String(validating: bytes, as: UTF8.self) else { return false }
        return text.unicodeScalars.allSatisfy { $0.value >= 0x20 ? $0.value != 0x7F : ($0.value == 0x09 || $0.value == 0x0A || $0.value == 0x0D) }
    }

    /// The bytes the run's characters (padding left out) encode; a last lone character is dropped.
    static func decode(_ b: UnsafeBufferPointer<UInt8>, _ run: Range<Int>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(run.count * 3 / 4)
        var acc: UInt32 = 0, bits = 0
        for i in run {
            let v = values[Int(b[i])]
            if v == 0xFF { break }
            acc = acc << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
            }
        }
        return out
    }
}

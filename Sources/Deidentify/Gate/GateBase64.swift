/// The gate's reading of base64 text (matching spec 3, row 2b; written apart from the engine's
/// Base64Runs): a run of at least 16 characters of A-Z a-z 0-9 + / (or base64url's - _),
/// `=` padding aside, is decoded from its first character and its bytes searched as a binary
/// value's.
enum GateBase64 {
    static let minimumRun = 16

    static func sextet(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x41...0x5A: return c - 0x41
        case 0x61...0x7A: return c - 0x61 + 26
        case 0x30...0x39: return c - 0x30 + 52
        case 0x2B, 0x2D: return 62
        case 0x2F, 0x5F: return 63
        default: return nil
        }
    }

    /// Text: valid UTF-8 with no control character but tab, LF and CR.
    static func decodedIsText(_ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty, let text = String(validating: bytes, as: UTF8.self) else { return false }
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if v == 0x7F || (v < 0x20 && v != 0x09 && v != 0x0A && v != 0x0D) { return false }
        }
        return true
    }

    /// Calls `body` with the decoded bytes of each run in `b` of `minimumRun` characters or more.
    static func forEachDecoded(_ b: UnsafeBufferPointer<UInt8>, _ body: ([UInt8]) throws -> Void) rethrows {
        var decoded: [UInt8] = []
        var acc: UInt32 = 0, bits = 0, run = 0
        // A run without both cases (a UID's digits, a pseudonym code) is read only if it decodes
        // to text (base64 of "004004004004" is MDA0MDA0MDA0MDA0: no lower-case letter).
        var upper = false, lower = false
        func end() throws {
            if run >= minimumRun && ((upper && lower) || decodedIsText(decoded)) { try body(decoded) }
            decoded.removeAll(keepingCapacity: true)
            acc = 0; bits = 0; run = 0; upper = false; lower = false
        }
        for c in b {
            guard let v = sextet(c) else { try end(); continue }
            run += 1
            if v < 26 { upper = true } else if v < 52 { lower = true }
            acc = (acc << 6 | UInt32(v)) & 0xFFFFFF
            bits += 6
            if bits >= 8 {
                bits -= 8
                decoded.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
            }
        }
        try end()
    }
}

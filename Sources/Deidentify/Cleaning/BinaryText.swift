import DICOMCore

/// The readings of a binary value as text (matching spec 3, row 2): as Latin-1, as UTF-8, in
/// the data set's character set, and for OB, OW and UN of even length as UTF-16 in either byte
/// order. Each reading is folded as text is; what the cleaner then looks for in it is its
/// business.
enum BinaryText {
    /// The fold of each Latin-1 byte, and of its umlaut variant: every Latin-1 character is a
    /// single scalar that no neighbour composes with, so byte by byte is the fold of the text.
    static func latin1Fold(_ b: UInt8) -> UnsafeBufferPointer<UInt8> { ScalarFoldTable.shared.plain(Int(b)) }
    static func latin1Variant(_ b: UInt8) -> UnsafeBufferPointer<UInt8> {
        ScalarFoldTable.shared.variant(Int(b)) ?? ScalarFoldTable.shared.plain(Int(b))
    }

    /// Calls `body` with each folded reading (plain and umlaut variant) until it returns a
    /// result.
    static func firstReading<R>(of bytes: [UInt8], vr: VR, characterSet: SpecificCharacterSet,
                                _ body: ([UInt8]) -> R?) -> R? {
        let plain = !bytes.contains { $0 >= 0x80 || $0 == 0x1B }
        // Latin-1 (for ASCII, the same text as UTF-8 and every character set's).
        var latin1: [UInt8] = []
        latin1.reserveCapacity(bytes.count)
        var hasVariant = false
        let table = ScalarFoldTable.shared
        for b in bytes {
            if b < 0x80 { latin1.append(TextFold.lower(b)) } else { latin1.append(contentsOf: table.plain(Int(b))) }
            if b == 0xC4 || b == 0xD6 || b == 0xDC || b == 0xE4 || b == 0xF6 || b == 0xFC { hasVariant = true }
        }
        if let r = body(latin1) { return r }
        if hasVariant {
            var variant: [UInt8] = []
            variant.reserveCapacity(bytes.count)
            for b in bytes {
                if b < 0x80 { variant.append(TextFold.lower(b)) } else { variant.append(contentsOf: table.variant(Int(b)) ?? table.plain(Int(b))) }
            }
            if let r = body(variant) { return r }
        }
        var texts: [String] = []
        if !plain {
            texts.append(String(decoding: bytes, as: UTF8.self))
            let first = characterSet.terms.first ?? ""
            if !["", "ISO_IR 6", "ISO_IR 100", "ISO_IR 192"].contains(first) || characterSet.terms.count > 1 {
                texts.append(characterSet.decode(bytes))
            }
        }
        if (vr == .OB || vr == .OW || vr == .UN) && bytes.count >= 2 && bytes.count % 2 == 0 {
            var le: [UInt16] = [], be: [UInt16] = []
            le.reserveCapacity(bytes.count / 2); be.reserveCapacity(bytes.count / 2)
            for i in stride(from: 0, to: bytes.count, by: 2) {
                le.append(UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8)
                be.append(UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1]))
            }
            texts.append(String(decoding: le, as: UTF16.self))
            texts.append(String(decoding: be, as: UTF16.self))
        }
        for text in texts {
            let folded = TextFold.foldedBytes(text)
            if let r = body(folded.plain) { return r }
            if let variant = folded.variant, let r = body(variant) { return r }
        }
        return nil
    }
}

extension TextCleaner {
    /// The kind of the first identifying value found in a binary value (spec 3, row 2), or
    /// nil: needles of 4 characters or more and the birth date, in each reading of the bytes
    /// as text (BinaryText); no digit view, no `otherdate`, no patterns. The caller removes
    /// or zero-fills a value that holds one.
    public func findInBinary(_ bytes: [UInt8], vr: VR, characterSet: SpecificCharacterSet) -> String? {
        let t = tables
        guard !bytes.isEmpty, !t.binaryNeedles.isEmpty || !t.birthDates.isEmpty else { return nil }
        let scope = Scope(otherDates: false, digitView: false, patterns: false)
        let kind = BinaryText.firstReading(of: bytes, vr: vr, characterSet: characterSet) { folded -> IdentifyingKind? in
            folded.withUnsafeBufferPointer { h -> IdentifyingKind? in
                var found: IdentifyingKind?
                t.binaryNeedles.forEachMatch(in: h) { k, _, _ in found = t.binaryNeedles.kinds[k]; return false }
                if found == nil && !t.birthDates.isEmpty {
                    DateScanner.scan(h) { date in
                        if found == nil, classify(date, scope: scope) == .birthdate { found = .birthdate }
                    }
                }
                return found
            }
        }
        return kind?.rawValue
    }
}

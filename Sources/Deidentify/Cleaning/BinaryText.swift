import DICOMCore

/// The readings of a binary value as text (matching spec 3, row 2): as Latin-1, as UTF-8, in
/// the data set's character set, and for OB, OW and UN of even length as UTF-16 in either byte
/// order, from byte 0 and from byte 1 (after a one-byte header). Each reading is folded as text is; what the cleaner then looks for in it is its
/// business.
enum BinaryText {
    /// The fold of each Latin-1 byte, and of its umlaut variant: every Latin-1 character is a
    /// single scalar that no neighbour composes with, so byte by byte is the fold of the text.
    static func latin1Fold(_ b: UInt8) -> UnsafeBufferPointer<UInt8> {
        var table = ScalarFoldTable.Reader()
        return table.plain(Int(b))
    }

    static func latin1Variant(_ b: UInt8) -> UnsafeBufferPointer<UInt8> {
        var table = ScalarFoldTable.Reader()
        return table.variant(Int(b)) ?? table.plain(Int(b))
    }

    /// Calls `body` with each folded reading (plain and umlaut variant) until it returns a
    /// result.
    /// A compressed stream that inflates past CompressedContent.limit answers `cutShort()`.
    static func firstReading<R>(of bytes: [UInt8], vr: VR, characterSet: SpecificCharacterSet, eastAsian: [String] = [],
                                cutShort: () -> R? = { nil }, _ body: ([UInt8]) -> R?) -> R? {
        if let r = firstDirectReading(of: bytes, vr: vr, characterSet: characterSet, eastAsian: eastAsian, body) { return r }
        // OW: the bytes of 16-bit words in the other order (a big-endian file's text, swapped
        // by the reader, still reads in pairs).
        if vr == .OW && bytes.count >= 2 {
            var swapped = bytes
            var i = 0
            while i + 1 < swapped.count { swapped.swapAt(i, i + 1); i += 2 }
            if let r = firstDirectReading(of: swapped, vr: .OB, characterSet: characterSet, eastAsian: eastAsian, body) { return r }
        }
        // A gzip or zlib stream: what inflating it gives, read the same ways.
        if let inflated = CompressedContent.inflated(bytes) {
            if inflated.capped { return cutShort() }
            return firstDirectReading(of: inflated.bytes, vr: .OB, characterSet: characterSet, eastAsian: eastAsian, body)
        }
        return nil
    }

    /// `eastAsian`: the multi-byte encodings (iconv names) to read the bytes in as well, those of
    /// the scripts the needles are written in (a vendor's blob in Shift-JIS under a UTF-8 header).
    static func firstDirectReading<R>(of bytes: [UInt8], vr: VR, characterSet: SpecificCharacterSet, eastAsian: [String] = [],
                                      _ body: ([UInt8]) -> R?) -> R? {
        let plain = !bytes.contains { $0 >= 0x80 || $0 == 0x1B }
        // Latin-1 (for ASCII, the same text as UTF-8 and every character set's).
        var latin1: [UInt8] = []
        latin1.reserveCapacity(bytes.count)
        var hasVariant = false
        var table = ScalarFoldTable.Reader()
        for b in bytes {
            if b < 0x80 { latin1.append(TextFold.lower(b)) } else { latin1.append(contentsOf: table.plain(Int(b))) }
            if b >= 0xC4, table.variant(Int(b)) != nil { hasVariant = true }
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
        // UTF-8 and UTF-16 are decoded here, invalid sequences becoming U+FFFD: the standard
        // library's repairing decoder reports each one as a thrown error, costly in bulk.
        var readings: [[UInt8]] = []
        if !plain {
            readings.append(validUTF8(bytes))
            let first = characterSet.terms.first ?? ""
            if !["", "ISO_IR 6", "ISO_IR 100", "ISO_IR 192"].contains(first) || characterSet.terms.count > 1 {
                readings.append(Array(characterSet.decode(bytes).utf8))
            }
            for encoding in eastAsian { readings.append(Array(SpecificCharacterSet.decode(bytes, encodingName: encoding).utf8)) }
        }
        if (vr == .OB || vr == .OW || vr == .UN) && bytes.count >= 2 && bytes.count % 2 == 0 {
            readings.append(utf16(bytes, bigEndian: false))
            readings.append(utf16(bytes, bigEndian: true))
            // From byte 1 too: UTF-16 after a one-byte header (odd offset), the last byte left out.
            if bytes.count >= 4 {
                let odd = Array(bytes[1..<(bytes.count - 1)])
                readings.append(utf16(odd, bigEndian: false))
                readings.append(utf16(odd, bigEndian: true))
            }
        }
        for reading in readings {
            let folded = TextFold.foldedBytes(utf8: reading)
            if let r = body(folded.plain) { return r }
            if let variant = folded.variant, let r = body(variant) { return r }
        }
        return nil
    }
}

extension BinaryText {
    /// The encodings binary values are also read in when a needle holds Han, kana or Hangul
    /// (matching spec 5): Japanese, Chinese and Korean ones.
    static func eastAsianEncodings(for needles: [Needle]) -> [String] {
        var han = false, kana = false, hangul = false
        for n in needles where n.bytes.contains(where: { $0 >= 0xE0 }) {
            for u in String(decoding: n.bytes, as: UTF8.self).unicodeScalars where u.value >= 0x3000 {
                switch u.value {
                case 0x3040...0x30FF, 0x31F0...0x31FF, 0xFF65...0xFF9F: kana = true
                case 0x1100...0x11FF, 0x3130...0x318F, 0xAC00...0xD7AF: hangul = true
                default: if u.properties.isIdeographic { han = true }
                }
            }
        }
        var out: [String] = []
        if kana || han { out += ["CP932", "EUC-JP", "ISO-2022-JP"] }
        if han { out += ["GB18030", "BIG5"] }
        if hangul || han { out += ["EUC-KR", "ISO-2022-KR"] }
        return out
    }

    static let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]

    /// Bytes read as UTF-8: valid sequences kept, each maximal invalid part replaced by one
    /// U+FFFD (Unicode's recommended practice, which the standard library follows too).
    static func validUTF8(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        let n = bytes.count
        var i = 0
        while i < n {
            let b0 = bytes[i]
            if b0 < 0x80 { out.append(b0); i += 1; continue }
            // The length the lead byte announces, and the range its second byte must be in
            // (no overlong forms, no surrogates, nothing past U+10FFFF).
            var length = 0, lo: UInt8 = 0x80, hi: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lo = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; hi = 0x9F
            case 0xF0: length = 4; lo = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; hi = 0x8F
            default: break
            }
            // How many bytes from i form a valid beginning of the sequence.
            var good = 1
            if length > 0 && i + 1 < n && (lo...hi).contains(bytes[i + 1]) {
                good = 2
                while good < length && i + good < n && bytes[i + good] & 0xC0 == 0x80 { good += 1 }
            }
            if length > 0 && good == length {
                out += bytes[i..<(i + length)]
            } else {
                out += replacement
            }
            i += good
        }
        return out
    }

    /// Bytes read as UTF-16 in either byte order, as UTF-8; a lone surrogate becomes U+FFFD.
    static func utf16(_ bytes: [UInt8], bigEndian: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 3 / 2)
        let n = bytes.count / 2
        func unit(_ k: Int) -> UInt32 {
            bigEndian ? UInt32(bytes[2 * k]) << 8 | UInt32(bytes[2 * k + 1]) : UInt32(bytes[2 * k + 1]) << 8 | UInt32(bytes[2 * k])
        }
        var k = 0
        while k < n {
            var v = unit(k)
            k += 1
            if (0xD800...0xDBFF).contains(v), k < n, (0xDC00...0xDFFF).contains(unit(k)) {
                v = 0x10000 + ((v - 0xD800) << 10 | (unit(k) - 0xDC00))
                k += 1
            } else if (0xD800...0xDFFF).contains(v) {
                v = 0xFFFD
            }
            switch v {
            case 0..<0x80:
                out.append(UInt8(v))
            case 0x80..<0x800:
                out.append(UInt8(0xC0 | v >> 6)); out.append(UInt8(0x80 | v & 0x3F))
            case 0x800..<0x10000:
                out.append(UInt8(0xE0 | v >> 12)); out.append(UInt8(0x80 | v >> 6 & 0x3F)); out.append(UInt8(0x80 | v & 0x3F))
            default:
                out.append(UInt8(0xF0 | v >> 18)); out.append(UInt8(0x80 | v >> 12 & 0x3F))
                out.append(UInt8(0x80 | v >> 6 & 0x3F)); out.append(UInt8(0x80 | v & 0x3F))
            }
        }
        return out
    }
}

extension TextCleaner {
    /// The kind of the first identifying value found in a binary value (spec 3, row 2), or
    /// nil: needles of 4 characters or more and the birth date, in each reading of the bytes
    /// as text (BinaryText); no digit view, no `otherdate`, no patterns. A gzip or zlib stream
    /// that inflates past CompressedContent.limit answers CompressedContent.cutShort: what
    /// follows was not searched. The caller removes or zero-fills a value that holds one.
    public func findInBinary(_ bytes: [UInt8], vr: VR, characterSet: SpecificCharacterSet) -> String? {
        if let kind = findInReadings(bytes, vr: vr, characterSet: characterSet) { return kind }
        // Base64 runs (Base64Runs): their decoded bytes, read the same ways.
        guard bytes.count >= Base64Runs.shortest else { return nil }
        return bytes.withUnsafeBufferPointer { b -> String? in
            for run in Base64Runs.runs(b) {
                if let kind = findInReadings(Base64Runs.decode(b, run), vr: .OB, characterSet: characterSet) { return kind }
            }
            return nil
        }
    }

    func findInReadings(_ bytes: [UInt8], vr: VR, characterSet: SpecificCharacterSet) -> String? {
        let t = tables
        guard !bytes.isEmpty, !t.binaryNeedles.isEmpty || !t.birthDates.isEmpty else { return nil }
        let scope = Scope(otherDates: false, digitView: false, patterns: false)
        var cutShort = false
        let kind = BinaryText.firstReading(of: bytes, vr: vr, characterSet: characterSet, eastAsian: t.eastAsianEncodings,
                                           cutShort: { cutShort = true; return nil }) { folded -> IdentifyingKind? in
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
        if cutShort { return CompressedContent.cutShort }
        return kind?.rawValue
    }
}

import Foundation
import Synchronization

/// The folding of the matching spec (2.1), which needles and searched text both go through:
/// NFKC, Default_Ignorable_Code_Points removed, lower case (full mapping) with `ß` → `ss`,
/// diacritics removed (canonical decomposition, nonspacing marks dropped, recomposed), letters
/// without a decomposition folded (`ł` → `l`, `þ` → `th`, `ς` → `σ`, katakana → hiragana…).
/// The umlaut variant writes `ä ö ü` as `ae oe ue` before the diacritics go, and `ø` as `oe`.
///
/// Text is folded a chunk at a time: a scalar with the scalars after it that may combine with
/// it under normalisation (marks, conjoining Hangul vowels and finals, half-width voicing
/// marks, and ignorables between them). Nothing outside a chunk composes with it, so the pieces add up to the fold of the
/// whole (TextCleanerFoldTests checks this), and a match in the folded text can be traced back
/// to the characters of the original that made it (the cleaner removes those).
///
/// ASCII folds by lower-casing alone (nothing in ASCII is changed by NFKC, ignorable or a
/// mark): the fast path that nearly every header value takes. A single scalar of the Basic
/// Multilingual Plane is looked up in ScalarFoldTable; anything else (a letter with its marks,
/// a scalar of another plane) goes through Foundation's normalisation (slow on Linux) the first
/// time it is met, and is remembered.
enum TextFold {
    /// The fold of `s` (spec 2.1).
    static func fold(_ s: String) -> String {
        if PlainText.isASCII(s) { return asciiLowercased(s) }
        return String(decoding: foldedBytes(s).plain, as: UTF8.self)
    }

    /// The fold of `s` with `ä ö ü` written `ae oe ue`, or nil when `s` has none of them.
    static func umlautVariant(_ s: String) -> String? {
        if PlainText.isASCII(s) { return nil }
        return foldedBytes(s).variant.map { String(decoding: $0, as: UTF8.self) }
    }

    /// The folded UTF-8 of valid UTF-8 bytes, and of their umlaut variant if that differs.
    static func foldedBytes(utf8: [UInt8]) -> (plain: [UInt8], variant: [UInt8]?) {
        utf8.withUnsafeBufferPointer { u in
            var plain: [UInt8] = []
            var variant: [UInt8] = []
            var differs = false
            plain.reserveCapacity(u.count)
            forEachChunk(utf8: u) { folded, foldedVariant, _, _ in
                let before = plain.count
                append(folded, to: &plain)
                if let v = foldedVariant {
                    if !differs { variant = Array(plain[..<before]); differs = true }
                    append(v, to: &variant)
                } else if differs {
                    append(folded, to: &variant)
                }
            }
            return (plain, differs ? variant : nil)
        }
    }

    /// The folded UTF-8 of `s`, and of its umlaut variant if that differs.
    static func foldedBytes(_ s: String) -> (plain: [UInt8], variant: [UInt8]?) {
        if let ascii = s.utf8.withContiguousStorageIfAvailable({ u -> [UInt8]? in
            u.contains { $0 >= 0x80 } ? nil : [UInt8](unsafeUninitializedCapacity: u.count) { buffer, count in
                for i in 0..<u.count { buffer[i] = lower(u[i]) }
                count = u.count
            }
        }), let ascii { return (ascii, nil) }
        var plain: [UInt8] = []
        var variant: [UInt8] = []
        var differs = false
        plain.reserveCapacity(s.utf8.count)
        forEachChunk(s) { folded, foldedVariant, _, _ in
            let before = plain.count
            plain += folded
            if let v = foldedVariant {
                if !differs { variant = Array(plain[..<before]); differs = true }
                variant += v
            } else if differs {
                variant += folded
            }
        }
        return (plain, differs ? variant : nil)
    }

    /// Appends a few bytes (a folded character) without the cost of a memmove call.
    @inline(__always) static func append(_ bytes: UnsafeBufferPointer<UInt8>, to array: inout [UInt8]) {
        if bytes.count <= 4 { for b in bytes { array.append(b) } } else { array.append(contentsOf: bytes) }
    }

    static func asciiLowercased(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return s }
        return String(decoding: s.utf8.map(lower), as: UTF8.self)
    }

    @inline(__always) static func lower(_ b: UInt8) -> UInt8 {
        b &- 0x41 < 26 ? b | 0x20 : b
    }

    /// The lower-cased ASCII bytes, pointed at one at a time, so that folding ASCII allocates
    /// nothing (never freed: a global).
    nonisolated(unsafe) static let asciiPieces: UnsafeBufferPointer<UInt8> = ScalarFoldTable.permanent((0..<128).map { lower(UInt8($0)) })

    /// Calls `body(folded, variant, lo, hi)` for each chunk of `s`: its folded bytes, those of
    /// its umlaut variant when they differ, and the UTF-8 range of `s` it came from.
    static func forEachChunk(_ s: String, _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>?, Int, Int) -> Void) {
        var copy = s
        copy.withUTF8 { forEachChunk(utf8: $0, body) }
    }

    /// The same over valid UTF-8 bytes.
    static func forEachChunk(utf8 u: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>?, Int, Int) -> Void) {
        var table = ScalarFoldTable.Reader()
        let ascii = asciiPieces
        let n = u.count
        var i = 0
        while i < n {
            let (first, length) = decode(u, i)
            // The chunk runs on over scalars that join it, and over ignorables when a joiner
            // follows them (folding removes the ignorable, then composes what it separated).
            var j = i + length
            var k = j
            var multi = false
            while k < n && u[k] >= 0x80 {
                let (next, nextLength) = decode(u, k)
                if joinsPrevious(next, &table) {
                    k += nextLength
                    j = k
                    multi = true
                } else if foldsToNothing(next, &table) {
                    k += nextLength
                } else {
                    break
                }
            }
            let v = Int(first.value)
            if multi && v < 0x10000 && table.variant(v) == nil && marksOnly(u, from: i + length, to: j, &table) {
                // A letter and nonspacing marks: they fold to nothing, the letter to itself
                // (unless the marks and the letter could make an umlaut, or one whose
                // precomposed form is no longer ä, ö or ü: those take the slow path).
                body(v < 0x80 ? UnsafeBufferPointer(rebasing: ascii[v..<(v + 1)]) : table.plain(v), nil, i, j)
            } else if multi && noUmlaut(u, from: i, to: j, &table) {
                // A letter with marks or jamo that compose with it: the folds of its scalars,
                // composed (spec 2.1's last step), which is the fold of the whole as long as
                // no umlaut can appear or vanish by composing (TextCleanerFoldTests).
                var bytes: [UInt8] = []
                var k = i
                while k < j {
                    let (m, mLength) = decode(u, k)
                    bytes.append(contentsOf: m.value < 0x80 ? UnsafeBufferPointer(rebasing: ascii[Int(m.value)...Int(m.value)])
                                                            : table.plain(Int(m.value)))
                    k += mLength
                }
                // The standard library's own NFC (what String comparison uses): no Foundation.
                String(decoding: bytes, as: UTF8.self)._nfcCodeUnits.withUnsafeBufferPointer { body($0, nil, i, j) }
            } else if multi || v >= 0x10000 {
                let piece = slowPiece(String(decoding: UnsafeBufferPointer(rebasing: u[i..<j]), as: UTF8.self))
                piece.plain.withUnsafeBufferPointer { plain in
                    if let variant = piece.variant {
                        variant.withUnsafeBufferPointer { body(plain, $0, i, j) }
                    } else {
                        body(plain, nil, i, j)
                    }
                }
            } else if v < 0x80 {
                body(UnsafeBufferPointer(rebasing: ascii[v..<(v + 1)]), nil, i, j)
            } else {
                body(table.plain(v), table.variant(v), i, j)
            }
            i = j
        }
    }

    /// Whether the scalars of `u[lo..<hi]` all fold to nothing (nonspacing marks, ignorables)
    /// and none holds the diaeresis (which makes an umlaut of the letter before it): then the
    /// chunk folds as its first scalar alone, since folding decomposes again and drops them.
    static func marksOnly(_ u: UnsafeBufferPointer<UInt8>, from lo: Int, to hi: Int, _ table: inout ScalarFoldTable.Reader) -> Bool {
        var k = lo
        while k < hi {
            let (m, length) = decode(u, k)
            if m.value >= 0x10000 || table.hasDiaeresis(Int(m.value)) || !table.plain(Int(m.value)).isEmpty { return false }
            k += length
        }
        return true
    }

    /// Whether every scalar of `u[lo..<hi]` is in the table, none has an umlaut variant and
    /// none holds the diaeresis: composing them cannot make or unmake an `ä ö ü`.
    static func noUmlaut(_ u: UnsafeBufferPointer<UInt8>, from lo: Int, to hi: Int, _ table: inout ScalarFoldTable.Reader) -> Bool {
        var k = lo
        while k < hi {
            let (m, length) = decode(u, k)
            let v = Int(m.value)
            if v >= 0x10000 || table.hasDiaeresis(v) || table.variant(v) != nil { return false }
            k += length
        }
        return true
    }

    /// An ignorable (or a mark): folding removes it.
    @inline(__always) static func foldsToNothing(_ u: Unicode.Scalar, _ table: inout ScalarFoldTable.Reader) -> Bool {
        if u.value < 0x10000 { return table.plain(Int(u.value)).isEmpty }
        return u.properties.isDefaultIgnorableCodePoint
    }

    /// Outside the plane no compatibility form starts with a mark or a jamo
    /// (TextCleanerFoldTests checks the blocks that have compatibility forms), so the scalar's
    /// own properties decide.
    @inline(__always) static func joinsPrevious(_ u: Unicode.Scalar, _ table: inout ScalarFoldTable.Reader) -> Bool {
        if u.value < 0x80 { return false }
        if u.value < 0x10000 { return table.joinsPrevious(Int(u.value)) }
        return combinesWithPrevious(u)
    }

    /// The scalar starting at byte `i` of valid UTF-8, and its length.
    @inline(__always) static func decode(_ u: UnsafeBufferPointer<UInt8>, _ i: Int) -> (Unicode.Scalar, Int) {
        let b0 = UInt32(u[i])
        if b0 < 0x80 { return (Unicode.Scalar(UInt8(b0)), 1) }
        if b0 < 0xE0 { return (Unicode.Scalar((b0 & 0x1F) << 6 | UInt32(u[i + 1] & 0x3F))!, 2) }
        if b0 < 0xF0 {
            return (Unicode.Scalar((b0 & 0x0F) << 12 | UInt32(u[i + 1] & 0x3F) << 6 | UInt32(u[i + 2] & 0x3F)) ?? "\u{FFFD}", 3)
        }
        let v = (b0 & 0x07) << 18 | UInt32(u[i + 1] & 0x3F) << 12 | UInt32(u[i + 2] & 0x3F) << 6 | UInt32(u[i + 3] & 0x3F)
        return (Unicode.Scalar(v) ?? "\u{FFFD}", 4)
    }

    /// The fold of a chunk the table does not hold, and its umlaut variant when that differs.
    struct Piece: Sendable {
        let plain: [UInt8]
        let variant: [UInt8]?
    }

    /// Folds of such chunks. Bounded: text can hold any number of distinct combinations, and
    /// those past the bound are folded each time.
    private static let chunks = Mutex<[String: Piece]>([:])
    private static let chunkLimit = 20_000

    static func slowPiece(_ s: String) -> Piece {
        if let known = chunks.withLock({ $0[s] }) { return known }
        let plain = Array(referenceFold(s, umlauts: false).utf8)
        let variant = Array(referenceFold(s, umlauts: true).utf8)
        let piece = Piece(plain: plain, variant: variant == plain ? nil : variant)
        chunks.withLock { if $0.count < chunkLimit { $0[s] = piece } }
        return piece
    }

    /// A scalar that normalisation may compose with the one before it: a mark (every scalar of
    /// non-zero combining class is one), or a conjoining Hangul vowel or final.
    static func combinesWithPrevious(_ v: Unicode.Scalar) -> Bool {
        switch v.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: break
        }
        if v.properties.canonicalCombiningClass != .notReordered { return true }
        switch v.value {
        case 0x1160...0x11FF, 0xD7B0...0xD7FF: return true
        default: return false
        }
    }

    /// Spec 2.1 step by step, on a whole string: the definition chunk-by-chunk folding is
    /// tested against, and how a chunk the table does not hold is folded.
    static func referenceFold(_ s: String, umlauts: Bool) -> String {
        foldAfterCompatibility(s.precomposedStringWithCompatibilityMapping, umlauts: umlauts)
    }

    /// Steps 2 to 4 (and the umlaut variant), on text already in NFKC.
    static func foldAfterCompatibility(_ compatible: String, umlauts: Bool) -> String {
        var kept = String.UnicodeScalarView()
        for u in compatible.unicodeScalars where !u.properties.isDefaultIgnorableCodePoint { kept.append(u) }
        var lowered = String.UnicodeScalarView()
        for u in String(kept).lowercased().unicodeScalars {
            switch u.value {
            case 0xDF, 0x1E9E: lowered.append("s"); lowered.append("s")
            case 0xE4 where umlauts: lowered.append("a"); lowered.append("e")
            case 0xF6 where umlauts: lowered.append("o"); lowered.append("e")
            case 0xFC where umlauts: lowered.append("u"); lowered.append("e")
            default: lowered.append(u)
            }
        }
        var unmarked = String.UnicodeScalarView()
        for u in String(lowered).decomposedStringWithCanonicalMapping.unicodeScalars
        where u.properties.generalCategory != .nonspacingMark {
            if u.value >= 0x80, u.properties.generalCategory == .decimalNumber, let n = u.properties.numericValue {
                unmarked.append(Unicode.Scalar(UInt8(0x30 + Int(n))))   // any decimal digit as its ASCII digit
                continue
            }
            appendLetterFold(u, umlauts: umlauts, to: &unmarked)
        }
        return String(unmarked).precomposedStringWithCanonicalMapping
    }

    /// Step 5 (spec 2.1): letters that have no decomposition but are written without their
    /// stroke or as two letters (`ł` `ø` `đ` `ð` `þ` `ı` `æ` `œ`; `ø` is `oe` in the umlaut
    /// variant), the final sigma as `σ` (capitals lower-case to `σ`), katakana as hiragana (a
    /// reading is written in either).
    @inline(__always) static func appendLetterFold(_ u: Unicode.Scalar, umlauts: Bool, to out: inout String.UnicodeScalarView) {
        switch u.value {
        case 0x142: out.append("l")                                   // ł
        case 0xF8 where umlauts: out.append("o"); out.append("e")     // ø
        case 0xF8: out.append("o")
        case 0x111, 0xF0: out.append("d")                             // đ ð
        case 0xFE: out.append("t"); out.append("h")                   // þ
        case 0x131: out.append("i")                                   // ı
        case 0xE6: out.append("a"); out.append("e")                   // æ
        case 0x153: out.append("o"); out.append("e")                  // œ
        case 0x3C2: out.append("\u{3C3}")                             // ς
        case 0x30A1...0x30F6: out.append(Unicode.Scalar(u.value - 0x60)!)   // katakana
        default: out.append(u)
        }
    }


    // MARK: what the matching rules ask of a character (of folded text)

    /// A letter or a digit, for whole-word matching (spec 2.2) and for the words of names,
    /// addresses and places (spec 1): the letters (L*), marks still left after folding (a
    /// spacing vowel sign belongs to its word) and numbers (N*).
    static func isWordScalar(_ u: Unicode.Scalar) -> Bool {
        if u.value < 0x80 { return isASCIIWordByte(UInt8(u.value)) }
        switch u.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return false
        }
    }

    /// A letter (not a digit): the words of addresses and places count letters.
    static func isLetterScalar(_ u: Unicode.Scalar) -> Bool {
        if u.value < 0x80 { return (u.value | 0x20) &- 0x61 < 26 }
        return isWordScalar(u) && u.properties.numericType == nil
    }

    @inline(__always) static func isASCIIWordByte(_ b: UInt8) -> Bool {
        b &- 0x30 < 10 || (b | 0x20) &- 0x61 < 26
    }

    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }

    /// Scripts written without spaces between words (spec 2.2): a needle holding one of their
    /// characters matches anywhere. CJK ideographs (and the compatibility and radical blocks),
    /// hiragana, katakana, Hangul, Thai.
    static func isSpacelessScript(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0x0E00...0x0E7F,                 // Thai
             0x1100...0x11FF, 0x3130...0x318F, 0xA960...0xA97F, 0xAC00...0xD7AF, 0xD7B0...0xD7FF,   // Hangul
             0x3040...0x309F, 0x30A0...0x30FF, 0x31F0...0x31FF, 0xFF65...0xFF9F, 0x1B000...0x1B16F,  // kana
             0x2E80...0x2FDF, 0x3005...0x3007, 0x3021...0x3029, 0x3038...0x303B:                     // radicals, 々〆〇
            return true
        default:
            return u.properties.isIdeographic
        }
    }
}

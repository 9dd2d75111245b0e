import Foundation
import Synchronization

/// The folding of the matching spec (2.1), which needles and searched text both go through:
/// NFKC, Default_Ignorable_Code_Points removed, lower case (full mapping) with `ß` → `ss`,
/// diacritics removed (canonical decomposition, nonspacing marks dropped, recomposed). The
/// umlaut variant writes `ä ö ü` as `ae oe ue` before the diacritics go.
///
/// Text is folded a chunk at a time: a scalar with the scalars after it that may combine with
/// it under normalisation (marks, conjoining Hangul vowels and finals, half-width voicing
/// marks). Nothing outside a chunk composes with it, so the pieces add up to the fold of the
/// whole (TextCleanerFoldTests checks this), and a match in the folded text can be traced back
/// to the characters of the original that made it (the cleaner removes those).
///
/// ASCII folds by lower-casing alone (nothing in ASCII is changed by NFKC, ignorable or a
/// mark): the fast path that nearly every header value takes. Any other scalar is folded
/// through Foundation's normalisation (slow on Linux) the first time it is met, and
/// remembered for the life of the process.
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

    /// The folded UTF-8 of `s`, and of its umlaut variant if that differs.
    static func foldedBytes(_ s: String) -> (plain: [UInt8], variant: [UInt8]?) {
        var plain: [UInt8] = []
        var variant: [UInt8] = []
        var differs = false
        plain.reserveCapacity(s.utf8.count)
        forEachChunk(s) { piece, _, _ in
            plain += piece.plain
            if let v = piece.variant {
                if !differs { variant = Array(plain.dropLast(piece.plain.count)); differs = true }
                variant += v
            } else if differs {
                variant += piece.plain
            }
        }
        return (plain, differs ? variant : nil)
    }

    static func asciiLowercased(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return s }
        return String(decoding: s.utf8.map(lower), as: UTF8.self)
    }

    @inline(__always) static func lower(_ b: UInt8) -> UInt8 {
        b &- 0x41 < 26 ? b | 0x20 : b
    }

    /// The fold of one chunk, its umlaut variant when that differs, and (for a single scalar)
    /// whether it combines with the scalar before it, so belongs to that one's chunk.
    struct Piece: Sendable {
        let plain: [UInt8]
        let variant: [UInt8]?
        var joinsPrevious = false
    }

    /// Calls `body(piece, lo, hi)` for each chunk of `s`, with the UTF-8 range it came from.
    static func forEachChunk(_ s: String, _ body: (Piece, Int, Int) -> Void) {
        var copy = s
        copy.withUTF8 { u in
            let n = u.count
            var i = 0
            while i < n {
                let (first, length) = decode(u, i)
                var j = i + length
                var multi = false
                while j < n && u[j] >= 0x80 {
                    let (next, nextLength) = decode(u, j)
                    guard piece(next).joinsPrevious else { break }
                    multi = true
                    j += nextLength
                }
                if multi {
                    body(chunkPiece(String(decoding: UnsafeBufferPointer(rebasing: u[i..<j]), as: UTF8.self)), i, j)
                } else if first.value < 0x80 {
                    body(Piece(plain: [lower(UInt8(first.value))], variant: nil), i, j)
                } else {
                    body(piece(first), i, j)
                }
                i = j
            }
        }
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

    /// Folds of the scalars of the Basic Multilingual Plane met so far (index: the scalar), and
    /// of the others. At most one entry per scalar: bounded by Unicode itself.
    private static let basicPlane = Mutex<[Piece?]>([])
    private static let otherPlanes = Mutex<[UInt32: Piece]>([:])
    /// Folds of chunks of several scalars (a letter and its marks). Bounded: text can hold any
    /// number of distinct combinations, and those past the bound are folded each time.
    private static let chunks = Mutex<[String: Piece]>([:])
    private static let chunkLimit = 20_000

    static func piece(_ u: Unicode.Scalar) -> Piece {
        if u.value < 0x80 { return Piece(plain: [lower(UInt8(u.value))], variant: nil) }
        if foldsToItself(u) { return Piece(plain: Array(String(u).utf8), variant: nil) }
        if u.value < 0x10000 {
            if let known = basicPlane.withLock({ $0.isEmpty ? nil : $0[Int(u.value)] }) { return known }
        } else if let known = otherPlanes.withLock({ $0[u.value] }) {
            return known
        }
        var p = chunkPiece(String(u))
        p.joinsPrevious = joinsPrevious(u)
        let made = p
        if u.value < 0x10000 {
            basicPlane.withLock {
                if $0.isEmpty { $0 = [Piece?](repeating: nil, count: 0x10000) }
                $0[Int(u.value)] = made
            }
        } else {
            otherPlanes.withLock { $0[u.value] = made }
        }
        return made
    }

    static func chunkPiece(_ s: String) -> Piece {
        if let known = chunks.withLock({ $0[s] }) { return known }
        let plain = Array(referenceFold(s, umlauts: false).utf8)
        let variant = Array(referenceFold(s, umlauts: true).utf8)
        let piece = Piece(plain: plain, variant: variant == plain ? nil : variant)
        if s.unicodeScalars.count > 1 { chunks.withLock { if $0.count < chunkLimit { $0[s] = piece } } }
        return piece
    }

    /// A scalar that normalisation may compose with the one before it: a mark, a conjoining
    /// Hangul vowel or final, or one whose compatibility form starts with such (the half-width
    /// voicing marks become combining ones).
    static func joinsPrevious(_ u: Unicode.Scalar) -> Bool {
        func joins(_ v: Unicode.Scalar) -> Bool {
            switch v.properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark: return true
            default: break
            }
            if v.properties.canonicalCombiningClass != .notReordered { return true }
            switch v.value {
            case 0x1160...0x11FF, 0xD7B0...0xD7FF: return true   // Hangul vowels and finals
            default: return false
            }
        }
        if joins(u) { return true }
        guard let first = String(u).precomposedStringWithCompatibilityMapping.unicodeScalars.first, first != u else { return false }
        return joins(first)
    }

    /// Scalars every step leaves alone, known without asking Foundation: the CJK unified
    /// ideographs and the Hangul syllables (no case, no compatibility mapping, and a syllable
    /// decomposes into jamo, which are letters, and recomposes).
    @inline(__always) static func foldsToItself(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0xAC00...0xD7A3: return true
        default: return false
        }
    }

    /// Spec 2.1 step by step, on a whole string: the definition the per-character folding is
    /// tested against, and how each character is folded the first time it is met.
    static func referenceFold(_ s: String, umlauts: Bool) -> String {
        let compatible = s.precomposedStringWithCompatibilityMapping
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
            unmarked.append(u)
        }
        return String(unmarked).precomposedStringWithCanonicalMapping
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

@testable import Deidentify
import Foundation
import Testing

/// Folding (matching spec 2.1): character by character it must equal the spec's steps on the
/// whole text, and the ASCII fast paths must answer as the Unicode-aware ones.
@Suite struct TextCleanerFoldTests {
    static let samples: [String] = PlainTextTests.samples + [
        "Mül\u{AD}ler", "Mu\u{0308}ller", "MÜLLER", "Großkopf", "GROẞKOPF", "Ｓｉｍｐｓｏｎ", "ﬁle ﬂow", "ｶﾞｯｺｳ", "ﾔﾏﾀﾞ^ﾀﾛｳ",
        "山田^太郎=やまだ^たろう", "ホーマー シンプソン", "\u{1100}\u{1161}\u{11A8}", "한국", "ΟΔΥΣΣΕΥΣ", "İstanbul", "ŞİMŞEK",
        "Zo\u{200B}ë", "A\u{200D}B\u{2060}C\u{FEFF}D", "x\u{FE0F}y", "ÆØÅ æøå", "Ǆemal", "ﬀ", "①②", "№ 5", "½", "µm", "Å",
        "नमस्ते", "தொலைபேசி", "สมชาย", "Łódź", "Dvořák", "Ñandú", "ß", "ss", "\u{0301}", "a\u{0301}\u{0302}", "\u{FFA0}",
        "Müller^Jürgen=ミュラー", "O\u{0308}STERREICH", "Straße 5", "Ａｂｃ１２３", "ＭＲＮ４４１０５２７",
    ]

    @Test func characterByCharacterFoldingEqualsTheSpecOnTheWholeText() {
        for s in TextCleanerFoldTests.samples {
            #expect(Array(TextFold.fold(s).utf8) == Array(TextFold.referenceFold(s, umlauts: false).utf8), "\(s.debugDescription)")
            let variant = TextFold.referenceFold(s, umlauts: true)
            let expected = variant == TextFold.referenceFold(s, umlauts: false) ? nil : variant
            #expect(TextFold.umlautVariant(s).map { Array($0.utf8) } == expected.map { Array($0.utf8) }, "\(s.debugDescription)")
        }
    }

    /// Random text from scalars that interact under normalisation (letters, marks before and
    /// after them, Hangul jamo, kana and voicing marks, spacing vowel signs, ignorables,
    /// compatibility characters): chunk by chunk must still equal the whole.
    @Test func randomTextFoldsChunkByChunkAsAWhole() {
        let pool: [UInt32] = [0x41, 0x61, 0x49, 0x55, 0x75, 0x4F, 0x20, 0x2D, 0x31, 0xC4, 0xE4, 0xF6, 0xFC, 0xDF, 0x1E9E, 0x130, 0x3A3,
                              0x300, 0x301, 0x302, 0x307, 0x308, 0x30A, 0x323, 0x327, 0x345, 0x34F, 0x344, 0x1100, 0x1161, 0x11A8,
                              0xAC00, 0x3131, 0x314F, 0x30AB, 0x3099, 0x309A, 0xFF76, 0xFF9E, 0xFF9F, 0x0B95, 0x0BC6, 0x0BBE, 0x0BD7,
                              0x0915, 0x093F, 0x094D, 0x200B, 0x200D, 0xAD, 0xFE0F, 0xFB01, 0xFF21, 0x2126, 0x212B, 0x1F1, 0x4E00, 0x0E01, 0x0E31,
                              0x0BCD, 0x0D46, 0x0D3E, 0x0D57, 0x0F71, 0x0F72, 0x0F80, 0x1B05, 0x1B35, 0x09C7, 0x09BE, 0x09D7, 0x0CBF,
                              0x0CD5, 0x0CC6, 0x0CC2, 0x11C2, 0x1175, 0x110B, 0x3046, 0x30A6, 0x0391, 0x0345, 0x0385, 0x1FBF]
        var state: UInt64 = 0x9E3779B97F4A7C15
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        for _ in 0..<6000 {
            var s = String.UnicodeScalarView()
            for _ in 0..<(1 + next(10)) { s.append(Unicode.Scalar(pool[next(pool.count)])!) }
            let text = String(s)
            #expect(Array(TextFold.fold(text).utf8) == Array(TextFold.referenceFold(text, umlauts: false).utf8), "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
            let variant = TextFold.referenceFold(text, umlauts: true)
            let expected = variant == TextFold.referenceFold(text, umlauts: false) ? nil : variant
            #expect(TextFold.umlautVariant(text).map { Array($0.utf8) } == expected.map { Array($0.utf8) },
                    "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    @Test func theSpecsExamplesFold() {
        #expect(TextFold.fold("Großkopf") == "grosskopf")
        #expect(TextFold.fold("GROẞKOPF") == "grosskopf")
        #expect(TextFold.fold("Müller") == "muller")
        #expect(TextFold.umlautVariant("Müller") == "mueller")
        #expect(TextFold.umlautVariant("MU\u{0308}LLER") == "mueller")
        #expect(TextFold.umlautVariant("Mueller") == nil)
        #expect(TextFold.fold("Mül\u{AD}ler") == "muller")
        #expect(TextFold.fold("Zo\u{200B}ë") == "zoe")
        #expect(TextFold.fold("Ｓｉｍｐｓｏｎ") == "simpson")
        #expect(TextFold.fold("ＭＲＮ４４１０５２７") == "mrn4410527")
        #expect(TextFold.fold("ﬁle") == "file")
        #expect(TextFold.fold("ﾔﾏﾀﾞ") == TextFold.fold("ヤマタ"))   // half-width kana, voicing mark dropped
        #expect(TextFold.fold("Dvořák") == "dvorak")
    }

    @Test func asciiFoldsByLowerCasingAlone() {
        var all = ""
        for b in 0..<128 { all.unicodeScalars.append(Unicode.Scalar(UInt8(b))) }
        #expect(TextFold.fold(all) == TextFold.referenceFold(all, umlauts: false))
        #expect(TextFold.fold(all) == all.lowercased())
        for s in TextCleanerFoldTests.samples where PlainText.isASCII(s) {
            #expect(TextFold.fold(s) == TextFold.referenceFold(s, umlauts: false), "\(s.debugDescription)")
        }
    }

    /// The byte-level word test (ASCII) answers as the scalar-property one.
    @Test func asciiWordBytesAreTheLettersAndDigits() {
        for b in UInt8(0)..<128 {
            let u = Unicode.Scalar(b)
            let byCategory: Bool
            switch u.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .decimalNumber: byCategory = true
            default: byCategory = false
            }
            #expect(TextFold.isASCIIWordByte(b) == byCategory, "\(b)")
            #expect(TextFold.isWordScalar(u) == byCategory, "\(b)")
            #expect(TextFold.isLetterScalar(u) == (byCategory && !TextFold.isDigit(b)), "\(b)")
        }
        #expect(TextFold.isWordScalar("ü") && TextFold.isWordScalar("山") && TextFold.isWordScalar("ー"))
        #expect(!TextFold.isWordScalar("\u{3000}") && !TextFold.isWordScalar("・"))
    }

    /// The table built in one pass folds each scalar as the spec's steps fold it alone.
    @Test func theScalarTableFoldsEachScalarAsTheSpecDoes() {
        var table = ScalarFoldTable.Reader()
        var values = Array(stride(from: 0x80, to: 0x10000, by: 61)) + Array(0x80...0x24F) + Array(0x3040...0x30FF) + Array(0xFF00...0xFFEF)
        values += [0x1E9E, 0x0130, 0x03A3, 0x2126, 0x212A, 0xFB01, 0x00AD, 0x200B, 0xFE0F, 0x0344, 0x1161, 0x11A8, 0x0BBE]
        for v in values where !(0xD800...0xDFFF).contains(v) {
            let s = String(Unicode.Scalar(UInt32(v))!)
            let plain = Array(table.plain(v)), tableVariant = table.variant(v).map(Array.init)
            #expect(plain == Array(TextFold.referenceFold(s, umlauts: false).utf8), "U+\(String(v, radix: 16))")
            let variant = Array(TextFold.referenceFold(s, umlauts: true).utf8)
            #expect(tableVariant == (variant == plain ? nil : variant), "U+\(String(v, radix: 16))")
        }
        // What joins the scalar before it: marks, Hangul vowels and finals, half-width voicing marks.
        for v in [0x0301, 0x0308, 0x3099, 0xFF9E, 0xFF9F, 0x1161, 0x11A8, 0x0BBE, 0x093F] {
            let joins = table.joinsPrevious(v)
            #expect(joins, "\(v)")
        }
        for v in [0x41, 0xE9, 0x3042, 0x30AB, 0xFF76, 0xAC00, 0x1100, 0x4E00] {
            let joins = table.joinsPrevious(v)
            #expect(!joins, "\(v)")
        }
        let diaeresis = [0x308, 0x344, 0xFC, 0x301].map { table.hasDiaeresis($0) }
        #expect(diaeresis == [true, true, true, false])
    }

    /// Outside the Basic Multilingual Plane no compatibility form starts with a mark or a
    /// jamo: TextFold decides whether such a scalar joins the one before by its own properties.
    @Test func noCompatibilityFormOutsideThePlaneStartsWithAJoiner() {
        var text = String.UnicodeScalarView()
        let blocks = [0x10780...0x107BF, 0x1D400...0x1D7FF, 0x1EE00...0x1EEFF, 0x1F100...0x1F2FF, 0x1FBF0...0x1FBF9, 0x2F800...0x2FA1F]
        for v in blocks.joined() { text.append(ScalarFoldTable.separator); text.append(Unicode.Scalar(UInt32(v))!) }
        let pieces = ScalarFoldTable.piecesWithFirst(String(text).precomposedStringWithCompatibilityMapping)
        #expect(pieces.count == blocks.reduce(0) { $0 + $1.count })
        for piece in pieces {
            if let first = piece.first { #expect(!TextFold.combinesWithPrevious(first), "\(first)") }
        }
    }

    /// Latin-1 bytes are folded through a table (binary values): the same as folding the text.
    @Test func theLatin1TableFoldsAsTheText() {
        for b in UInt8(0)...255 {
            let s = String(Unicode.Scalar(b))
            #expect(Array(BinaryText.latin1Fold(b)) == Array(TextFold.referenceFold(s, umlauts: false).utf8), "\(b)")
            #expect(Array(BinaryText.latin1Variant(b)) == Array(TextFold.referenceFold(s, umlauts: true).utf8), "\(b)")
        }
    }
}

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

    /// The scalars folded without asking Foundation really fold to themselves.
    @Test func theShortcutScalarsFoldToThemselves() {
        for v in Array(stride(from: 0x4E00, through: 0x9FFF, by: 97)) + Array(stride(from: 0xAC00, through: 0xD7A3, by: 89)) + [0x3400, 0x4DBF, 0x20000] {
            let s = String(Unicode.Scalar(UInt32(v))!)
            #expect(TextFold.foldsToItself(Unicode.Scalar(UInt32(v))!))
            #expect(TextFold.referenceFold(s, umlauts: false) == s, "\(v)")
        }
    }

    /// Latin-1 bytes are folded through a table (binary values): the same as folding the text.
    @Test func theLatin1TableFoldsAsTheText() {
        for b in UInt8(0)...255 {
            let s = String(Unicode.Scalar(b))
            #expect(BinaryText.latin1Fold[Int(b)] == Array(TextFold.referenceFold(s, umlauts: false).utf8), "\(b)")
            #expect(BinaryText.latin1Variant[Int(b)] == Array(TextFold.referenceFold(s, umlauts: true).utf8), "\(b)")
        }
    }
}

import DICOMCore
@testable import Deidentify
import Foundation
import Testing

/// The attack corpus's second-reader channels on letters, scripts and character sets: letters
/// with no decomposition, Greek capitals and the final sigma, katakana for hiragana, character
/// references, Latin-1 under ISO_IR 192, JIS X 0201, unknown ISO 2022 escapes, and names in
/// East Asian encodings inside binary values. Each is cleaned by the engine and caught by the
/// gate alone.
@Suite struct UnicodeAttackTests {
    typealias A = AttackRegressionTests

    // MARK: folding (spec 2.1 step 5), both readers

    static let sameFolds: [(String, String)] = [
        ("Wałęsa Łucja", "WALESA LUCJA"), ("Søndergaard Bjørn", "SONDERGAARD BJORN"), ("Yılmaz", "YILMAZ"),
        ("Đặng Đức", "DANG DUC"), ("Þórsdóttir Guðrún", "THORSDOTTIR GUDRUN"), ("Æbeltoft Œuvre", "AEBELTOFT OEUVRE"),
        ("Παπαδόπουλος", "ΠΑΠΑΔΟΠΟΥΛΟΣ"), ("やまだ たろう", "ヤマダ タロウ"), ("こばやし", "ｺﾊﾞﾔｼ"),
    ]

    @Test func lettersWithoutDecompositionGreekAndKanaFoldAlikeInBothReaders() {
        for (a, b) in Self.sameFolds {
            #expect(TextFold.fold(a) == TextFold.fold(b), "\(a) / \(b)")
            #expect(GateFolding.fold(a).text == GateFolding.fold(b).text, "\(a) / \(b)")
            #expect(Array(TextFold.fold(a).utf8) == GateFolding.fold(a).text, "\(a)")
        }
        // ø is also oe, as ö is.
        #expect(TextFold.umlautVariant("Søndergaard") == "soendergaard")
        #expect(GateFolding.fold("Søndergaard").umlautForm == Array("soendergaard".utf8))
        #expect(TextFold.fold("Ǿrsted") == TextFold.referenceFold("Ǿrsted", umlauts: false))
    }

    @Test func keptTextsInOtherLettersAreCleaned() throws {
        let cases: [(String, String, String)] = [
            ("ISO_IR 192", "Søndergaard^Bjørn", "SOENDERGAARD"),
            ("ISO_IR 192", "Þórsdóttir^Guðrún", "THORSDOTTIR GUDRUN"),
            ("ISO_IR 192", "Παπαδόπουλος^Ελευθερία", "ΠΑΠΑΔΟΠΟΥΛΟΣ"),
            ("ISO_IR 192", "Yamada^Tarou=山田^太郎=やまだ^たろう", "ヤマダ タロウ"),
            ("ISO_IR 192", "Großkopf^Hannelore", "Gro&szlig;kopf"),
            ("ISO_IR 192", "Großkopf^Hannelore", "GRO&#xDF;KOPF"),
        ]
        for (charset, name, text) in cases {
            let (out, hit) = try A.outcome(A.base([
                DataElement(tag: .specificCharacterSet, vr: .CS, string: charset),
                DataElement(tag: .patientName, vr: .PN, string: name),
                DataElement(tag: .seriesDescription, vr: .LO, string: "CT \(text) AXIAL"),
            ]))
            #expect(hit == nil, "\(text)")
            #expect(out.string(.seriesDescription) == "CT AXIAL", "\(text)")
        }
    }

    /// The gate alone (an engine that kept the text): refused.
    static func gateHit(name: String, text: String, charset: String = "ISO_IR 192") throws -> PHIGate.Hit? {
        let original = A.base([
            DataElement(tag: .specificCharacterSet, vr: .CS, string: charset),
            DataElement(tag: .patientName, vr: .PN, string: name),
        ])
        let output = DataSet([
            DataElement(tag: .specificCharacterSet, vr: .CS, string: "ISO_IR 192"),
            DataElement(tag: .seriesDescription, vr: .LO, string: text),
        ])
        return try PHIGateFixture.verdict(PHIGate(original: original), output)
    }

    @Test func theGateAloneFindsThem() throws {
        #expect(try Self.gateHit(name: "Wałęsa^Łucja", text: "WALESA") != nil)
        #expect(try Self.gateHit(name: "Søndergaard^Bjørn", text: "SOENDERGAARD") != nil)
        #expect(try Self.gateHit(name: "YILMAZ^AYŞE", text: "Hasta Yılmaz") != nil)
        #expect(try Self.gateHit(name: "Παπαδόπουλος^Ελευθερία", text: "ΠΑΠΑΔΟΠΟΥΛΟΣ") != nil)
        #expect(try Self.gateHit(name: "Yamada^Tarou=山田^太郎=やまだ^たろう", text: "ﾔﾏﾀﾞ") != nil)
        #expect(try Self.gateHit(name: "Großkopf^Hannelore", text: "see Gro&szlig;kopf") != nil)
        #expect(try Self.gateHit(name: "Großkopf^Hannelore", text: "see Gro&#223;kopf") != nil)
        let other = try Self.gateHit(name: "Großkopf^Hannelore", text: "CT Gro&amp;kopf")
        #expect(other == nil, "\(String(describing: other))")
    }

    // MARK: character sets

    @Test func jisX0201IsDecodedAsHalfWidthKatakana() {
        let ir13 = SpecificCharacterSet(terms: ["ISO_IR 13"])
        #expect(ir13.decode([0xBA, 0xCA, 0xDE, 0xD4, 0xBC, 0x20, 0x43, 0x54]) == "ｺﾊﾞﾔｼ CT")
        let japanese = SpecificCharacterSet(terms: ["ISO 2022 IR 13", "ISO 2022 IR 87"])
        #expect(japanese.decode([0xD4, 0xCF, 0xC0, 0xDE]) == "ﾔﾏﾀﾞ")
    }

    @Test func latin1BytesUnderUTF8ReadAsLatin1() {
        let bytes = Array("Müller^Jürgen".data(using: .isoLatin1)!)
        #expect(SpecificCharacterSet.utf8.decode(bytes) == "Müller^Jürgen")
        #expect(SpecificCharacterSet.utf8.decode(Array("Müller é".utf8) + [0xFC]) == "Müller éü")
    }

    @Test func anUnknownEscapeIsDroppedAndTheTextAroundItRead() {
        let cs = SpecificCharacterSet(terms: ["", "ISO 2022 IR 87"])
        #expect(cs.decode(Array("UNDER\u{1B}(@HILLS CT".utf8)) == "UNDERHILLS CT")
        #expect(cs.decode(Array("UNDER\u{1B}%/GHILLS".utf8)) == "UNDERHILLS")
        #expect(cs.decode(Array("UNDER\u{1B}".utf8)) == "UNDER\u{FFFD}")
    }

    @Test func aLatin1NameUnderUTF8IsFoundInKeptText() throws {
        var original = A.base([
            DataElement(tag: .specificCharacterSet, vr: .CS, string: "ISO_IR 192"),
            DataElement(tag: .seriesDescription, vr: .LO, string: "MULLER J AXIAL"),
        ])
        original.set(DataElement(tag: .patientName, vr: .PN, bytes: Array("Müller^Jürgen".data(using: .isoLatin1)!) + [0x20]))
        let (out, hit) = try A.outcome(original)
        #expect(hit == nil)
        #expect(out.string(.seriesDescription) == "J AXIAL")
    }

    // MARK: binary values in East Asian encodings

    static func blob(_ encoded: [UInt8]) -> [UInt8] {
        let b = Array(0..<16) + encoded + Array(16..<32)
        return b.count & 1 == 1 ? b + [0] : b
    }

    @Test func aNameInShiftJISOrGB18030InsideOBIsFoundByBothReaders() throws {
        let cases: [(String, [UInt8])] = [
            // "氏名:山田太郎" in Shift-JIS, "姓名:王小东" in GB18030
            ("Yamada^Tarou=山田^太郎=やまだ^たろう", Self.blob([142, 129, 150, 188, 58, 142, 82, 147, 99, 145, 190, 152, 89])),
            ("Wang^Xiaodong=王^小东", Self.blob([208, 213, 195, 251, 58, 205, 245, 208, 161, 182, 171])),
        ]
        for (name, bytes) in cases {
            let original = A.base([
                DataElement(tag: .specificCharacterSet, vr: .CS, string: "ISO_IR 192"),
                DataElement(tag: .patientName, vr: .PN, string: name),
            ])
            let cleaner = TextCleaner(IdentifyingValues(original: original, options: []))
            #expect(cleaner.findInBinary(bytes, vr: .OB, characterSet: .utf8) == "name", "\(name)")
            let output = DataSet([DataElement(tag: .objectDirectoryBinaryIdentifierTrial, vr: .OB, bytes: bytes)])
            #expect(try PHIGateFixture.verdict(PHIGate(original: original), output) != nil, "\(name)")
        }
        // A Latin name reads no binary value in those encodings.
        let latin = TextCleaner(IdentifyingValues(original: A.base([DataElement(tag: .patientName, vr: .PN, string: "Yamada^Tarou")]), options: []))
        #expect(latin.tables.eastAsianEncodings.isEmpty)
    }
}

import DICOMCore
@testable import Deidentify
import Foundation
import Testing

/// Binary values (matching spec 3, row 2): needles of 4 characters or more in each reading of
/// the bytes as text.
@Suite struct TextCleanerBinaryTests {
    typealias E = CleanerFixture
    let c = CleanerFixture.cleaner()

    static func padded(_ s: String, before: Int = 3, after: Int = 5) -> [UInt8] {
        [UInt8](repeating: 0x01, count: before) + Array(s.utf8) + [UInt8](repeating: 0xFF, count: after)
    }

    @Test func asciiAndLatin1AndUTF8() {
        #expect(c.findInBinary(Self.padded("xxSIMPSONxx"), vr: .OB, characterSet: .default) == "name")
        #expect(c.findInBinary(Self.padded("ref 4410527;"), vr: .OB, characterSet: .default) == "id")
        #expect(c.findInBinary(Self.padded("1958-11-04"), vr: .OB, characterSet: .default) == "birthdate")
        #expect(c.findInBinary(Self.padded("1.2.826.0.1.3680043.10.7"), vr: .UN, characterSet: .default) == "uid")
        #expect(c.findInBinary(Self.padded("CT HEAD 120 kV"), vr: .OB, characterSet: .default) == nil)
        let m = TextCleaner(IdentifyingValues(original: DataSet([E.element("PatientName", "Mueller^Hans")]), options: []))
        let latin1: [UInt8] = [0x00, 0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72, 0x00]          // "Müller" in Latin-1
        #expect(m.findInBinary(latin1, vr: .OB, characterSet: .default) == "name")
        #expect(m.findInBinary([0x00] + Array("Mu\u{0308}ller".utf8), vr: .OB, characterSet: .default) == "name")
        let soft: [UInt8] = [0x4D, 0x55, 0xAD, 0x45, 0x4C, 0x4C, 0x45, 0x52]               // "MU-ELLER" with a Latin-1 soft hyphen
        #expect(m.findInBinary(soft, vr: .OB, characterSet: .default) == "name")
    }

    @Test func utf16InEitherByteOrderOnlyForEvenLengthOBOWUN() {
        let le = Array("SIMPSON!".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let be = Array("SIMPSON!".utf16).flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        #expect(c.findInBinary(le, vr: .OW, characterSet: .default) == "name")
        #expect(c.findInBinary(be, vr: .OB, characterSet: .default) == "name")
        #expect(c.findInBinary(le, vr: .UN, characterSet: .default) == "name")
        #expect(c.findInBinary(le, vr: .OF, characterSet: .default) == nil)
        #expect(c.findInBinary(Array(le.dropLast()), vr: .OB, characterSet: .default) == nil, "odd length")
    }

    @Test func theDataSetsCharacterSet() {
        let ds = DataSet([E.element("SpecificCharacterSet", "ISO_IR 192"), E.element("PatientName", "山田^太郎")])
        let cjk = TextCleaner(IdentifyingValues(original: ds, options: []))
        // 山田太郎 in ISO 2022 IR 87 (JIS X 0208 within escapes): the character set reads it, and
        // so does the ISO-2022-JP reading of a value when a name is in Japanese (spec 5).
        let jis: [UInt8] = [0x20, 0x1B, 0x24, 0x42, 0x3B, 0x33, 0x45, 0x44, 0x42, 0x40, 0x4F, 0x3A, 0x1B, 0x28, 0x42, 0x20]
        let charset = SpecificCharacterSet(terms: ["", "ISO 2022 IR 87"])
        #expect(cjk.findInBinary(jis, vr: .OB, characterSet: charset) == "name")
        #expect(cjk.findInBinary(jis, vr: .OB, characterSet: .default) == "name")
        let latin = TextCleaner(IdentifyingValues(original: DataSet([E.element("PatientName", "Yamada^Tarou")]), options: []))
        #expect(latin.findInBinary(jis, vr: .OB, characterSet: .default) == nil)
        #expect(cjk.findInBinary(Array("山田太郎".utf8), vr: .OB, characterSet: .default) == "name")
    }

    @Test func shortNeedlesOtherDatesAndDigitViewsAreNotSearched() {
        let xu = TextCleaner(IdentifyingValues(original: DataSet([E.element("PatientName", "Xu^An"), E.element("StudyDate", "20240115")]), options: []))
        #expect(xu.findInBinary(Self.padded("XU AN"), vr: .OB, characterSet: .default) == nil)
        #expect(xu.findInBinary(Self.padded("XUAN"), vr: .OB, characterSet: .default) == "name")
        #expect(xu.findInBinary(Self.padded("20240115"), vr: .OB, characterSet: .default) == nil)
        #expect(c.findInBinary(Self.padded("441 0527"), vr: .OB, characterSet: .default) == nil)
    }

    /// The decoders of binary values give what the standard library's decoding gives.
    @Test func readingsDecodeAsTheStandardLibraryDoes() {
        var state: UInt64 = 42
        func next() -> UInt8 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        let samples: [[UInt8]] = [Array("Müller 山田 \u{1F600}".utf8), [0xC0, 0x80, 0xE0, 0x80, 0x80, 0xED, 0xA0, 0x80, 0xF4, 0x90, 0x80, 0x80, 0x41],
                                  [0xE2, 0x82], [0xF0, 0x9F, 0x98], (0..<4096).map { _ in next() }]
        for bytes in samples {
            #expect(BinaryText.validUTF8(bytes) == Array(String(decoding: bytes, as: UTF8.self).utf8))
            guard bytes.count % 2 == 0 else { continue }
            let le = stride(from: 0, to: bytes.count, by: 2).map { UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8 }
            let be = stride(from: 0, to: bytes.count, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
            #expect(BinaryText.utf16(bytes, bigEndian: false) == Array(String(decoding: le, as: UTF16.self).utf8))
            #expect(BinaryText.utf16(bytes, bigEndian: true) == Array(String(decoding: be, as: UTF16.self).utf8))
        }
    }

    /// Not asserted: what a large value costs (read from the output), once the folding table
    /// is built (which is timed too: once per process).
    @Test func costOfALargeValue() {
        let clock = ContinuousClock()
        let table = clock.measure { for b in 0..<(0x10000 / ScalarFoldTable.blockSize) { _ = ScalarFoldTable.shared.block(b) } }
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<(1 << 18)).map { _ in UInt8.random(in: 0...255, using: &random) }
        let ascii = (0..<(1 << 18)).map { _ in UInt8.random(in: 0x20...0x7E, using: &random) }
        _ = c.findInBinary(Array(bytes.prefix(4096)), vr: .OW, characterSet: .default)
        var results: [String?] = []
        let randomTime = clock.measure { results.append(c.findInBinary(bytes, vr: .OW, characterSet: .default)) }
        let asciiTime = clock.measure { results.append(c.findInBinary(ascii, vr: .OB, characterSet: .default)) }
        let small = Array(bytes.prefix(64 * 1024))
        let smallTime = clock.measure { results.append(c.findInBinary(small, vr: .OW, characterSet: .default)) }
        print("findInBinary: folding table built whole in \(table); 256 KiB of random bytes \(randomTime), "
              + "of printable ASCII \(asciiTime); 64 KiB of random bytes \(smallTime)")
        #expect(results.count == 3)
    }
}

extension TextCleanerBinaryTests {
    @Test func utf16FromByteOneAndBase64Runs() {
        let be = Array("SIMPSON!".utf16).flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        #expect(c.findInBinary([0x07] + be + [0x00], vr: .OB, characterSet: .default) == "name")
        let b64 = Array(Data("PatientName=Simpson".utf8).base64EncodedString().utf8)
        #expect(c.findInBinary(b64, vr: .OB, characterSet: .default) == "name")
        #expect(c.findInBinary(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8), vr: .OB, characterSet: .default) == nil)
        let text = "K=" + Data("PatientName=Simpson;x".utf8).base64EncodedString() + " end"
        #expect(CleanerFixture.clean(text) == "K= end")
    }

    @Test func ofAndODValuesAreReadAsNumbersOutsidePixelData() {
        let of = DataElement(tag: Tag(group: 0x0064, element: 0x0009), vr: .OF,
                             bytes: withUnsafeBytes(of: Float(4410527).bitPattern.littleEndian, Array.init))
        #expect(BinaryNumbers.candidates(of, vr: .OF) == [4410527])
        let pixels = DataElement(tag: .floatPixelData, vr: .OF, bytes: of.bytes!)
        #expect(BinaryNumbers.candidates(pixels, vr: .OF).isEmpty)
        let long = DataElement(tag: of.tag, vr: .OF, bytes: [UInt8](repeating: 0, count: 4100) + of.bytes!)
        #expect(BinaryNumbers.candidates(long, vr: .OF).isEmpty)
    }
}

import DICOMCore
import DICOMFile
@testable import Deidentify
import Foundation
import Testing

/// Binary values read as text (spec 3: Latin-1, UTF-8, the character set, UTF-16), values sent
/// as UN, the preamble and File Meta, and the other encodings of the data set: each hiding place
/// refused with the value, passed without it.
@Suite struct PHIGateBinaryTests {
    typealias F = PHIGateFixture
    let gate = PHIGateFixture.gate
    static let creator = DataElement(tag: Tag(group: 0x0009, element: 0x0010), vr: .LO, string: "ACME 1.0")
    static let privateTag = Tag(group: 0x0009, element: 0x1010)

    func withPrivate(_ vr: VR, _ bytes: [UInt8], to ds: DataSet = PHIGateFixture.clean()) -> DataSet {
        var b = bytes
        if b.count % 2 == 1 { b.append(0) }
        return F.with(ds, PHIGateBinaryTests.creator, DataElement(tag: PHIGateBinaryTests.privateTag, vr: vr, bytes: b))
    }

    static func utf16(_ s: String, bigEndian: Bool) -> [UInt8] {
        s.utf16.flatMap { u in bigEndian ? [UInt8(u >> 8), UInt8(u & 0xFF)] : [UInt8(u & 0xFF), UInt8(u >> 8)] }
    }

    @Test func anOBValueIsReadAsLatin1UTF8AndUTF16() throws {
        var original = F.original
        original.set(DataElement(tag: .patientName, vr: .PN, bytes: Array("Müller^Hans ".data(using: .isoLatin1)!)))
        let gate = PHIGate(original: original)
        let readings: [(String, [UInt8])] = [
            ("Latin-1", [0x00, 0x01] + Array("Dr M\u{FC}ller".data(using: .isoLatin1)!) + [0x00]),
            ("UTF-8", [0x02] + Array("für MÜLLER".utf8)),
            ("UTF-16LE", PHIGateBinaryTests.utf16("Mueller Hans", bigEndian: false)),
            ("UTF-16BE", PHIGateBinaryTests.utf16("müller", bigEndian: true)),
        ]
        for (name, bytes) in readings {
            let hit = try F.verdict(gate, withPrivate(.OB, bytes))
            #expect(hit?.attribute == "PatientName" && hit?.location == "(0009,1010) private", "\(name): \(String(describing: hit))")
        }
        #expect(try F.verdict(gate, withPrivate(.OB, [0x00, 0x01, 0x4D, 0xFC, 0x6C, 0x00, 0x72])) == nil)   // "Mül" + "r": no needle
    }

    @Test func textInAnFLArrayIsFound() throws {
        let floats = Array("Simpson Homer   ".utf8)   // four floats
        let leaky = F.with(F.clean(), DataElement(tag: .tableOfParameterValues, vr: .FL, bytes: floats))
        let hit = try F.verdict(gate, leaky)
        #expect(hit?.attribute == "PatientName" && hit?.location == "(0018,605A) TableOfParameterValues")
        let numbers = F.with(F.clean(), DataElement(tag: .tableOfParameterValues, vr: .FL, bytes: [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40]))
        #expect(try F.verdict(gate, numbers) == nil)
    }

    /// ISO 8859-5 for the Cyrillic letters U+0410 to U+044F.
    static func cyrillic(_ s: String) -> [UInt8] {
        s.unicodeScalars.map { $0.value < 0x80 ? UInt8($0.value) : UInt8($0.value - 0x360) }
    }

    @Test func aUNValueIsDecodedInTheDataSetsCharacterSet() throws {
        let original = F.with(F.original, F.element(.specificCharacterSet, .CS, "ISO_IR 144"),
                              DataElement(tag: .patientName, vr: .PN, bytes: PHIGateBinaryTests.cyrillic("Иванов^Пётр ")))
        let gate = PHIGate(original: original)
        let base = F.with(F.clean(), F.element(.specificCharacterSet, .CS, "ISO_IR 144"))
        #expect(try F.verdict(gate, base) == nil)
        // A private UN: a binary value, read in ISO 8859-5 among others.
        let hit = try F.verdict(gate, withPrivate(.UN, PHIGateBinaryTests.cyrillic("ИВАНОВ"), to: base))
        #expect(hit?.attribute == "PatientName" && hit?.location == "(0009,1010) private")
        // A standard text attribute sent as UN: searched as its dictionary VR says (every form).
        let un = F.with(base, DataElement(tag: .studyComments, vr: .UN, bytes: PHIGateBinaryTests.cyrillic("Пётр ")))
        #expect(try F.verdict(gate, un)?.location == "(0032,4000) StudyComments")
    }

    @Test func aUNValueInISO2022JapaneseIsDecoded() throws {
        let esc: UInt8 = 0x1B
        let kanji: [UInt8] = [esc, 0x24, 0x42]
        let ascii: [UInt8] = [esc, 0x28, 0x42]
        let name: [UInt8] = Array("Yamada^Tarou=".utf8) + kanji + [0x3B, 0x33, 0x45, 0x44] + ascii + Array("^".utf8) + kanji + [0x42, 0x40, 0x4F, 0x3A] + ascii
        let original = F.with(F.original, DataElement(tag: .specificCharacterSet, vr: .CS, strings: ["", "ISO 2022 IR 87"]),
                              DataElement(tag: .patientName, vr: .PN, bytes: name))
        let gate = PHIGate(original: original)
        let base = F.with(F.clean(), DataElement(tag: .specificCharacterSet, vr: .CS, strings: ["", "ISO 2022 IR 87"]))
        #expect(try F.verdict(gate, base) == nil)
        let fullName = kanji + [0x3B, 0x33, 0x45, 0x44, 0x42, 0x40, 0x4F, 0x3A] + ascii
        #expect(try F.verdict(gate, withPrivate(.UN, fullName, to: base))?.attribute == "PatientName")
        let family = kanji + [0x3B, 0x33, 0x45, 0x44] + ascii + [0x20]
        #expect(try F.verdict(gate, F.with(base, DataElement(tag: .studyComments, vr: .UN, bytes: family)))?.attribute == "PatientName")
    }

    @Test func thePreambleAndFileMetaBinaryValuesAreSearched() throws {
        let preamble = Array("II*\0 SIMPSON HOMER".utf8) + [UInt8](repeating: 0, count: 110)
        #expect(try F.verdict(gate, F.clean(), preamble: preamble)?.location == "preamble")
        #expect(try F.verdict(gate, F.clean(), preamble: [UInt8](repeating: 0x20, count: 128)) == nil)
        let meta = DataSet([F.element(.privateInformationCreatorUID, .UI, "2.25.77"),
                            DataElement(tag: .privateInformation, vr: .OB, bytes: Array("by Hibbert".utf8))])
        #expect(try F.verdict(gate, F.clean(), meta: meta)?.location == "File Meta Information (0002,0102) PrivateInformation")
    }

    @Test func implicitAndDeflatedCopiesAreSearchedAsWritten() throws {
        let leaky = F.with(F.clean(), F.element(.imageComments, .LT, "for Simpson"))
        for ts in [TransferSyntax.implicitVRLittleEndian, .deflatedExplicitVRLittleEndian] {
            #expect(try F.verdict(gate, F.clean(), transferSyntax: ts) == nil, "\(ts.name)")
            #expect(try F.verdict(gate, leaky, transferSyntax: ts)?.location == "(0020,4000) ImageComments", "\(ts.name)")
            // A private value only the byte search sees as text in implicit VR (it reads as UN).
            let hidden = withPrivate(.LO, Array("Evergreen".utf8))
            #expect(try F.verdict(gate, hidden, transferSyntax: ts)?.attribute == "PatientAddress", "\(ts.name)")
        }
    }

    @Test func aFileThatCannotBeReadIsRefused() throws {
        let folder = try F.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var bytes = try Part10Writer.encode(Part10File(dataSet: F.clean(), transferSyntax: .explicitVRLittleEndian))
        bytes.removeLast(3)   // a value cut short
        try Data(bytes).write(to: URL(fileURLWithPath: folder + "/cut.part"))
        let hit = F.verdict(gate, path: folder + "/cut.part")
        #expect(hit?.kind == "unchecked" && hit?.attribute == "the output")
        #expect(F.verdict(gate, path: folder + "/missing.part")?.kind == "unchecked")
    }
}

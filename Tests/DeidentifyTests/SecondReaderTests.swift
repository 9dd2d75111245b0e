import DICOMCore
import DICOMFile
@testable import Deidentify
import Foundation
import Testing
import TestSupport

/// The second reader's reproductions: each was a way PHI could leave, or an image be lost.
@Suite struct SecondReaderTests {
    let folder: String

    init() throws {
        folder = try ExternalTools.temporaryDirectory("review").path
    }

    func base(_ charset: String? = nil, name: String = "Simpson^Homer") -> DataSet {
        var ds = DataSet([
            DataElement(tag: .sopClassUID, vr: .UI, string: UID.ctImageStorage.rawValue),
            DataElement(tag: .sopInstanceUID, vr: .UI, string: "1.2.826.0.1.3680043.10.7.1.1"),
            DataElement(tag: .studyInstanceUID, vr: .UI, string: "1.2.826.0.1.3680043.10.7"),
            DataElement(tag: .seriesInstanceUID, vr: .UI, string: "1.2.826.0.1.3680043.10.7.1"),
            DataElement(tag: .patientID, vr: .LO, string: "MRN4455667"),
            DataElement(tag: .patientBirthDate, vr: .DA, string: "19700101"),
            DataElement(tag: .studyDate, vr: .DA, string: "20200315"),
        ] + SecondReaderTests.imagePixel(rows: 4, columns: 4))
        if let charset { ds.set(DataElement(tag: .specificCharacterSet, vr: .CS, string: charset)) }
        ds.set(DataElement(tag: .patientName, vr: .PN, bytes: SecondReaderTests.encode(name, charset)))
        return ds
    }

    /// 16-bit monochrome samples, all 0: what the PHI gate checks Pixel Data against.
    static func imagePixel(rows: Int, columns: Int) -> [DataElement] {
        [DataElement(tag: .samplesPerPixel, vr: .US, bytes: [1, 0]),
         DataElement(tag: .photometricInterpretation, vr: .CS, string: "MONOCHROME2"),
         DataElement(tag: .rows, vr: .US, bytes: [UInt8(rows), 0]),
         DataElement(tag: .columns, vr: .US, bytes: [UInt8(columns), 0]),
         DataElement(tag: .bitsAllocated, vr: .US, bytes: [16, 0]),
         DataElement(tag: .bitsStored, vr: .US, bytes: [16, 0]),
         DataElement(tag: .highBit, vr: .US, bytes: [15, 0]),
         DataElement(tag: .pixelRepresentation, vr: .US, bytes: [0, 0]),
         DataElement(tag: .pixelData, vr: .OW, bytes: [UInt8](repeating: 0, count: rows * columns * 2))]
    }

    static func encode(_ s: String, _ charset: String?) -> [UInt8] {
        var b: [UInt8] = charset == "ISO_IR 100" ? Array(s.data(using: .isoLatin1)!) : Array(s.utf8)
        if b.count & 1 == 1 { b.append(0x20) }
        return b
    }

    /// De-identifies, writes, and runs the gate: the gate's verdict (nil: passed).
    func outcome(_ ds: DataSet, options: Set<ProfileOption> = DeidentificationSettings.defaultOptions,
                 recipe: Recipe? = nil) throws -> (DataSet, PHIGate.Hit?) {
        try DeidFixture.outcome(ds, options: options, recipe: recipe)
    }

    func textItem(_ text: String, _ charset: String?) -> DataElement {
        DataElement(sequence: .contentSequence, items: [DataSet([
            DataElement(tag: .valueType, vr: .CS, string: "TEXT"),
            DataElement(tag: .textValue, vr: .UT, bytes: SecondReaderTests.encode(text, charset)),
        ])])
    }

    @Test(arguments: [("ISO_IR 100", "Böhm^Jörg", "Befund für Herrn Böhm (Jörg)"),
                      ("ISO_IR 192", "Çelik^Ayşe", "Pt ÇELIK AYŞE seen")])
    func aNonASCIINameInKeptTextNeverLeaves(_ charset: String, _ name: String, _ text: String) throws {
        var ds = base(charset, name: name)
        ds.set(textItem(text, charset))
        let (out, hit) = try outcome(ds)
        let kept = out[.contentSequence]?.items?.first?[.textValue]?.strings(characterSet: out.specificCharacterSet).first ?? ""
        // Either the engine emptied it, or the gate refused the copy.
        #expect(hit != nil || !kept.lowercased().contains(name.split(separator: "^")[0].lowercased()), "kept: \(kept)")
    }

    @Test func aJapaneseNameInKeptTextIsCleanedAway() throws {
        var ds = base("ISO_IR 192", name: "Yamada^Tarou=山田^太郎")
        ds.set(textItem("山田太郎様 所見なし", "ISO_IR 192"))
        let (out, hit) = try outcome(ds, options: [.cleanStructuredContent, .retainLongitudinalModifiedDates])
        #expect(hit == nil)
        let kept = out[.contentSequence]?.items?.first?[.textValue]?.strings(characterSet: out.specificCharacterSet).first ?? ""
        #expect(!kept.contains("山田") && !kept.contains("太郎") && kept.contains("所見なし"), "kept: \(kept)")
    }

    @Test func aTextValueOf64KiBOrMoreIsCheckedLikeAnyOther() throws {
        var ds = base()
        let long = "Hx: patient Simpson Homer, " + String(repeating: "x", count: 70_000)
        ds.set(DataElement(tag: .additionalPatientHistory, vr: .LT, string: long))
        try Part10Writer.write(DeidFixture.file(ds), to: folder + "/big.dcm")
        let input = try Part10File.read(path: folder + "/big.dcm")
        guard case .binary(.deferred) = input.dataSet[.additionalPatientHistory]?.value else {
            Issue.record("the reader did not leave the value in the file; the test tests nothing")
            return
        }
        let loaded = try Deidentifier.loadingText(input.dataSet)
        let (out, hit) = try outcome(loaded)
        let text = out[.additionalPatientHistory]?.strings().first ?? ""
        #expect(hit != nil || !text.lowercased().contains("simpson"))
    }

    @Test func datesInAnotherCalendarAndNamesWithoutARowAreRemoved() throws {
        var ds = base()
        ds.set(DataElement(tag: .patientBirthDateInAlternativeCalendar, vr: .LO, string: "14250322"))
        ds.set(DataElement(tag: .patientDeathDateInAlternativeCalendar, vr: .LO, string: "14460101"))
        ds.set(DataElement(tag: .evaluatorName, vr: .PN, string: "Frink^John"))
        let (out, hit) = try outcome(ds)
        #expect(hit == nil)
        #expect(out[.patientBirthDateInAlternativeCalendar] == nil && out[.patientDeathDateInAlternativeCalendar] == nil)
        #expect(out[.evaluatorName] == nil)
    }

    @Test func aRecipeJitterDoesNotBringBackTheBirthDateNorKeepUncleanItems() throws {
        var ds = base()
        ds.set(DataElement(sequence: .referencedInstanceSequence, items: [DataSet([
            DataElement(tag: .referencedSOPInstanceUID, vr: .UI, string: "1.2.826.0.1.3680043.10.7.9"),
        ])]))
        let recipe = try Recipe.parse("FORMAT dicom\n%header\nJITTER endswith:Date var:jitter\nKEEP ReferencedInstanceSequence\n", source: "r")
        let (out, hit) = try outcome(ds, recipe: recipe)
        #expect(hit == nil)
        #expect(out[.patientBirthDate]?.isEmpty == true)
        #expect(out.string(.studyDate) == "20200303")
        #expect(out[.referencedInstanceSequence]?.items?.first?.string(.referencedSOPInstanceUID)?.hasPrefix("2.25.") == true)
    }

    @Test func aCommentInAJPEGHeaderGoesOrTheImageIsRefused() throws {
        var ds = base()
        ds.remove(.pixelData)
        let comment = Array("Patient: Simpson Homer MRN4455667".utf8)
        var jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xFE, 0x00, UInt8(comment.count + 2)] + comment
        jpeg += [0xFF, 0xDA, 0x00, 0x02] + [UInt8](repeating: 0x55, count: 2000) + [0xFF, 0xD9]
        if jpeg.count & 1 == 1 { jpeg.append(0) }
        ds.set(DataElement(tag: .pixelData, vr: .OB, value: .fragments([.inline([]), .inline(jpeg)]), hasUndefinedLength: true))
        var file = Part10File(dataSet: ds, transferSyntax: .jpegBaseline8Bit)
        file.dataSet = ds
        // This frame has no frame header, so its container cannot be rebuilt: the image is
        // refused with the reason, never copied with its comment.
        #expect(throws: Deidentifier.Refusal.self) { try DeidFixture.engine().deidentify(file, identifiers: DeidFixture.identifiers) }
        // The same bytes written as they are: the gate, written apart, refuses them too.
        try Part10Writer.write(file, to: folder + "/jpeg.dcm")
        #expect(throws: PHIGate.Hit.self) { try PHIGate(original: ds).check(path: folder + "/jpeg.dcm") }
    }

    @Test func retainDeviceIdentityKeepsTheStationNameWithoutTheGateRefusingIt() throws {
        var ds = base()
        ds.set(DataElement(tag: .stationName, vr: .SH, string: "CTSCAN01"))
        let (out, hit) = try outcome(ds, options: [.retainDeviceIdentity, .retainLongitudinalModifiedDates])
        #expect(hit == nil && out.string(.stationName) == "CTSCAN01")
    }

    @Test func aSixDigitNumberInsideARemappedUIDIsNoHit() {
        let gate = PHIGate(original: DataSet([DataElement(tag: .accessionNumber, vr: .SH, string: "676699")]))
        #expect(gate.search(bytes: Array("2.25.1234676699887".utf8)) == nil)
        #expect(gate.search(bytes: Array("acc 676699 ".utf8))?.attribute == "AccessionNumber")
        #expect(gate.search(text: "2.25.1234676699887", as: .UI) == nil)
        #expect(gate.search(text: "acc 676699")?.attribute == "AccessionNumber")
    }

    @Test func dataAnonymizedBeforeDoesNotFailOnSenditsOwnDummies() throws {
        var ds = base(name: "ANONYMIZED")
        ds.set(DataElement(tag: .operatorsName, vr: .PN, string: "Smithers^Waylon"))
        ds.set(DataElement(tag: .institutionName, vr: .LO, string: "Springfield General"))
        let (_, hit) = try outcome(ds)
        #expect(hit == nil)
    }

    @Test func withoutAJitterDatesAreNotSilentlyKept() throws {
        var ids = DeidFixture.identifiers
        ids.results[0].jitter = nil
        ids.results[0].items[0].jitter = nil
        #expect(throws: Deidentifier.Refusal.self) { try DeidFixture.engine().deidentify(DeidFixture.file(base()), identifiers: ids) }
    }

    @Test func keptTextThatArrivedAsUNIsCheckedByItsDictionaryVR() throws {
        var ds = base()
        // Code Meaning (not in the table, kept) encoded as UN, holding the patient's ID.
        ds.set(DataElement(sequence: .procedureCodeSequence, items: [DataSet([
            DataElement(tag: .codeMeaning, vr: .UN, bytes: Array("CT for MRN4455667".utf8) + [0x20]),
        ])]))
        let (out, hit) = try outcome(ds)
        #expect(hit == nil)
        let meaning = out[.procedureCodeSequence]?.items?.first?[.codeMeaning]
        #expect(meaning?.vr == .LO && meaning?.string() == "CT for")
    }
}

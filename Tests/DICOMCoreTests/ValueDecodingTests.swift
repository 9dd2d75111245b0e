import DICOMCore
import Testing

@Suite struct ValueDecodingTests {
    func element(_ vr: VR, _ bytes: [UInt8], tag: UInt32 = 0x0010_0010) -> DataElement {
        DataElement(tag: DICOMCore.Tag(tag), vr: vr, bytes: bytes)
    }

    func element(_ vr: VR, _ text: String) -> DataElement {
        element(vr, Array(text.utf8))
    }

    @Test func stringsSplitAndLosePaddingAsTheirVRSays() {
        #expect(element(.CS, " ORIGINAL \\PRIMARY\\AXIAL ").strings() == ["ORIGINAL", "PRIMARY", "AXIAL"])
        #expect(element(.UI, Array("1.2.3".utf8) + [0]).strings() == ["1.2.3"])
        // LT, ST and UT keep leading spaces and backslashes: they are single-valued text.
        #expect(element(.LT, "  a\\b  ").strings() == ["  a\\b"])
        #expect(element(.SH, "").strings() == [])
        #expect(element(.SH, "    ").strings() == [])
        #expect(element(.LO, "A\\\\B").strings() == ["A", "", "B"])
        #expect(element(.DS, " 1.5\\-2e3 ").decimals == [1.5, -2000])
        #expect(element(.IS, "12\\ -3 ").integers == [12, -3])
    }

    @Test func binaryNumbersAreLittleEndian() {
        #expect(element(.US, [0x01, 0x02, 0xFF, 0xFF]).uint16s == [0x0201, 0xFFFF])
        #expect(element(.SS, [0xFF, 0xFF]).integers == [-1])
        #expect(element(.UL, [1, 0, 0, 0x80]).uint32s == [0x8000_0001])
        #expect(element(.SL, [0xFE, 0xFF, 0xFF, 0xFF]).integers == [-2])
        #expect(element(.FL, [0, 0, 0xC0, 0x3F]).floats == [1.5])
        #expect(element(.FD, [0, 0, 0, 0, 0, 0, 0xF8, 0x3F]).doubles == [1.5])
        #expect(element(.SV, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]).integers == [-1])
        #expect(element(.AT, [0x10, 0x00, 0x10, 0x00, 0x08, 0x00, 0x18, 0x00]).tags == [.patientName, .sopInstanceUID])
        // A trailing partial number is ignored, never read past the end.
        #expect(element(.US, [1, 0, 2]).uint16s == [1])
    }

    @Test func personNamesHaveComponentGroupsAndComponents() throws {
        let pn = try #require(element(.PN, "Doe^John^Q^Dr^Jr=ID^EO=PH").personNames().first)
        #expect(pn.familyName == "Doe" && pn.givenName == "John")
        #expect(PersonName.components(of: pn.alphabetic) == ["Doe", "John", "Q", "Dr", "Jr"])
        #expect(pn.ideographic == "ID^EO" && pn.phonetic == "PH")
        #expect(element(.PN, "Smith^Ann \\Jones").personNames().map(\.description) == ["Smith^Ann", "Jones"])
        #expect(PersonName("Doe^Jane==").description == "Doe^Jane")
    }

    @Test func japaneseISO2022IR87AsInPS3_5H31() throws {
        let bytes: [UInt8] = [0x59, 0x61, 0x6D, 0x61, 0x64, 0x61, 0x5E, 0x54, 0x61, 0x72, 0x6F, 0x75, 0x3D, 0x1B, 0x24, 0x42,
                              0x3B, 0x33, 0x45, 0x44, 0x1B, 0x28, 0x42, 0x5E, 0x1B, 0x24, 0x42, 0x42, 0x40, 0x4F, 0x3A, 0x1B,
                              0x28, 0x42, 0x3D, 0x1B, 0x24, 0x42, 0x24, 0x64, 0x24, 0x5E, 0x24, 0x40, 0x1B, 0x28, 0x42, 0x5E,
                              0x1B, 0x24, 0x42, 0x24, 0x3F, 0x24, 0x6D, 0x24, 0x26, 0x1B, 0x28, 0x42]
        let cs = SpecificCharacterSet(terms: ["", "ISO 2022 IR 87"])
        let pn = try #require(element(.PN, bytes).personNames(characterSet: cs).first)
        #expect(pn.alphabetic == "Yamada^Tarou")
        #expect(pn.ideographic == "山田^太郎")
        #expect(pn.phonetic == "やまだ^たろう")
        // The bytes themselves are kept as they were.
        #expect(element(.PN, bytes).bytes == bytes)
    }

    @Test func koreanISO2022IR149AsInPS3_5I2() throws {
        let bytes: [UInt8] = [0x48, 0x6F, 0x6E, 0x67, 0x5E, 0x47, 0x69, 0x6C, 0x64, 0x6F, 0x6E, 0x67, 0x3D, 0x1B, 0x24, 0x29,
                              0x43, 0xFB, 0xF3, 0x5E, 0x1B, 0x24, 0x29, 0x43, 0xD1, 0xCE, 0xD4, 0xD7, 0x3D, 0x1B, 0x24, 0x29,
                              0x43, 0xC8, 0xAB, 0x5E, 0x1B, 0x24, 0x29, 0x43, 0xB1, 0xE6, 0xB5, 0xBF]
        let cs = SpecificCharacterSet(terms: ["", "ISO 2022 IR 149"])
        let pn = try #require(element(.PN, bytes).personNames(characterSet: cs).first)
        #expect(pn.alphabetic == "Hong^Gildong")
        #expect(pn.ideographic == "洪^吉洞")
        #expect(pn.phonetic == "홍^길동")
    }

    @Test func singleByteAndUnicodeCharacterSets() {
        #expect(element(.PN, [0x42, 0x75, 0x63, 0x5E, 0x4A, 0xE9, 0x72, 0xF4, 0x6D, 0x65])
            .string(characterSet: SpecificCharacterSet(terms: ["ISO_IR 100"])) == "Buc^Jérôme")
        #expect(element(.LO, [0xBB, 0xEE, 0xDA, 0x63, 0x65, 0xDC, 0xD1, 0x79, 0x70, 0xD3])
            .string(characterSet: SpecificCharacterSet(terms: ["ISO_IR 144"])) == "Люкceмбypг")
        let gb: [UInt8] = [0x57, 0x61, 0x6E, 0x67, 0x5E, 0x58, 0x69, 0x61, 0x6F, 0x44, 0x6F, 0x6E, 0x67, 0x3D, 0xCD, 0xF5,
                           0x5E, 0xD0, 0xA1, 0xB6, 0xAB, 0x3D]
        let name = element(.PN, gb).personNames(characterSet: SpecificCharacterSet(terms: ["GB18030"])).first
        #expect(name?.alphabetic == "Wang^XiaoDong" && name?.ideographic == "王^小东")
        #expect(element(.LO, "Müller").string(characterSet: .utf8) == "Müller")
        // Invalid bytes never fail: under UTF-8 a byte outside a valid sequence is read as Latin-1
        // (a Latin-1 value sent as UTF-8), as in the default repertoire.
        #expect(element(.LO, [0x41, 0xFF, 0x42]).string(characterSet: .utf8) == "AÿB")
        #expect(element(.LO, [0x41, 0xC3, 0xA9, 0xE9]).string(characterSet: .utf8) == "Aéé")
        // ISO_IR 13 (JIS X 0201), which the C library does not know: half-width katakana.
        #expect(element(.LO, [0xB6, 0xC0, 0x20, 0x41]).string(characterSet: SpecificCharacterSet(terms: ["ISO_IR 13"])) == "ｶﾀ A")
        #expect(element(.LO, [0x41, 0xE9]).string() == "Aé")
        // Character sets do not touch the VRs that are always ASCII.
        #expect(element(.CS, "ABC").string(characterSet: SpecificCharacterSet(terms: ["ISO 2022 IR 87"])) == "ABC")
        #expect(SpecificCharacterSet(terms: ["ISO_IR 100"]).isKnown)
        #expect(!SpecificCharacterSet(terms: ["ISO_IR 999"]).isKnown)
    }

    @Test func datesTimesAndDateTimes() throws {
        let d = try #require(DICOMDate("20240229"))
        #expect(d.year == 2024 && d.month == 2 && d.day == 29)
        #expect(DICOMDate("20230229") == nil)
        #expect(DICOMDate("2024.02.29") == d)            // ACR-NEMA form
        #expect(d.adding(days: 1).description == "20240301")
        #expect(d.adding(days: -365).description == "20230301")
        #expect(DICOMDate(daysSinceEpoch: 0).description == "19700101")
        let t = try #require(DICOMTime("235959.123"))
        #expect(t.hour == 23 && t.minute == 59 && t.second == 59 && t.microsecond == 123_000)
        #expect(t.description == "235959.123")
        #expect(DICOMTime("07")?.description == "07")
        #expect(DICOMTime("2500") == nil)
        let dt = try #require(DICOMDateTime("20240229123000.5+0100"))
        #expect(dt.date == d && dt.time?.hour == 12 && dt.utcOffset == "+0100")
        #expect(DICOMDateTime("2024")?.description == "2024")
        #expect(DICOMDateTime("20241301") == nil)
        #expect(element(.DA, "20240229\\19991231").dates.count == 2)
    }

    @Test func dataSetKeepsTagOrderAndReplaces() {
        var ds = DataSet()
        ds.set(DataElement(tag: .patientID, vr: .LO, string: "B"))
        ds.set(DataElement(tag: .patientName, vr: .PN, string: "A"))
        ds.set(DataElement(tag: .sopInstanceUID, vr: .UI, string: "1.2"))
        #expect(ds.tags == [.sopInstanceUID, .patientName, .patientID])
        let old = ds.set(DataElement(tag: .patientName, vr: .PN, string: "C"))
        #expect(old?.string() == "A" && ds.string(.patientName) == "C" && ds.count == 3)
        ds[.patientID] = nil
        #expect(!ds.contains(.patientID))
        #expect(ds.uid(.sopInstanceUID) == UID("1.2"))
        ds.set(DataElement(tag: DICOMCore.Tag(0x0029_0010), vr: .LO, string: "ACME 1.0"))
        #expect(ds.privateCreator(of: DICOMCore.Tag(0x0029_1033)) == "ACME 1.0")
        #expect(DICOMCore.Tag(0x0029_1033).privateCreatorTag == DICOMCore.Tag(0x0029_0010))
    }

    @Test func uidForm() {
        #expect(UID("1.2.840.10008.1.2").isValid)
        #expect(!UID("1.02.3").isValid)
        #expect(!UID("1..2").isValid)
        #expect(!UID("../etc").isValid)
        #expect(!UID(String(repeating: "1", count: 65)).isValid)
        #expect(UID("0.1").isValid)
    }
}

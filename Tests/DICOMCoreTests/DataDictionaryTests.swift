import DICOMCore
import Testing

@Suite struct DataDictionaryTests {
    @Test func looksUpByTagAndKeyword() throws {
        let e = try #require(DataDictionary.entry(for: .patientName))
        #expect(e.keyword == "PatientName")
        #expect(e.name == "Patient's Name")
        #expect(e.vr == .PN)
        #expect(e.vm == "1")
        #expect(!e.isRetired)
        #expect(DataDictionary.entry(forKeyword: "PatientName")?.tag == .patientName)
        #expect(DataDictionary.entry(forKeyword: "NoSuchKeyword") == nil)
        #expect(Tag.sopInstanceUID == Tag(0x0008_0018))
    }

    @Test func everyEntryIsFoundByItsTagAndKeyword() {
        var checked = 0
        let entries = DataDictionary.allEntries
        let fixedTags = Set(entries.filter { !$0.isRepeatingGroup }.map(\.tag))
        for entry in entries {
            // (0028,04x0) and its kin share their first tag with a fixed entry; the fixed one wins.
            if !(entry.isRepeatingGroup && fixedTags.contains(entry.tag)) {
                #expect(DataDictionary.entry(for: entry.tag)?.keyword == entry.keyword, "\(entry.tag)")
            }
            if !entry.keyword.isEmpty {
                #expect(DataDictionary.entry(forKeyword: entry.keyword)?.tag == entry.tag, "\(entry.keyword)")
            }
            checked += 1
        }
        // 5,277 rows in PS3.6 2024d plus 77 added by the 2026b delta.
        #expect(checked == 5_277 + 77)
    }

    @Test func repeatingGroupsMatchEveryGroupOfTheirRange() throws {
        let overlay = try #require(DataDictionary.entry(for: Tag(0x6000_3000)))
        #expect(overlay.keyword == "OverlayData")
        #expect(overlay.vrs == [.OB, .OW])
        #expect(DataDictionary.entry(for: Tag(0x601E_3000))?.keyword == "OverlayData")
        #expect(DataDictionary.entry(for: Tag(0x6002_0010))?.keyword == "OverlayRows")
        // Odd groups are private, not overlays.
        #expect(DataDictionary.entry(for: Tag(0x6001_3000)) == nil)
    }

    @Test func choicesAndGenericRules() throws {
        #expect(DataDictionary.entry(for: Tag(0x0028_0106))?.vrs == [.US, .SS])
        #expect(DataDictionary.entry(for: .pixelData)?.vrs == [.OB, .OW])
        #expect(DataDictionary.vr(for: Tag(0x0009_0000)) == .UL)      // any group length
        #expect(DataDictionary.vr(for: Tag(0x0029_0010)) == .LO)      // private creator
        #expect(DataDictionary.vr(for: Tag(0x0029_1010)) == .UN)      // unknown private data
        #expect(DataDictionary.entry(for: .item)?.vrs == [])           // no VR
    }

    @Test func deltaOf2026bIsMerged() throws {
        // (0010,0011) Person Names to Use Sequence is new in 2026b, with no name in its source.
        let e = try #require(DataDictionary.entry(for: Tag(0x0010_0011)))
        #expect(e.vr == .SQ)
        #expect(e.name.isEmpty && !e.keyword.isEmpty)
        // Ethnic Group (0010,2160) was retired in 2026b.
        #expect(DataDictionary.entry(for: .ethnicGroup)?.isRetired == true)
    }

    @Test func uidRegistryTransferSyntaxesAndStorageClasses() throws {
        #expect(UIDRegistry.entry(for: .ctImageStorage)?.name == "CT Image Storage")
        #expect(UIDRegistry.entry(for: UID("1.2.3")) == nil)
        let ts = try #require(TransferSyntax.registered(UID("1.2.840.10008.1.2.1.99")))
        #expect(ts.isDeflated && ts.isExplicitVR && ts.isLittleEndian && !ts.isEncapsulated)
        #expect(TransferSyntax.registered(.jpegBaseline8Bit)?.isEncapsulated == true)
        #expect(TransferSyntax.explicitVRBigEndian.isLittleEndian == false)
        #expect(TransferSyntax.implicitVRLittleEndian.isExplicitVR == false)
        #expect(StorageSOPClass.all.count == 212)
        #expect(StorageSOPClass.isStorage(.ctImageStorage))
        #expect(!StorageSOPClass.isStorage(.verification))
        #expect(StorageSOPClass.isStorage(UID("1.2.840.10008.5.1.4.1.1.9.100.1")))   // from the 2026b delta
    }
}

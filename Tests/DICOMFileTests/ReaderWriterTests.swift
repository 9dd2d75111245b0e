import DICOMCore
import DICOMFile
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ReaderWriterTests {
    typealias Tag = DICOMCore.Tag

    func sample(explicit: Bool = true) -> [UInt8] {
        var b = ByteBuilder()
        b.explicit = explicit
        b.string(0x0008_0016, .UI, "1.2.840.10008.5.1.4.1.1.7")
        b.string(0x0008_0018, .UI, "1.2.3.4")
        b.string(0x0010_0010, .PN, "Doe^John")
        b.element(0x0028_0103, .US, [1, 0])        // Pixel Representation: signed
        b.element(0x0028_0106, .SS, [0xFE, 0xFF])  // Smallest Image Pixel Value, "US or SS"
        b.element(0x7FE0_0010, .OW, [1, 2, 3, 4])
        return b.bytes
    }

    @Test func implicitVRTakesTheDictionaryVRAndResolvesChoices() throws {
        let file = try Part10File.read(bytes: ByteBuilder.part10(sample(explicit: false), transferSyntax: .implicitVRLittleEndian))
        #expect(file.warnings.isEmpty)
        #expect(file.dataSet[.patientName]?.vr == .PN)
        #expect(file.dataSet[.smallestImagePixelValue]?.vr == .SS)
        #expect(file.dataSet[.smallestImagePixelValue]?.integers == [-2])
        #expect(file.dataSet[.pixelData]?.vr == .OW)
    }

    @Test func aDataSetEncodedOtherThanItsTransferSyntaxSaysIsReadWithAWarning() throws {
        let bytes = ByteBuilder.part10(sample(explicit: false), transferSyntax: .explicitVRLittleEndian)
        let file = try Part10File.read(bytes: bytes)
        #expect(file.dataSet.string(.patientName) == "Doe^John")
        #expect(file.warnings.first?.message.contains("implicit VR although its transfer syntax is explicit") == true)
        #expect(throws: DICOMReadError.self) { try Part10File.read(bytes: bytes, options: .strict) }
    }

    @Test func oddLengthsAreWarningsOrErrors() throws {
        var b = ByteBuilder()
        b.element(0x0010_0010, .PN, Array("Doe".utf8))
        let bytes = ByteBuilder.part10(b.bytes)
        let file = try Part10File.read(bytes: bytes)
        #expect(file.warnings.map(\.message) == ["(0010,0010) PN has odd length 3"])
        #expect(throws: DICOMReadError.self) { try Part10File.read(bytes: bytes, options: .strict) }
        // The writer pads it to even with a space.
        let written = try Part10File.read(bytes: Part10Writer.encode(file), options: .strict)
        #expect(written.dataSet[.patientName]?.bytes == Array("Doe ".utf8))
    }

    @Test func stopBeforePixelDataAndRawDataSets() throws {
        let file = try Part10File.read(bytes: ByteBuilder.part10(sample()), options: .headerOnly)
        #expect(file.stoppedBeforePixelData && !file.dataSet.contains(.pixelData))
        #expect(file.dataSet.contains(.smallestImagePixelValue))
        let raw = try Part10File.readDataSet(bytes: sample(explicit: false), transferSyntax: .implicitVRLittleEndian)
        #expect(raw.dataSet.string(.patientName) == "Doe^John" && raw.preamble == nil && raw.fileMetaInformation.isEmpty)
        // A file holding just a data set (no preamble) is recognised, with a warning.
        let bare = try Part10File.read(bytes: sample())
        #expect(bare.transferSyntax == .explicitVRLittleEndian && !bare.warnings.isEmpty)
    }

    @Test func errorsNameTheOffsetAndReason() {
        var b = ByteBuilder()
        b.string(0x0010_0010, .PN, "Doe^John")
        b.header(0x0008_1115, .SQ, length: 0xFFFF_FFFF)
        b.tag(0x0010_0020)   // not an item
        b.u32(0)
        let bytes = ByteBuilder.part10(b.bytes)
        do {
            _ = try Part10File.read(bytes: bytes)
            Issue.record("read a sequence holding a non-item")
        } catch let e as DICOMReadError {
            let expected = UInt64(bytes.count - 8)
            #expect(e.offset == expected)
            #expect(e.description == "<memory>: offset \(expected): expected an Item in sequence (0008,1115), found (0010,0020)")
        } catch { Issue.record("\(error)") }
    }

    @Test func bigEndianIsReadAsLittleEndianAndWrittenAsExplicitLittleEndian() throws {
        // The same element in big endian: tag, length and value byte-swapped, VR letters not.
        var be: [UInt8] = [0x00, 0x28, 0x00, 0x10, 0x55, 0x53, 0x00, 0x02, 0x02, 0x00]   // (0028,0010) US 512
        be += [0x00, 0x28, 0x00, 0x11, 0x55, 0x53, 0x00, 0x02, 0x01, 0x00]                // (0028,0011) US 256
        let file = try Part10File.read(bytes: ByteBuilder.part10(be, transferSyntax: .explicitVRBigEndian))
        #expect(file.dataSet.int(.rows) == 512 && file.dataSet.int(.columns) == 256)
        let written = try Part10File.read(bytes: Part10Writer.encode(file), options: .strict)
        #expect(written.transferSyntax == .explicitVRLittleEndian && written.dataSet.int(.rows) == 512)
        #expect(throws: Part10Writer.UnsupportedConversion.self) {
            var jpeg = file
            jpeg.transferSyntax = .jpegBaseline8Bit
            _ = try Part10Writer.encode(jpeg, options: .init(transferSyntax: .explicitVRLittleEndian))
        }
    }

    @Test func theWriterOwnsTheseFileMetaElements() throws {
        var file = try Part10File.read(bytes: ByteBuilder.part10(sample()))
        file.fileMetaInformation.set(DataElement(tag: .sourceApplicationEntityTitle, vr: .AE, string: "MODALITY1"))
        file.fileMetaInformation.set(DataElement(tag: .implementationVersionName, vr: .SH, string: "OTHER"))
        let bytes = try Part10Writer.encode(file, options: .init(transferSyntax: .implicitVRLittleEndian))
        let back = try Part10File.read(bytes: bytes, options: .strict)
        let meta = back.fileMetaInformation
        #expect(meta.uid(.transferSyntaxUID) == TransferSyntax.implicitVRLittleEndian.uid)
        #expect(meta.uid(.implementationClassUID) == Part10Writer.implementationClassUID)
        #expect(meta.string(.implementationVersionName) == Part10Writer.implementationVersionName)
        #expect(meta.string(.sourceApplicationEntityTitle) == "MODALITY1")
        #expect(meta.uid(.mediaStorageSOPInstanceUID) == UID("1.2.3.4"))
        #expect(meta[.fileMetaInformationVersion]?.bytes == [0, 1])
        // Strict reading checked the group length; check it directly too.
        let groupLength = Int(meta[.fileMetaInformationGroupLength]!.uint32s[0])
        #expect(Array(bytes[(144 + groupLength)..<(144 + groupLength + 4)]) == [0x08, 0x00, 0x16, 0x00])
    }

    @Test func aLongValueInAShortLengthVRIsWrittenAsUN() throws {
        var ds = DataSet()
        ds.set(DataElement(tag: .patientComments, vr: .LO, bytes: [UInt8](repeating: 0x41, count: 70_000)))
        let file = Part10File(dataSet: ds, transferSyntax: .explicitVRLittleEndian)
        let back = try Part10File.read(bytes: Part10Writer.encode(file), options: .strict)
        #expect(back.dataSet[.patientComments]?.vr == .UN && back.dataSet[.patientComments]?.binaryLength == 70_000)
    }

    /// A 1 GiB file costs kilobytes to open, and is written back by streaming its Pixel Data.
    @Test func largeValuesStayInTheFileAndAreStreamed() throws {
        let dir = try TestEnvironment.temporaryDirectory("large")
        let path = dir.appendingPathComponent("large.dcm").path
        let pixelBytes: UInt32 = 1 << 30
        var b = ByteBuilder()
        b.string(0x0008_0016, .UI, "1.2.840.10008.5.1.4.1.1.7")
        b.string(0x0008_0018, .UI, "1.2.3.4")
        b.header(0x7FE0_0010, .OW, length: pixelBytes)
        var bytes = ByteBuilder.part10(b.bytes)
        bytes += [0xAB, 0xCD]   // the first pixel; the rest is a hole in a sparse file
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        #expect(truncate(path, off_t(bytes.count - 2) + off_t(pixelBytes)) == 0)
        defer { try? FileManager.default.removeItem(at: dir) }

        let before = HostileInputTests.maxResidentBytes()
        let file = try Part10File.read(path: path)
        guard case .binary(.deferred(let loc)) = file.dataSet[.pixelData]?.value else {
            Issue.record("Pixel Data was loaded")
            return
        }
        #expect(loc.length == UInt64(pixelBytes) && loc.offset == UInt64(bytes.count - 2))
        let out = dir.appendingPathComponent("copy.dcm").path
        try Part10Writer.write(file, to: out)
        let grown = HostileInputTests.maxResidentBytes() - before
        // The peak RSS is the whole test process's, and other suites run meanwhile (one grew it
        // by 66 MB in a CI run); a writer that loaded the value would grow it by 1 GiB.
        #expect(grown < 256 << 20, "resident memory grew by \(grown) bytes")
        let copy = try Part10File.read(path: out, options: .strict)
        guard case .binary(.deferred(let copied)) = copy.dataSet[.pixelData]?.value else {
            Issue.record("copy lost its Pixel Data")
            return
        }
        #expect(copied.length == UInt64(pixelBytes))
        #expect(try BulkDataLocation(path: out, offset: copied.offset, length: 2).read() == [0xAB, 0xCD])
    }
}

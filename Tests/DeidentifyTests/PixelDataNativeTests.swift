import DICOMCore
import DICOMFile
@testable import Deidentify
import Foundation
import Testing

/// Native Pixel Data: the length PS3.5 gives, and nothing in the bits outside Bits Stored.
@Suite struct PixelDataNativeTests {
    typealias F = PixelDataFixture

    static func rebuilt(_ ds: DataSet, _ ts: TransferSyntax = .explicitVRLittleEndian) throws -> (PixelDataOutcome, DataSet) {
        var out = ds
        let outcome = try PixelDataRebuilder.rebuild(&out, transferSyntax: ts)
        return (outcome, out)
    }

    static func pixels(_ ds: DataSet, _ tag: Tag = .pixelData) throws -> [UInt8] {
        guard case .binary(let v)? = ds[tag]?.value else { throw PixelDataRefusal("test: no native value") }
        return try v.load()
    }

    @Test func aLongerValueIsCutToRowsTimesColumnsAndTheTextAfterItGoes() throws {
        var ds = F.image(rows: 3, columns: 5, bitsAllocated: 8, bitsStored: 8)
        let image = F.noise(15, seed: 1)
        ds.set(DataElement(tag: .pixelData, vr: .OB, bytes: image + [0] + Array(F.name.utf8)))
        let (outcome, out) = try Self.rebuilt(ds)
        #expect(outcome == .rebuilt)
        #expect(try Self.pixels(out) == image)   // odd: the writer pads it with a zero
        let written = try DataSetEncoder(explicitVR: true).encode(out)
        #expect(!F.hasPlanted(written))
        #expect(F.hasPlanted(try DataSetEncoder(explicitVR: true).encode(ds)))
    }

    @Test func anOddValueKeepsAZeroPadByteButNotAnotherOne() throws {
        var ds = F.image(rows: 3, columns: 5, bitsAllocated: 8, bitsStored: 8)
        let image = F.noise(15, seed: 2)
        ds.set(DataElement(tag: .pixelData, vr: .OB, bytes: image + [0]))
        #expect(try Self.rebuilt(ds).0 == .kept)
        ds.set(DataElement(tag: .pixelData, vr: .OB, bytes: image + [0x47]))
        let (outcome, out) = try Self.rebuilt(ds)
        #expect(outcome == .rebuilt)
        #expect(try Self.pixels(out) == image)
    }

    @Test func aShorterValueIsRefusedWithoutItsBytes() throws {
        var ds = F.image(rows: 4, columns: 4, bitsAllocated: 16, bitsStored: 16, frames: 2)
        ds.set(DataElement(tag: .pixelData, vr: .OW, bytes: Array(repeating: 0x41, count: 62)))
        let refusal = try #require(throws: PixelDataRefusal.self) { try Self.rebuilt(ds) }
        #expect(refusal.reason.contains("62 bytes, fewer than the 64"))
        #expect(!refusal.reason.contains("AAAA"))
    }

    @Test func bitsAboveHighBitAreClearedWhenUnsigned() throws {
        var ds = F.image(rows: 4, columns: 8, bitsAllocated: 16, bitsStored: 12, highBit: 11)
        let raw = F.noise(64, seed: 3)
        ds.set(DataElement(tag: .pixelData, vr: .OW, bytes: raw))
        let (outcome, out) = try Self.rebuilt(ds)
        #expect(outcome == .rebuilt)
        let expected = stride(from: 0, to: 64, by: 2).flatMap { i -> [UInt8] in [raw[i], raw[i + 1] & 0x0F] }
        #expect(try Self.pixels(out) == expected)
    }

    @Test func bitsAboveHighBitCarryTheSignWhenSigned() throws {
        var ds = F.image(rows: 4, columns: 8, bitsAllocated: 16, bitsStored: 12, highBit: 11, signed: true)
        let raw = F.noise(64, seed: 4)
        ds.set(DataElement(tag: .pixelData, vr: .OW, bytes: raw))
        let (outcome, out) = try Self.rebuilt(ds)
        #expect(outcome == .rebuilt)
        let values = try Self.pixels(out)
        for i in stride(from: 0, to: 64, by: 2) {
            let stored = Int(raw[i]) | Int(raw[i + 1] & 0x0F) << 8
            let value = stored >= 2048 ? stored - 4096 : stored   // the 12-bit two's complement value
            let got = Int(Int16(bitPattern: UInt16(values[i]) | UInt16(values[i + 1]) << 8))
            #expect(got == value)
        }
    }

    @Test func bitsBelowTheStoredBitsAreClearedToo() throws {
        // Bits Stored 8 at High Bit 11: bits 4-11 carry the image; 0-3 and 12-15 do not.
        var ds = F.image(rows: 2, columns: 4, bitsAllocated: 16, bitsStored: 8, highBit: 11)
        ds.set(DataElement(tag: .pixelData, vr: .OW, bytes: Array(repeating: 0xFF, count: 16)))
        let (_, out) = try Self.rebuilt(ds)
        #expect(try Self.pixels(out) == Array([0xF0, 0x0F].repeated(8)))
    }

    @Test func textHiddenInTheHighBytesIsGone() throws {
        // Bits Stored 8 of 16: the high byte of each sample spells the name.
        var ds = F.image(rows: 1, columns: 19, bitsAllocated: 16, bitsStored: 8)
        let image = F.noise(19, seed: 5)
        ds.set(DataElement(tag: .pixelData, vr: .OW, bytes: zip(image, Array(F.name.utf8)).flatMap { [$0, $1] } + [0, 0]))
        let highBytes = { (b: [UInt8]) in stride(from: 1, to: 38, by: 2).map { b[$0] } }
        #expect(F.hasPlanted(highBytes(try Self.pixels(ds))))
        let (_, out) = try Self.rebuilt(ds)
        let cleaned = try Self.pixels(out)
        #expect(cleaned.count == 38)
        #expect(highBytes(cleaned).allSatisfy { $0 == 0 })
        #expect(stride(from: 0, to: 38, by: 2).map { cleaned[$0] } == image)
    }

    @Test func bitsAllocatedOnePacksFramesAndClearsTheLastByteTail() throws {
        // 3 × 5 pixels × 3 frames = 45 bits: 6 bytes, 3 bits of the last unused.
        var ds = F.image(rows: 3, columns: 5, bitsAllocated: 1, bitsStored: 1, frames: 3)
        ds.set(DataElement(tag: .pixelData, vr: .OB, bytes: [0x11, 0x22, 0x33, 0x44, 0x55, 0xFF] + Array(F.mrn.utf8)))
        let (outcome, out) = try Self.rebuilt(ds)
        #expect(outcome == .rebuilt)
        #expect(try Self.pixels(out) == [0x11, 0x22, 0x33, 0x44, 0x55, 0x1F])
    }

    @Test func ybr422NativeHasTwoSamplesAPixel() throws {
        var ds = F.image(rows: 2, columns: 4, samples: 3, bitsAllocated: 8, bitsStored: 8, photometric: "YBR_FULL_422")
        let image = F.noise(16, seed: 6)
        ds.set(DataElement(tag: .pixelData, vr: .OB, bytes: image + Array(F.mrn.utf8)))
        let (_, out) = try Self.rebuilt(ds)
        #expect(try Self.pixels(out) == image)
    }

    @Test func floatPixelDataIsCheckedForLengthOnly() throws {
        var ds = F.image(rows: 2, columns: 3, bitsAllocated: 32, bitsStored: 32)
        let image = F.noise(24, seed: 7)
        ds.set(DataElement(tag: .floatPixelData, vr: .OF, bytes: image + Array(F.mrn.utf8) + [0, 0]))
        var (outcome, out) = try Self.rebuilt(ds)
        #expect(outcome == .rebuilt)
        #expect(try Self.pixels(out, .floatPixelData) == image)
        ds.set(DataElement(tag: .floatPixelData, vr: .OF, bytes: image))
        (outcome, out) = try Self.rebuilt(ds)
        #expect(outcome == .kept)
        var double = F.image(rows: 2, columns: 3, bitsAllocated: 64, bitsStored: 64)
        double.set(DataElement(tag: .doubleFloatPixelData, vr: .OD, bytes: F.noise(40, seed: 8)))
        #expect(throws: PixelDataRefusal.self) { try Self.rebuilt(double) }
    }

    @Test func missingAttributesAreRefusedByName() throws {
        var ds = F.image(rows: 2, columns: 2, bitsAllocated: 8, bitsStored: 8)
        ds.remove(.bitsStored)
        ds.set(DataElement(tag: .pixelData, vr: .OB, bytes: [1, 2, 3, 4]))
        let refusal = try #require(throws: PixelDataRefusal.self) { try Self.rebuilt(ds) }
        #expect(refusal.reason.contains("Bits Stored"))
    }

    @Test func theExtendedOffsetTableOfANativeImageIsRemoved() throws {
        var ds = F.image(rows: 2, columns: 2, bitsAllocated: 8, bitsStored: 8)
        ds.set(DataElement(tag: .pixelData, vr: .OB, bytes: [1, 2, 3, 4]))
        ds.set(DataElement(tag: .extendedOffsetTable, vr: .OV, bytes: Array(F.mrn.utf8.prefix(8))))
        let (outcome, out) = try Self.rebuilt(ds)
        #expect(outcome == .rebuilt)
        #expect(!out.contains(.extendedOffsetTable))
    }

    // MARK: values left in the file

    /// A CT-like image of 300 × 300 signed 12-bit samples, sign-extended as it should be (or,
    /// `dirty`, with bit 14 of some samples flipped); the file is large enough that the reader
    /// leaves Pixel Data in it. Answers the path and the clean samples.
    static func cleanCT(in dir: String, name: String = "ct.dcm", extra: [UInt8] = [], dirty: Bool = false) throws -> (String, [UInt8]) {
        var ds = F.image(rows: 300, columns: 300, bitsAllocated: 16, bitsStored: 12, signed: true)
        let noise = F.noise(2 * 300 * 300, seed: 9)
        var image: [UInt8] = [], stored: [UInt8] = []
        for i in stride(from: 0, to: noise.count, by: 2) {
            let v = UInt16(bitPattern: Int16(bitPattern: (UInt16(noise[i]) | UInt16(noise[i + 1]) << 8) << 4) >> 4)   // 12-bit, sign-extended
            let bits = v ^ (dirty && i % 200 == 0 ? 0x4000 : 0)   // one sample in 100 with bit 14 flipped
            image += [UInt8(v & 0xFF), UInt8(v >> 8)]
            stored += [UInt8(bits & 0xFF), UInt8(bits >> 8)]
        }
        ds.set(DataElement(tag: .pixelData, vr: .OW, bytes: stored + extra))
        let path = dir + "/" + name
        try F.write(ds, .explicitVRLittleEndian, to: path)
        return (path, image)
    }

    @Test func anAlreadyCleanValueIsKeptAndStaysInItsFile() throws {
        let dir = try F.temporaryDirectory("native-kept")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (path, _) = try Self.cleanCT(in: dir)
        var file = try F.read(path)
        guard case .binary(.deferred(let before))? = file.dataSet[.pixelData]?.value else {
            Issue.record("the reader did not leave Pixel Data in the file")
            return
        }
        #expect(try PixelDataRebuilder.rebuild(&file.dataSet, transferSyntax: file.transferSyntax) == .kept)
        guard case .binary(.deferred(let after))? = file.dataSet[.pixelData]?.value else {
            Issue.record("Pixel Data was loaded")
            return
        }
        #expect(after == before)
    }

    @Test func aLongerValueInItsFileIsCutWithoutLeavingTheFile() throws {
        let dir = try F.temporaryDirectory("native-cut")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (path, image) = try Self.cleanCT(in: dir, extra: Array(F.name.utf8) + [0x20])
        #expect(F.hasPlanted(try F.fileBytes(path)))
        var file = try F.read(path)
        #expect(try PixelDataRebuilder.rebuild(&file.dataSet, transferSyntax: file.transferSyntax) == .rebuilt)
        guard case .binary(.deferred(let loc))? = file.dataSet[.pixelData]?.value else {
            Issue.record("the cut value was loaded")
            return
        }
        #expect(loc.length == UInt64(image.count))
        let out = dir + "/out.dcm"
        try Part10Writer.write(file, to: out)
        #expect(!F.hasPlanted(try F.fileBytes(out)))
        let equal = F.same(try F.pixelData(out), image)
        #expect(equal)
        try Self.expectPydicomReads(out, image)
    }

    @Test func aDirtyValueIsRebuiltThroughASpoolFile() throws {
        let dir = try F.temporaryDirectory("native-spool")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (path, image) = try Self.cleanCT(in: dir, dirty: true)
        var file = try F.read(path)
        let spool = try PixelDataSpool(path: dir + "/spool")
        #expect(try PixelDataRebuilder.rebuild(&file.dataSet, transferSyntax: file.transferSyntax, spool: spool) == .rebuilt)
        try spool.close()
        guard case .binary(.deferred(let loc))? = file.dataSet[.pixelData]?.value else {
            Issue.record("the rebuilt value is not on the spool")
            return
        }
        #expect(loc.path == spool.path)
        let out = dir + "/out.dcm"
        try Part10Writer.write(file, to: out)
        let equal = F.same(try F.pixelData(out), image)
        #expect(equal)
        try Self.expectPydicomReads(out, image)
    }

    @Test func aBigEndianFileIsRebuiltInLittleEndianOrder() throws {
        let dir = try F.temporaryDirectory("native-be")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (path, image) = try Self.cleanCT(in: dir, dirty: true)
        let bigEndian = dir + "/be.dcm"
        try PixelDataTools.run("dcmconv", ["+tb", path, bigEndian])
        var file = try F.read(bigEndian)
        #expect(file.transferSyntax == .explicitVRBigEndian)
        #expect(try PixelDataRebuilder.rebuild(&file.dataSet, transferSyntax: file.transferSyntax) == .rebuilt)
        let out = dir + "/out.dcm"
        try Part10Writer.write(file, to: out)
        let equal = F.same(try F.pixelData(out), image)
        #expect(equal)
        // A clean big-endian file is kept, still in its file to be swapped by the writer.
        let (cleanPath, _) = try Self.cleanCT(in: dir, name: "clean.dcm")
        let cleanBE = dir + "/clean-be.dcm"
        try PixelDataTools.run("dcmconv", ["+tb", cleanPath, cleanBE])
        var clean = try F.read(cleanBE)
        #expect(try PixelDataRebuilder.rebuild(&clean.dataSet, transferSyntax: clean.transferSyntax) == .kept)
    }

    /// pydicom decodes the file's pixels to `image` (signed 16-bit little endian).
    static func expectPydicomReads(_ path: String, _ image: [UInt8]) throws {
        let script = """
        import sys, pydicom
        ds = pydicom.dcmread(sys.argv[1])
        a = ds.pixel_array
        sys.stdout.buffer.write(a.astype('<i2').tobytes())
        """
        let decoded = try PixelDataTools.run(try PixelDataTools.python(), ["-c", script, path])
        let equal = F.same(decoded, image)
        #expect(equal)
    }
}

private extension Array {
    func repeated(_ n: Int) -> [Element] { (0..<n).flatMap { _ in self } }
}

/// Big-endian samples wider than 16 bits (an RT Dose of 32-bit samples, as pydicom's test data
/// has) in OW: PS3.5 orders OW as 16-bit words, which the reader swapped, so the value is in
/// little-endian order as it is (dcmtk's dcmconv writes and reads it so); pydicom decodes the
/// written copy to the numbers of the original.
@Suite struct PixelDataBigEndianWideTests {
    typealias F = PixelDataFixture

    @Test func thirtyTwoBitSamplesOfABigEndianFileComeOutInLittleEndianOrder() throws {
        let dir = try F.temporaryDirectory("native-be32")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let samples: [UInt32] = [0x0102_0304, 0x1122_3344, 0xA0B0_C0D0, 7, 0xFFFF_FFFF, 65536]
        var ds = DataSet()
        func us(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        ds.set(DataElement(tag: .sopClassUID, vr: .UI, string: UID.rtDoseStorage.rawValue))
        ds.set(DataElement(tag: .sopInstanceUID, vr: .UI, string: "1.2.826.0.1.3680043.10.555.32"))
        ds.set(DataElement(tag: .samplesPerPixel, vr: .US, bytes: us(1)))
        ds.set(DataElement(tag: .photometricInterpretation, vr: .CS, string: "MONOCHROME2"))
        ds.set(DataElement(tag: .rows, vr: .US, bytes: us(2)))
        ds.set(DataElement(tag: .columns, vr: .US, bytes: us(3)))
        ds.set(DataElement(tag: .bitsAllocated, vr: .US, bytes: us(32)))
        ds.set(DataElement(tag: .bitsStored, vr: .US, bytes: us(32)))
        ds.set(DataElement(tag: .highBit, vr: .US, bytes: us(31)))
        ds.set(DataElement(tag: .pixelRepresentation, vr: .US, bytes: us(0)))
        ds.set(DataElement(tag: .pixelData, vr: .OW, bytes: samples.flatMap { v in (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }))
        let path = dir + "/le.dcm", bigEndian = dir + "/be.dcm", out = dir + "/out.dcm"
        try Part10Writer.write(Part10File(dataSet: ds, transferSyntax: .explicitVRLittleEndian), to: path)
        try PixelDataTools.run("dcmconv", ["+tb", path, bigEndian])
        var file = try F.read(bigEndian)
        #expect(file.transferSyntax == .explicitVRBigEndian)
        #expect(try PixelDataRebuilder.rebuild(&file.dataSet, transferSyntax: file.transferSyntax) == .kept)
        try Part10Writer.write(file, to: out)
        let script = "import sys, pydicom\nprint(' '.join(str(int(v)) for v in pydicom.dcmread(sys.argv[1]).pixel_array.ravel()))"
        let decoded = String(decoding: try PixelDataTools.run(try PixelDataTools.python(), ["-c", script, out]), as: UTF8.self)
        #expect(decoded.trimmingCharacters(in: .whitespacesAndNewlines) == samples.map(String.init).joined(separator: " "))
    }
}

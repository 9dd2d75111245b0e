import DICOMCore
import DICOMFile
@testable import Deidentify
import Foundation
import Testing

/// Second-reader channels in what the engine keeps because decoding needs it (r2-px-*): a
/// JPEG quantization table, a JPEG-LS mapping table, JPEG 2000 packed packet headers, each
/// holding the name in Latin-1 or UTF-16 (from an odd offset), which the UTF-8 byte search
/// does not see; a Pixel Data nested in an item; Image Pixel attributes whose product
/// overflows; binary numbers equal to an identifier; a gzip stream longer than the inflate cap.
@Suite struct PHIGateMarkerSegmentTests {
    typealias F = PHIGateFixture
    typealias P = PHIGatePixelTests

    /// The fixture's original with a name only Latin-1 spells.
    static var latinOriginal: DataSet { F.with(F.original, F.element(.patientName, .PN, "Großkopf^Hannelore")) }

    static func utf16(_ s: String, bigEndian: Bool) -> [UInt8] {
        s.utf16.flatMap { u in bigEndian ? [UInt8(u >> 8), UInt8(u & 0xFF)] : [UInt8(u & 0xFF), UInt8(u >> 8)] }
    }

    /// P.jpeg with its quantization table replaced by `table` (Pq/Tq byte first).
    static func jpeg(table: [UInt8]) -> [UInt8] {
        var b = P.jpeg()
        let dqt = P.segment(0xDB, [0] + [UInt8](repeating: 1, count: 64))
        let at = (0..<b.count).first { b[$0..<min(b.count, $0 + dqt.count)].elementsEqual(dqt) }!
        b.replaceSubrange(at..<(at + dqt.count), with: P.segment(0xDB, table))
        return b
    }

    func verdict(_ gate: PHIGate, _ frame: [UInt8], _ ts: TransferSyntax) throws -> PHIGate.Hit? {
        try F.verdict(gate, P().encapsulated([frame]), transferSyntax: ts)
    }

    @Test func aQuantizationTableHoldingTheNameInLatin1IsRefused() throws {
        let gate = PHIGate(original: Self.latinOriginal)
        var values = Array("Frau Großkopf 1".data(using: .isoLatin1)!)
        values += [UInt8](repeating: 1, count: 64 - values.count)
        let hit = try verdict(gate, Self.jpeg(table: [0] + values), .jpegBaseline8Bit)
        #expect(hit?.attribute == "PatientName" && hit?.location == "Pixel Data fragment 1", "\(String(describing: hit))")
        #expect(try verdict(gate, Self.jpeg(table: [0] + [UInt8](repeating: 1, count: 64)), .jpegBaseline8Bit) == nil)
    }

    @Test func aSixteenBitQuantizationTableInUTF16IsRefused() throws {
        // Pq 1: 64 two-byte values, the text starting one byte after the segment's content.
        var values = Self.utf16("SIMPSON HOMER MR-4455-6677 ", bigEndian: true)
        values += [UInt8](repeating: 1, count: 128 - values.count)
        let hit = try verdict(F.gate, Self.jpeg(table: [0x10] + values), .jpegExtended12Bit)
        #expect(hit?.attribute == "PatientName" || hit?.attribute == "PatientID", "\(String(describing: hit))")
    }

    @Test func aJPEGLSMappingTableInUTF16IsRefused() throws {
        var frame = P.jpeg()
        let lse = P.segment(0xF8, [2, 1, 2] + Self.utf16("Simpson Homer", bigEndian: false))
        frame.insert(contentsOf: lse, at: 2)
        let hit = try verdict(F.gate, frame, .jpeglsLossless)
        #expect(hit?.attribute == "PatientName", "\(String(describing: hit))")
    }

    /// P.j2k with `segment` put before the first SOT (main header) or after it (tile-part
    /// header, Psot adjusted).
    static func j2k(main segment: [UInt8] = [], tilePart: [UInt8] = []) -> [UInt8] {
        var b = P.j2k()
        let sot = (0..<(b.count - 1)).first { b[$0] == 0xFF && b[$0 + 1] == 0x90 }!
        if !tilePart.isEmpty {
            let psot = Int(b[sot + 6]) << 24 | Int(b[sot + 7]) << 16 | Int(b[sot + 8]) << 8 | Int(b[sot + 9]) + tilePart.count
            for k in 0..<4 { b[sot + 6 + k] = UInt8(truncatingIfNeeded: psot >> (24 - 8 * k)) }
            b.insert(contentsOf: tilePart, at: sot + 12)
        }
        b.insert(contentsOf: segment, at: sot)
        return b
    }

    @Test func packedPacketHeadersAndPacketLengthsAreSearchedInOtherEncodings() throws {
        let latin = PHIGate(original: Self.latinOriginal)
        let ppt = P.segment(0x61, [0] + Array("Frau Großkopf 1".data(using: .isoLatin1)!))
        #expect(try verdict(latin, Self.j2k(tilePart: ppt), .jpeg2000Lossless)?.attribute == "PatientName")
        let plm = P.segment(0x57, [0] + Self.utf16("Simpson Homer", bigEndian: false))
        #expect(try verdict(F.gate, Self.j2k(main: plm), .jpeg2000Lossless)?.attribute == "PatientName")
        #expect(try verdict(F.gate, Self.j2k(main: P.segment(0x57, [0, 1, 2, 3])), .jpeg2000Lossless) == nil)
    }

    @Test func theEngineLeavesPacketLengthMarkersOut() throws {
        let plm = P.segment(0x57, [0] + Self.utf16("Simpson Homer", bigEndian: false))
        let plt = P.segment(0x58, [0] + Self.utf16("Simpson Homer", bigEndian: true))
        let out = try JPEG2000FrameRebuilder.rebuild(Self.j2k(main: plm, tilePart: plt), part2: false).bytes
        #expect(out == P.j2k())
    }

    @Test func encapsulatedPixelDataInAnItemIsWalkedToo() throws {
        var frame = P.jpeg()
        frame.insert(contentsOf: P.segment(0xFE, Self.utf16("Simpson Homer", bigEndian: false)), at: 2)
        var item = DataSet(F.pixelModule(rows: 8, columns: 8, bitsAllocated: 8, bitsStored: 8, signed: false))
        item.set(DataElement(tag: .pixelData, vr: .OB, value: .fragments([.inline([]), .inline(frame.count % 2 == 1 ? frame + [0] : frame)]),
                             hasUndefinedLength: true))
        let ds = F.with(P().encapsulated([P.jpeg()]), DataElement(sequence: .anatomicRegionSequence, items: [item]))
        let hit = try F.verdict(F.gate, ds, transferSyntax: .jpegExtended12Bit)
        #expect(hit?.attribute == "PatientName", "\(String(describing: hit))")
    }

    @Test func imagePixelAttributesThatOverflowAreRefusedNotTrapped() throws {
        var item = DataSet([F.us(.rows, 65535), F.us(.columns, 65535), F.us(.samplesPerPixel, 65535), F.us(.bitsAllocated, 64),
                            F.us(.bitsStored, 64), F.us(.highBit, 63), F.us(.pixelRepresentation, 0),
                            F.element(.numberOfFrames, .IS, "1000")])
        item.set(DataElement(tag: .pixelData, vr: .OB, bytes: [UInt8](repeating: 0, count: 16)))
        let ds = F.with(F.clean(), DataElement(sequence: .anatomicRegionSequence, items: [item]))
        let hit = try F.verdict(F.gate, ds)
        #expect(hit?.kind == "unchecked" && hit?.reason?.contains("4 GiB") == true, "\(String(describing: hit))")
        // Number of Frames alone past Int's range, and a top-level value.
        var top = F.clean()
        top.set(F.element(.numberOfFrames, .IS, "9223372036854775807"))
        #expect(try F.verdict(F.gate, top)?.kind == "unchecked")
    }

    @Test func aBinaryNumberEqualToAnIdentifierIsRefused() throws {
        // MR-4455-6677: 44556677; ACC99887766: 99887766.
        let ul = DataElement(tag: .simpleFrameList, vr: .UL, bytes: [1, 0, 0, 0] + withUnsafeBytes(of: UInt32(44556677).littleEndian, Array.init))
        #expect(try F.verdict(F.gate, F.with(F.clean(), ul))?.attribute == "PatientID")
        let fd = DataElement(tag: .tablePosition, vr: .FD, bytes: withUnsafeBytes(of: Double(99887766).bitPattern.littleEndian, Array.init))
        #expect(try F.verdict(F.gate, F.with(F.clean(), fd))?.attribute == "AccessionNumber")
        // Other numbers, and a fraction, pass.
        let other = DataElement(tag: .simpleFrameList, vr: .UL, bytes: withUnsafeBytes(of: UInt32(44556678).littleEndian, Array.init))
        #expect(try F.verdict(F.gate, F.with(F.clean(), other)) == nil)
        let fraction = DataElement(tag: .tablePosition, vr: .FD, bytes: withUnsafeBytes(of: 44556677.5.bitPattern.littleEndian, Array.init))
        #expect(try F.verdict(F.gate, F.with(F.clean(), fraction)) == nil)
    }

    /// A gzip stream of `spaces` MiB of spaces, then the name.
    static func gzip(spaces: Int) throws -> [UInt8] {
        let plain = FileManager.default.temporaryDirectory.appendingPathComponent("cap-\(UUID().uuidString).txt").path
        defer { unlink(plain) }
        try Data(repeating: 0x20, count: spaces << 20).followed(by: Array(" Simpson Homer MR-4455-6677\n".utf8)).write(to: URL(fileURLWithPath: plain))
        let z = try PixelDataTools.run("gzip", ["-c", "-n", "-9", plain])
        return z.count % 2 == 1 ? z + [0] : z
    }

    @Test func aGzipStreamLongerThanTheInflateCapIsRefusedAndRemoved() throws {
        let long = DataElement(tag: .objectDirectoryBinaryIdentifierTrial, vr: .OB, bytes: try Self.gzip(spaces: 33))
        let hit = try F.verdict(F.gate, F.with(F.clean(), long))
        #expect(hit?.kind == "unchecked" && hit?.reason == "it inflates past 32 MiB", "\(String(describing: hit))")
        let short = DataElement(tag: .objectDirectoryBinaryIdentifierTrial, vr: .OB, bytes: try Self.gzip(spaces: 1))
        #expect(try F.verdict(F.gate, F.with(F.clean(), short))?.attribute == "PatientName")
        // The engine removes it, and says why.
        let original = F.with(F.original, long)
        let out = try DeidFixture.engine().deidentify(DeidFixture.file(original), identifiers: DeidFixture.identifiers)
        #expect(out.file.dataSet[.objectDirectoryBinaryIdentifierTrial] == nil)
    }
}

extension Data {
    fileprivate func followed(by bytes: [UInt8]) -> Data { self + Data(bytes) }
}

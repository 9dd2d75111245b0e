import DICOMCore
import DICOMFile
@testable import Deidentify
import Foundation
import Testing

/// JPEG frames made by real encoders (cjpeg, wrapped by img2dcm; dcmcjpeg; dcmcjpls) with the
/// patient's name and MRN planted where a modality or an attacker could hide them; after the
/// rebuild no output byte holds either, and dcmtk decodes the output to the same pixels.
@Suite struct PixelDataJPEGTests {
    typealias F = PixelDataFixture

    // MARK: making the inputs

    /// A 8-bit grayscale picture as a PGM file: a gradient with noise.
    static func writePGM(_ path: String, rows: Int = 45, columns: Int = 67) throws {
        let noise = F.noise(rows * columns, seed: 11)
        let pixels = (0..<(rows * columns)).map { i in UInt8(truncatingIfNeeded: (i % columns) * 3 + (i / columns) * 2 + Int(noise[i] % 16)) }
        try Data(Array("P5\n\(columns) \(rows)\n255\n".utf8) + pixels).write(to: URL(fileURLWithPath: path))
    }

    /// A baseline JPEG made by cjpeg (with `options`) and wrapped by img2dcm: its data set, its
    /// one frame, and the pixels dcmdjpeg decodes it to.
    static func cjpegFrame(_ dir: String, _ options: [String] = []) throws -> (DataSet, [UInt8], [UInt8]) {
        try writePGM(dir + "/g.pgm")
        try PixelDataTools.run("cjpeg", ["-quality", "85"] + options + ["-outfile", dir + "/base.jpg", dir + "/g.pgm"])
        try PixelDataTools.run("img2dcm", [dir + "/base.jpg", dir + "/base.dcm"])
        let file = try F.read(dir + "/base.dcm")
        let items = try F.items(file.dataSet)
        try #require(items.count == 2)
        try PixelDataTools.run("dcmdjpeg", [dir + "/base.dcm", dir + "/base-decoded.dcm"])
        return (file.dataSet, items[1], try F.pixelData(dir + "/base-decoded.dcm"))
    }

    /// A native multi-frame 16-bit image (Bits Stored 12) and its pixels.
    static func nativeSource(_ dir: String, frames: Int = 3) throws -> (String, [UInt8]) {
        var ds = F.image(rows: 45, columns: 67, bitsAllocated: 16, bitsStored: 12, frames: frames)
        ds.set(DataElement(tag: .sopClassUID, vr: .UI, string: UID.multiFrameGrayscaleWordSecondaryCaptureImageStorage.rawValue))
        let noise = F.noise(2 * 45 * 67 * frames, seed: 12)
        var pixels: [UInt8] = []
        for i in 0..<(45 * 67 * frames) {
            let v = ((i % 67) * 40 + ((i / 67) % 45) * 20 + Int(noise[2 * i]) % 64 + (i / (45 * 67)) * 300) & 0x0FFF
            pixels += [UInt8(v & 0xFF), UInt8(v >> 8)]
        }
        ds.set(DataElement(tag: .pixelData, vr: .OW, bytes: pixels))
        let path = dir + "/native.dcm"
        try F.write(ds, .explicitVRLittleEndian, to: path)
        return (path, pixels)
    }

    /// The native source compressed by `encoder` with `options`: the data set and its frames
    /// (one fragment each, as dcmtk writes them).
    static func compressed(_ dir: String, _ encoder: String, _ options: [String]) throws -> (DataSet, [[UInt8]], [UInt8]) {
        let (native, pixels) = try nativeSource(dir)
        let path = dir + "/compressed.dcm"
        try PixelDataTools.run(encoder, options + [native, path])
        let file = try F.read(path)
        let items = try F.items(file.dataSet)
        try #require(items.count == 4)
        return (file.dataSet, Array(items.dropFirst()), pixels)
    }

    // MARK: checking the output

    /// Writes `ds` with `fragments` (and `table`, and `extra` elements) as planted.dcm and
    /// checks a planted value is in it; rebuilds it to rebuilt.dcm, checks that no planted
    /// value is left in any byte of it and that `decoder` decodes it to `expected`. Answers
    /// the rebuilt items (the Basic Offset Table first).
    @discardableResult
    static func expectRebuilt(_ ds: DataSet, _ fragments: [[UInt8]], table: [UInt8] = [], extra: [DataElement] = [],
                              _ ts: TransferSyntax, in dir: String, decoder: String = "dcmdjpeg",
                              expected: [UInt8]) throws -> [[UInt8]] {
        var planted = ds
        planted.set(F.encapsulated(fragments, table: table))
        for e in extra { planted.set(e) }
        let input = dir + "/planted.dcm", output = dir + "/rebuilt.dcm", decoded = dir + "/rebuilt-decoded.dcm"
        try F.write(planted, ts, to: input)
        #expect(F.hasPlanted(try F.fileBytes(input)), "the test planted nothing")
        #expect(try F.rebuildFile(input, to: output) == .rebuilt)
        #expect(!F.hasPlanted(try F.fileBytes(output)), "a planted value is still in the output")
        try PixelDataTools.run(decoder, [output, decoded])
        let equal = F.same(try F.pixelData(decoded), expected)
        #expect(equal, "the rebuilt file does not decode to the same pixels")
        return try F.items(output)
    }

    static let com1 = F.segment(0xFE, Array(F.name.utf8))
    static let com2 = F.segment(0xFE, Array(F.mrn.utf8))

    /// `frame` with `inserted` put in at `offset`.
    static func inserting(_ inserted: [UInt8], into frame: [UInt8], at offset: Int) -> [UInt8] {
        Array(frame[..<offset]) + inserted + Array(frame[offset...])
    }

    static func offsets(of marker: UInt8, in frame: [UInt8]) -> [Int] {
        F.jpegMarkers(frame).filter { $0.marker == marker }.map(\.offset)
    }

    // MARK: one frame, every hiding place

    @Test func commentsBetweenScansAndBeforeEOIAreRemoved() throws {
        let dir = try F.temporaryDirectory("jpeg-scans")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (ds, frame, pixels) = try Self.cjpegFrame(dir, ["-progressive"])
        let scans = Self.offsets(of: 0xDA, in: frame)
        try #require(scans.count >= 2, "cjpeg -progressive made one scan")
        let eoi = try #require(Self.offsets(of: 0xD9, in: frame).first)
        var planted = Self.inserting(Self.com2, into: frame, at: eoi)
        planted = Self.inserting(Self.com1, into: planted, at: scans[1])
        let items = try Self.expectRebuilt(ds, [planted], .jpegBaseline8Bit, in: dir, expected: pixels)
        let equal = F.same(items[1], F.padded(frame))
        #expect(equal)   // exactly cjpeg's frame again
    }

    @Test func aCommentInTheSecondFragmentOfASplitHeaderIsRemoved() throws {
        let dir = try F.temporaryDirectory("jpeg-split")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (ds, frame, pixels) = try Self.cjpegFrame(dir)
        let sof = try #require(Self.offsets(of: 0xC0, in: frame).first)
        let planted = Self.inserting(Self.com1, into: frame, at: sof)
        // The first fragment ends inside the first table segment.
        let items = try Self.expectRebuilt(ds, [Array(planted[..<10]), Array(planted[10...])], .jpegBaseline8Bit, in: dir,
                                           expected: pixels)
        #expect(items.count == 2)   // one fragment for the one frame
    }

    @Test func applicationSegmentsBeyond64KiBAreRemovedAndJFIFAndAdobeKeptBare() throws {
        let dir = try F.temporaryDirectory("jpeg-app")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (ds, frame, pixels) = try Self.cjpegFrame(dir)
        // JFIF with a 4 × 1 thumbnail (12 bytes of RGB) that spells the MRN; Adobe with the name
        // after its 12 bytes; two full APPn of filler, then the name in APP13.
        let thumbnail = Array((F.mrn + "XY").utf8)
        let jfif = F.segment(0xE0, Array("JFIF\0".utf8) + [1, 2, 0, 0, 1, 0, 1, 4, 1] + thumbnail)
        let adobe = F.segment(0xEE, Array("Adobe".utf8) + [0, 100, 0, 0, 0, 0, 0] + Array(F.name.utf8))
        let filler = F.segment(0xE1, [UInt8](repeating: 0x2E, count: 65533)) + F.segment(0xE2, [UInt8](repeating: 0x2E, count: 65533))
        let app13 = F.segment(0xED, Array("Photoshop 3.0\0".utf8) + Array(F.name.utf8))
        let planted = Array(frame[..<2]) + jfif + adobe + filler + app13 + Array(frame[2...])
        #expect(planted.count > 2 * 65536)
        let items = try Self.expectRebuilt(ds, [planted], .jpegBaseline8Bit, in: dir, expected: pixels)
        let out = items[1]
        #expect(Array(out[2..<20]) == [0xFF, 0xE0, 0x00, 0x10] + Array("JFIF\0".utf8) + [1, 2, 0, 0, 1, 0, 1, 0, 0])
        #expect(Array(out[20..<36]) == [0xFF, 0xEE, 0x00, 0x0E] + Array("Adobe".utf8) + [0, 100, 0, 0, 0, 0, 0])
        let rest = F.same(Array(out[36...]), Array(frame[2...]))
        #expect(rest)
    }

    @Test func tablesNoScanUsesAreRemoved() throws {
        let dir = try F.temporaryDirectory("jpeg-tables")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (ds, frame, pixels) = try Self.cjpegFrame(dir)
        let name = Array(F.name.utf8), mrn = Array(F.mrn.utf8)
        // cjpeg's grayscale frame uses quantization table 0 and Huffman tables DC 0 and AC 0.
        // Put the name in quantization table 3 (in cjpeg's own DQT segment, which must then be
        // rebuilt), in an AC Huffman table 3, and the MRN in a DC table 0 that cjpeg's DHT
        // defines again before the scan.
        let dqt = try #require(Self.offsets(of: 0xDB, in: frame).first)
        let dqtLength = Int(frame[dqt + 2]) << 8 | Int(frame[dqt + 3])
        let unusedQuantization = [0x03] + name + [UInt8](repeating: 1, count: 64 - name.count)
        let mergedDQT = F.segment(0xDB, unusedQuantization + Array(frame[(dqt + 4)..<(dqt + 2 + dqtLength)]))
        var counts = [UInt8](repeating: 0, count: 16)
        counts[7] = UInt8(name.count)
        let unusedHuffman = F.segment(0xC4, [0x13] + counts + name)
        counts[7] = UInt8(mrn.count)
        let redefined = F.segment(0xC4, [0x00] + counts + mrn)
        let planted = Array(frame[..<dqt]) + mergedDQT + unusedHuffman + redefined + Array(frame[(dqt + 2 + dqtLength)...])
        let items = try Self.expectRebuilt(ds, [planted], .jpegBaseline8Bit, in: dir, expected: pixels)
        let equal = F.same(items[1], F.padded(frame))
        #expect(equal)
    }

    @Test func bytesAfterEOIAreRemoved() throws {
        let dir = try F.temporaryDirectory("jpeg-eoi")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (ds, frame, pixels) = try Self.cjpegFrame(dir)
        let items = try Self.expectRebuilt(ds, [frame + [0] + Array(F.name.utf8) + [0xFF, 0xD9] + Array(F.mrn.utf8)],
                                           .jpegBaseline8Bit, in: dir, expected: pixels)
        let equal = F.same(items[1], F.padded(frame))
        #expect(equal)
    }

    @Test func aFragmentBelongingToNoFrameIsDropped() throws {
        let dir = try F.temporaryDirectory("jpeg-stray")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (ds, frame, pixels) = try Self.cjpegFrame(dir)
        let items = try Self.expectRebuilt(ds, [frame, Array(F.name.utf8) + [0x20]], .jpegBaseline8Bit, in: dir, expected: pixels)
        #expect(items.count == 2)
    }

    @Test func restartMarkersAndTheScanSurviveFillBytesAreDropped() throws {
        let dir = try F.temporaryDirectory("jpeg-restart")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (ds, frame, pixels) = try Self.cjpegFrame(dir, ["-restart", "1"])
        let sos = try #require(Self.offsets(of: 0xDA, in: frame).first)
        let scan = Array(frame[sos...])
        #expect(zip(scan, scan.dropFirst()).contains { $0 == 0xFF && (0xD0...0xD7).contains($1) }, "cjpeg wrote no RSTn")
        let planted = Self.inserting([0xFF, 0xFF, 0xFF] + Self.com1 + [0xFF, 0xFF], into: frame, at: sos)
        let items = try Self.expectRebuilt(ds, [planted], .jpegBaseline8Bit, in: dir, expected: pixels)
        let equal = F.same(items[1], F.padded(frame))
        #expect(equal)
    }

    @Test func aFrameWithoutEOIGetsOne() throws {
        let dir = try F.temporaryDirectory("jpeg-noeoi")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (ds, frame, pixels) = try Self.cjpegFrame(dir)
        let eoi = try #require(Self.offsets(of: 0xD9, in: frame).first)
        let planted = Self.inserting(Self.com1, into: Array(frame[..<eoi]), at: 2)
        let items = try Self.expectRebuilt(ds, [planted], .jpegBaseline8Bit, in: dir, expected: pixels)
        let equal = F.same(items[1], F.padded(frame))
        #expect(equal)
    }

    @Test func aCommentThatImg2dcmCarriedIntoTheFileIsRemoved() throws {
        let dir = try F.temporaryDirectory("jpeg-wrjpgcom")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (ds, _, pixels) = try Self.cjpegFrame(dir)
        let commented = try PixelDataTools.run("wrjpgcom", ["-comment", F.name, dir + "/base.jpg"])
        try Data(commented).write(to: URL(fileURLWithPath: dir + "/commented.jpg"))
        try PixelDataTools.run("img2dcm", [dir + "/commented.jpg", dir + "/commented.dcm"])
        #expect(F.hasPlanted(try F.fileBytes(dir + "/commented.dcm")), "img2dcm dropped the comment")
        let frame = try F.items(dir + "/commented.dcm")[1]
        try Self.expectRebuilt(ds, [frame], .jpegBaseline8Bit, in: dir, expected: pixels)
    }

    // MARK: multi-frame, lossless

    /// The native source compressed by dcmcjpeg (`option`) or dcmcjpls, each frame with the
    /// name in a COM after SOI.
    struct Lossless: CustomTestStringConvertible, Sendable {
        let encoder: String
        let option: String
        let decoder: String
        let ts: TransferSyntax
        var testDescription: String { "\(encoder) \(option)" }
    }

    static let lossless = [
        Lossless(encoder: "dcmcjpeg", option: "+e1", decoder: "dcmdjpeg", ts: .jpegLosslessSV1),
        Lossless(encoder: "dcmcjpeg", option: "+el", decoder: "dcmdjpeg", ts: .jpegLossless),
        Lossless(encoder: "dcmcjpls", option: "+el", decoder: "dcmdjpls", ts: .jpeglsLossless),
    ]

    static func planted(_ c: Lossless, _ dir: String) throws -> (DataSet, [[UInt8]], [UInt8]) {
        let (ds, frames, pixels) = try compressed(dir, c.encoder, [c.option])
        return (ds, frames.map { Self.inserting(Self.com1, into: $0, at: 2) }, pixels)
    }

    @Test(arguments: lossless) func withABasicOffsetTableAndAStrayLastFragment(_ c: Lossless) throws {
        let dir = try F.temporaryDirectory("jpeg-bot")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (ds, frames, pixels) = try Self.planted(c, dir)
        let items = try Self.expectRebuilt(ds, frames + [Array(F.mrn.utf8)], table: F.offsetTable(frames), c.ts, in: dir,
                                           decoder: c.decoder, expected: pixels)
        #expect(items.count == 4)
        #expect(items[0] == F.offsetTable(Array(items.dropFirst())))
    }

    @Test(arguments: lossless) func withoutABasicOffsetTable(_ c: Lossless) throws {
        let dir = try F.temporaryDirectory("jpeg-nobot")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (ds, frames, pixels) = try Self.planted(c, dir)
        let items = try Self.expectRebuilt(ds, frames, c.ts, in: dir, decoder: c.decoder, expected: pixels)
        #expect(items[0] == F.offsetTable(Array(items.dropFirst())))
    }

    @Test(arguments: lossless) func withAnExtendedOffsetTableAndAFragmentBetweenFrames(_ c: Lossless) throws {
        let dir = try F.temporaryDirectory("jpeg-eot")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (ds, frames, pixels) = try Self.planted(c, dir)
        let stray = Array(F.mrn.utf8)
        let fragments = [frames[0], stray, frames[1], frames[2]]
        let padded = fragments.map { $0.count + $0.count % 2 }
        let offsets = [0, 16 + padded[0] + padded[1], 24 + padded[0] + padded[1] + padded[2]]
        let extra = [
            DataElement(tag: .extendedOffsetTable, vr: .OV, bytes: offsets.flatMap(F.le64)),
            DataElement(tag: .extendedOffsetTableLengths, vr: .OV, bytes: frames.flatMap { F.le64($0.count) }),
        ]
        let items = try Self.expectRebuilt(ds, fragments, extra: extra, c.ts, in: dir, decoder: c.decoder, expected: pixels)
        #expect(items.count == 4)
        let rebuilt = try F.read(dir + "/rebuilt.dcm").dataSet
        #expect(!rebuilt.contains(.extendedOffsetTable) && !rebuilt.contains(.extendedOffsetTableLengths))
    }

    @Test(arguments: lossless) func aBasicOffsetTableHidingTextIsReplaced(_ c: Lossless) throws {
        let dir = try F.temporaryDirectory("jpeg-bigbot")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (ds, frames, pixels) = try Self.planted(c, dir)
        let table = F.offsetTable(frames) + Array(F.name.utf8) + [0]
        let items = try Self.expectRebuilt(ds, frames, table: table, c.ts, in: dir, decoder: c.decoder, expected: pixels)
        #expect(items[0] == F.offsetTable(Array(items.dropFirst())))
    }

    @Test(arguments: lossless) func framesSplitOverFragmentsAreJoined(_ c: Lossless) throws {
        let dir = try F.temporaryDirectory("jpeg-split-frames")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (ds, frames, pixels) = try Self.planted(c, dir)
        // Frame 1 in two fragments; found by the offset table, and without one by where
        // codestreams start (the second piece starts with no SOI).
        let fragments = [Array(frames[0][..<100]), Array(frames[0][100...]), frames[1], frames[2]]
        var table: [UInt8] = [], at = 0
        for (i, f) in fragments.enumerated() {
            if i != 1 { table += F.le32(at) }
            at += 8 + f.count + f.count % 2
        }
        var items = try Self.expectRebuilt(ds, fragments, table: table, c.ts, in: dir, decoder: c.decoder, expected: pixels)
        #expect(items.count == 4)
        items = try Self.expectRebuilt(ds, fragments, c.ts, in: dir, decoder: c.decoder, expected: pixels)
        #expect(items.count == 4)
    }

    @Test(arguments: lossless) func aFrameThatCannotBeParsedIsRefusedByNumber(_ c: Lossless) throws {
        let dir = try F.temporaryDirectory("jpeg-bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var (ds, frames, _) = try Self.planted(c, dir)
        frames[1] = Array(frames[1][..<2]) + [0xFF, 0xDB, 0x00, 0x50] + Array(frames[1][2...])   // a DQT that swallows the SOF
        ds.set(F.encapsulated(frames, table: F.offsetTable(frames)))
        let error = try #require(throws: PixelDataRefusal.self) {
            try PixelDataRebuilder.rebuild(&ds, transferSyntax: c.ts)
        }
        #expect(error.reason.hasPrefix("frame 2 of 3: "))
        #expect(!F.hasPlanted(Array(error.reason.utf8)))
    }

    /// Reads with fragments left in the file.
    static func readDeferred(_ path: String) throws -> Part10File {
        var options = ReadOptions()
        options.bulkDataThreshold = 1024
        return try Part10File.read(path: path, options: options)
    }

    static func fragments(_ ds: DataSet) -> [BinaryValue] {
        guard case .fragments(let items)? = ds[.pixelData]?.value else { return [] }
        return Array(items.dropFirst())
    }

    /// dcmtk makes an odd frame even with a fill byte before EOI; the rebuild drops it (the
    /// writer pads with a zero after EOI, as PS3.5 8.2 says), so such a frame is rebuilt. The
    /// other frames stay where they are in the source file; the rebuilt file, rebuilt again,
    /// is kept whole, still in its file.
    @Test(arguments: lossless) func framesNeedingNoChangeStayInTheFileAndARebuiltFileIsKept(_ c: Lossless) throws {
        let dir = try F.temporaryDirectory("jpeg-kept")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try Self.compressed(dir, c.encoder, [c.option])
        var file = try Self.readDeferred(dir + "/compressed.dcm")
        let before = Self.fragments(file.dataSet)
        let frames = try before.map { try $0.load() }
        let outcome = try PixelDataRebuilder.rebuild(&file.dataSet, transferSyntax: file.transferSyntax)
        let after = Self.fragments(file.dataSet)
        try #require(after.count == before.count)
        var same = 0
        for (k, (a, b)) in zip(after, before).enumerated() {
            let filled = frames[k].suffix(3).elementsEqual([0xFF, 0xFF, 0xD9])
            guard case .deferred(let x) = a, case .deferred(let y) = b else {
                #expect(filled, "frame \(k + 1) needed no change but was loaded")
                continue
            }
            #expect(!filled && x == y)
            same += 1
        }
        #expect(outcome == (same == frames.count ? .kept : .rebuilt))
        try Part10Writer.write(file, to: dir + "/rebuilt.dcm")
        var again = try Self.readDeferred(dir + "/rebuilt.dcm")
        let locations = Self.fragments(again.dataSet)
        #expect(try PixelDataRebuilder.rebuild(&again.dataSet, transferSyntax: again.transferSyntax) == .kept)
        for (a, b) in zip(Self.fragments(again.dataSet), locations) {
            guard case .deferred(let x) = a, case .deferred(let y) = b else {
                Issue.record("a frame was loaded")
                continue
            }
            #expect(x == y)
        }
    }

    @Test func jpegExtendedLossyDecodesAsBefore() throws {
        let dir = try F.temporaryDirectory("jpeg-extended")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (ds, frames, _) = try Self.compressed(dir, "dcmcjpeg", ["+ee"])
        try PixelDataTools.run("dcmdjpeg", [dir + "/compressed.dcm", dir + "/compressed-decoded.dcm"])
        let expected = try F.pixelData(dir + "/compressed-decoded.dcm")
        let planted = frames.map { Self.inserting(Self.com2, into: $0, at: 2) + Array(F.name.utf8) }
        try Self.expectRebuilt(ds, planted, .jpegExtended12Bit, in: dir, expected: expected)
    }
}

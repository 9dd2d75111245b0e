import DICOMCore
import DICOMFile
@testable import Deidentify
import Foundation
import Testing

/// Which fragments make each frame, which transfer syntaxes are rebuilt, held or refused, and
/// the structure checks of JPEG frames, on hand-made values (no outside tools).
@Suite struct PixelDataEncapsulationTests {
    typealias F = PixelDataFixture

    // MARK: frames from fragments

    static func locate(_ lengths: [Int], table: [Int] = [], extended: ([Int], [Int])? = nil, frames: Int,
                       starts: Set<Int> = []) throws -> FrameMap {
        try FrameMap.locate(fragmentLengths: lengths.map(UInt64.init), basicOffsetTable: table.flatMap(F.le32),
                            extendedOffsets: extended.map { $0.0.map(UInt64.init) },
                            extendedLengths: extended.map { $0.1.map(UInt64.init) },
                            frameCount: frames, startsCodestream: { starts.contains($0) })
    }

    @Test func theBasicOffsetTableIsTrustedWhenItFits() throws {
        // Frame 1 in fragments 0-1, frame 2 in 2-3.
        let map = try Self.locate([10, 20, 30, 40], table: [0, 46], frames: 2)
        #expect(map == FrameMap(frames: [0..<2, 2..<4], source: .basicOffsetTable))
    }

    @Test func aBasicOffsetTableThatDoesNotFitIsNotUsed() throws {
        // An offset inside a fragment; a table of another size than one offset per frame.
        #expect(try Self.locate([10, 20], table: [0, 17], frames: 2).source == .oneFragmentPerFrame)
        #expect(try Self.locate([10, 20], table: [0, 18, 0], frames: 2).source == .oneFragmentPerFrame)
        #expect(try Self.locate([10, 20], table: [4, 18], frames: 2).source == .oneFragmentPerFrame)
    }

    @Test func theExtendedOffsetTableLeavesFragmentsBetweenFramesOut() throws {
        // Frame 1 = fragment 0 (10 bytes), fragment 1 belongs to no frame, frame 2 = fragments 2-3.
        let map = try Self.locate([10, 6, 30, 40], extended: ([0, 32], [10, 70]), frames: 2)
        #expect(map == FrameMap(frames: [0..<1, 2..<4], source: .extendedOffsetTable))
        // Lengths that do not add up to whole fragments: not used.
        #expect(try Self.locate([10, 6, 30, 40], extended: ([0, 32], [10, 50]), frames: 2, starts: [0, 2]).source
                == .codestreamStarts)
    }

    @Test func countsSingleFramesAndCodestreamStarts() throws {
        #expect(try Self.locate([10, 20, 30], frames: 3).frames == [0..<1, 1..<2, 2..<3])
        #expect(try Self.locate([10, 20, 30], frames: 1) == FrameMap(frames: [0..<3], source: .singleFrame))
        #expect(try Self.locate([10, 20, 30, 40], frames: 2, starts: [0, 2]).frames == [0..<2, 2..<4])
        let refusal = try #require(throws: PixelDataRefusal.self) { try Self.locate([10, 20, 30, 40], frames: 2, starts: [0]) }
        #expect(refusal.reason.contains("4 fragments"))
        #expect(throws: PixelDataRefusal.self) { try Self.locate([10, 20, 30], frames: 2, starts: [1, 2]) }
        #expect(throws: PixelDataRefusal.self) { try Self.locate([], frames: 1) }
    }

    @Test func theBasicOffsetTableIsEmptiedWhenAnOffsetWouldNotFit32Bits() {
        let huge = BinaryValue.deferred(BulkDataLocation(path: "/nonexistent", offset: 0, length: 0xFFFF_FFE0))
        let small = BinaryValue.inline([1, 2, 3])
        #expect(EncapsulatedPixelData.basicOffsetTable([small, huge, small], keepEmpty: false) == [0, 0, 0, 0, 12, 0, 0, 0, 0xF4, 0xFF, 0xFF, 0xFF])
        #expect(EncapsulatedPixelData.basicOffsetTable([small, huge, huge, small], keepEmpty: false).isEmpty)
        #expect(EncapsulatedPixelData.basicOffsetTable([small], keepEmpty: true).isEmpty)
    }

    // MARK: transfer syntaxes

    static func encapsulatedImage(_ fragments: [[UInt8]] = [Array(F.name.utf8) + [0]]) -> DataSet {
        var ds = F.image(rows: 8, columns: 8, bitsAllocated: 8, bitsStored: 8)
        ds.set(F.encapsulated(fragments))
        return ds
    }

    @Test func videoIsHeldUnchanged() throws {
        var ds = Self.encapsulatedImage()
        ds.set(DataElement(tag: .extendedOffsetTable, vr: .OV, bytes: F.le64(0)))
        for ts in [TransferSyntax.mpeg2MPML, .mpeg4HP41F, .hevcm10P51] {
            var copy = ds
            guard case .hold(let reason) = try PixelDataRebuilder.rebuild(&copy, transferSyntax: ts) else {
                Issue.record("\(ts) was not held")
                continue
            }
            #expect(reason.contains(ts.uid.rawValue))
            #expect(copy.contains(.extendedOffsetTable))
        }
        var header = ds
        header.remove(.pixelData)
        header.remove(.extendedOffsetTable)
        #expect(try PixelDataRebuilder.rebuild(&header, transferSyntax: .mpeg2MPML) == .kept)
    }

    @Test func encapsulatedSyntaxesSenditCannotRebuildAreRefusedByName() throws {
        let syntaxes = [TransferSyntax.deflatedImageFrameCompression, .jpegxlLossless, .jpegxl, .jpegFullProgressionNonHierarchical1012,
                        TransferSyntax.lookup(UID("1.2.826.0.1.3680043.10.999.1"))]
        for ts in syntaxes {
            var ds = Self.encapsulatedImage()
            let refusal = try #require(throws: PixelDataRefusal.self) { try PixelDataRebuilder.rebuild(&ds, transferSyntax: ts) }
            #expect(refusal.reason.contains(ts.uid.rawValue))
            #expect(!F.hasPlanted(Array(refusal.reason.utf8)))
        }
        var jpip = F.image(rows: 2, columns: 2, bitsAllocated: 8, bitsStored: 8)
        jpip.set(DataElement(tag: .pixelData, vr: .OB, bytes: [1, 2, 3, 4]))
        #expect(throws: PixelDataRefusal.self) { try PixelDataRebuilder.rebuild(&jpip, transferSyntax: .jpipReferenced) }
    }

    @Test func theValueMustBeEncapsulatedAsTheSyntaxSays() throws {
        var native = F.image(rows: 2, columns: 2, bitsAllocated: 8, bitsStored: 8)
        native.set(DataElement(tag: .pixelData, vr: .OB, bytes: [1, 2, 3, 4]))
        #expect(throws: PixelDataRefusal.self) { try PixelDataRebuilder.rebuild(&native, transferSyntax: .jpegBaseline8Bit) }
        var fragments = Self.encapsulatedImage()
        #expect(throws: PixelDataRefusal.self) { try PixelDataRebuilder.rebuild(&fragments, transferSyntax: .explicitVRLittleEndian) }
    }

    @Test func encapsulatedUncompressedFramesAreCutAndCleaned() throws {
        var ds = F.image(rows: 2, columns: 3, bitsAllocated: 16, bitsStored: 12, frames: 2)
        let frame1 = F.noise(12, seed: 51).enumerated().map { $0.offset % 2 == 1 ? $0.element & 0x0F : $0.element }
        let frame2 = F.noise(12, seed: 52)
        ds.set(F.encapsulated([frame1 + Array(F.name.utf8) + [0], frame2]))
        #expect(try PixelDataRebuilder.rebuild(&ds, transferSyntax: .encapsulatedUncompressedExplicitVRLittleEndian) == .rebuilt)
        let items = try F.items(ds)
        #expect(items[1] == frame1)
        #expect(items[2] == frame2.enumerated().map { $0.offset % 2 == 1 ? $0.element & 0x0F : $0.element })
        #expect(items[0] == F.offsetTable([frame1, frame2]))
        var short = F.image(rows: 2, columns: 3, bitsAllocated: 16, bitsStored: 12)
        short.set(F.encapsulated([Array(frame1.prefix(10))]))
        #expect(throws: PixelDataRefusal.self) {
            try PixelDataRebuilder.rebuild(&short, transferSyntax: .encapsulatedUncompressedExplicitVRLittleEndian)
        }
    }

    // MARK: JPEG structure, on a hand-made frame

    /// A minimal baseline frame (8 × 8, one component): its structure is valid; its
    /// entropy-coded bytes are not meant to decode.
    static let dqt = F.segment(0xDB, [0x00] + [UInt8](repeating: 1, count: 64))
    static let sof = F.segment(0xC0, [8, 0, 8, 0, 8, 1, 1, 0x11, 0])
    static let dht = F.segment(0xC4, [0x00, 0, 1] + [UInt8](repeating: 0, count: 14) + [0x05])
    static let sos = F.segment(0xDA, [1, 1, 0x00, 0, 63, 0])
    static let scan: [UInt8] = [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]
    static let frame: [UInt8] = [0xFF, 0xD8] + dqt + sof + dht + sos + scan + [0xFF, 0xD9]

    static func rebuilt(_ frame: [UInt8], ls: Bool = false) throws -> [UInt8] {
        try JPEGFrameRebuilder.rebuild(frame, jpegLS: ls).bytes
    }

    static func refusal(_ frame: [UInt8], ls: Bool = false) throws -> String {
        let error = try #require(throws: PixelDataRefusal.self) { try Self.rebuilt(frame, ls: ls) }
        #expect(!F.hasPlanted(Array(error.reason.utf8)))
        return error.reason
    }

    @Test func theHandMadeFrameIsKeptAsItIs() throws {
        let out = try JPEGFrameRebuilder.rebuild(Self.frame, jpegLS: false)
        #expect(out.verbatimRange == 0..<Self.frame.count)
    }

    @Test func segmentLengthsMustMatchTheirContent() throws {
        let name = Array(F.name.utf8)
        func with(_ segment: [UInt8], replacing old: [UInt8]) -> [UInt8] {
            var f = Self.frame
            let at = (0...(f.count - old.count)).first { f[$0..<($0 + old.count)].elementsEqual(old) }!
            f.replaceSubrange(at..<(at + old.count), with: segment)
            return f
        }
        #expect(try Self.refusal(with(F.segment(0xDB, Array(Self.dqt[4...]) + name), replacing: Self.dqt)).contains("quantization"))
        #expect(try Self.refusal(with(F.segment(0xC0, Array(Self.sof[4...]) + name), replacing: Self.sof)).contains("8 + 3 × 1"))
        #expect(try Self.refusal(with(F.segment(0xC4, Array(Self.dht[4...]) + name), replacing: Self.dht)).contains("Huffman"))
        #expect(try Self.refusal(with(F.segment(0xDA, Array(Self.sos[4...]) + name), replacing: Self.sos)).contains("6 + 2 × 1"))
        #expect(try Self.refusal(with(Self.sos + F.segment(0xDD, [0, 1, 2]), replacing: Self.sos)).contains("restart interval"))
        #expect(try Self.refusal(with(F.segment(0xF8, [1, 0, 1]), replacing: Self.dht), ls: false).contains("preset"))
    }

    @Test func framesThatCannotBeParsedAreRefused() throws {
        let f = Self.frame
        #expect(try Self.refusal(Array(f[2...])).contains("Start of Image"))
        #expect(try Self.refusal(Array(f[..<30])).contains("runs past the end"))
        #expect(try Self.refusal([0xFF, 0xD8] + Self.dqt + Self.sos + Self.scan + [0xFF, 0xD9]).contains("before the frame header"))
        #expect(try Self.refusal([0xFF, 0xD8] + Self.dqt + F.segment(0xC5, Array(Self.sof[4...])) + Array(f[(2 + Self.dqt.count + Self.sof.count)...]))
                    .contains("hierarchical"))
        #expect(try Self.refusal([0xFF, 0xD8] + Self.dqt + Self.sof).contains("before any scan"))
        #expect(try Self.refusal([0xFF, 0xD8] + Self.dqt + [0xFF, 0xD8] + Array(f[2...])).contains("second Start of Image"))
        #expect(try Self.refusal([0xFF, 0xD8] + Self.dqt + [0x47] + Array(f[(2 + Self.dqt.count)...])).contains("outside any marker"))
        #expect(try Self.refusal([0xFF, 0xD8] + F.segment(0xF7, Array(Self.sof[4...])) + Array(f[(2 + Self.sof.count)...]))
                    .contains("coding process"))
    }

    @Test func jpegLSPresetParametersAreCheckedByTheirID() throws {
        let sof55 = F.segment(0xF7, [8, 0, 8, 0, 8, 1, 1, 0x11, 0])
        let base: [UInt8] = [0xFF, 0xD8] + sof55
        let rest: [UInt8] = F.segment(0xDA, [1, 1, 0, 0, 0, 0]) + [0x12, 0xFF, 0x7F, 0x34] + [0xFF, 0xD9]
        let coding = F.segment(0xF8, [1, 0, 255, 0, 3, 0, 7, 0, 21, 0, 64])
        #expect(try Self.rebuilt(base + coding + rest, ls: true) == base + coding + rest)
        // A mapping table is kept when a scan selects it, left out when none does.
        let table = F.segment(0xF8, [2, 1, 2] + [UInt8](repeating: 9, count: 6))
        let mapped = F.segment(0xDA, [1, 1, 1, 0, 0, 0]) + Array(rest[8...])
        #expect(try Self.rebuilt(base + table + mapped, ls: true) == base + table + mapped)
        #expect(try Self.rebuilt(base + table + rest, ls: true) == base + rest)
        #expect(try Self.refusal(base + F.segment(0xF8, [1, 0, 255] + Array(F.mrn.utf8)) + rest, ls: true).contains("preset coding"))
        #expect(try Self.refusal(base + F.segment(0xF8, [2, 1, 2, 9, 9, 9]) + rest, ls: true).contains("mapping table"))
        #expect(try Self.refusal(base + F.segment(0xF8, [9, 1]) + rest, ls: true).contains("type 9"))
    }

    @Test func jpegLSDataBytesAfterFFBelow80AreNotMarkers() throws {
        // FF 7F and FF 00 inside a JPEG-LS scan are data: the scan runs to FF D9.
        let frame: [UInt8] = [0xFF, 0xD8] + F.segment(0xF7, [8, 0, 8, 0, 8, 1, 1, 0x11, 0]) + F.segment(0xDA, [1, 1, 0, 0, 0, 0])
            + [0xFF, 0x7F, 0xFF, 0x00, 0xFF, 0x10, 0x20] + [0xFF, 0xD9] + Array(F.name.utf8)
        #expect(try Self.rebuilt(frame, ls: true) == Array(frame.dropLast(F.name.utf8.count)))
    }
}

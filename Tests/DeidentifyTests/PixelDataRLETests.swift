import DICOMCore
import DICOMFile
@testable import Deidentify
import Foundation
import Testing

/// RLE Lossless frames made by dcmcrle with the name and MRN planted in the header's unused
/// offsets, in bytes past what a segment decodes to, and after the last segment; after the
/// rebuild no output byte holds either, and dcmdrle and pydicom decode the output to the
/// native pixels that were compressed.
@Suite struct PixelDataRLETests {
    typealias F = PixelDataFixture

    /// A frame's segments, by its header.
    static func segments(_ frame: [UInt8]) -> [[UInt8]] {
        func le32(_ i: Int) -> Int { Int(frame[i]) | Int(frame[i + 1]) << 8 | Int(frame[i + 2]) << 16 | Int(frame[i + 3]) << 24 }
        let count = le32(0)
        let offsets = (0..<count).map { le32(4 + 4 * $0) } + [frame.count]
        return (0..<count).map { Array(frame[offsets[$0]..<offsets[$0 + 1]]) }
    }

    /// A frame of these segments; `unused` fills the header after the offsets.
    static func frame(_ segments: [[UInt8]], unused: [UInt8] = []) -> [UInt8] {
        var header = F.le32(segments.count), at = 64
        for s in segments {
            header += F.le32(at)
            at += s.count
        }
        header += unused
        header += [UInt8](repeating: 0, count: 64 - header.count)
        return header + segments.flatMap { $0 }
    }

    static func rleSource(_ dir: String) throws -> (DataSet, [[UInt8]], [UInt8]) {
        try PixelDataJPEGTests.compressed(dir, "dcmcrle", [])
    }

    static func expectRebuilt(_ ds: DataSet, _ fragments: [[UInt8]], table: [UInt8] = [], in dir: String,
                              expected: [UInt8]) throws -> [[UInt8]] {
        let items = try PixelDataJPEGTests.expectRebuilt(ds, fragments, table: table, .rleLossless, in: dir, decoder: "dcmdrle",
                                                         expected: expected)
        let script = """
        import sys, pydicom
        sys.stdout.buffer.write(pydicom.dcmread(sys.argv[1]).pixel_array.astype('<u2').tobytes())
        """
        let decoded = try PixelDataTools.run(try PixelDataTools.python(), ["-c", script, dir + "/rebuilt.dcm"])
        let equal = F.same(decoded, expected)
        #expect(equal, "pydicom does not decode the rebuilt file to the same pixels")
        return items
    }

    @Test func textInTheHeaderPastASegmentAndAfterTheLastIsRemoved() throws {
        let dir = try F.temporaryDirectory("rle-plant")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (ds, frames, pixels) = try Self.rleSource(dir)
        let name = Array(F.name.utf8), mrn = Array(F.mrn.utf8)
        let planted = frames.enumerated().map { k, frame -> [UInt8] in
            var s = Self.segments(frame)
            switch k {
            case 0: return Self.frame(s, unused: mrn + name) + name   // unused offsets; after the last segment
            case 1:
                s[0] += [UInt8(name.count - 1)] + name + [0x80, 0x80]   // a literal run past the segment's bytes
                return Self.frame(s)
            default:
                s[1] += mrn   // after the last segment's bytes, inside its range
                return Self.frame(s)
            }
        }
        let items = try Self.expectRebuilt(ds, planted, table: F.offsetTable(planted), in: dir, expected: pixels)
        for (k, frame) in items.dropFirst().enumerated() {
            let equal = F.same(frame, F.padded(frames[k]))
            #expect(equal, "frame \(k + 1) is not dcmcrle's again")
        }
    }

    /// `segment` with its last packet made to decode `extra` more bytes: a literal run carrying
    /// the name, or a longer replicate run followed by a literal run of the name.
    static func overrunning(_ segment: [UInt8], by extra: Int) -> [UInt8] {
        var p = 0, last = 0
        while p < segment.count {
            let h = Int(segment[p])
            let size = h < 128 ? 2 + h : (h > 128 ? 2 : 1)
            if p + size > segment.count { break }   // a zero that pads the segment
            last = p
            p += size
        }
        var out = segment
        let h = Int(segment[last]), name = Array(F.name.utf8.prefix(extra))
        if h < 128 && h + 1 + extra <= 128 {
            out[last] = UInt8(h + extra)
            out.insert(contentsOf: name, at: last + 2 + h)
        } else if h > 128 && 257 - h + extra <= 128 {
            out[last] = UInt8(h - extra)
            out += [UInt8(name.count - 1)] + name
        } else {
            out += [UInt8(name.count - 1)] + name
        }
        return out
    }

    @Test func aRunReachingPastTheSegmentIsShortened() throws {
        let dir = try F.temporaryDirectory("rle-run")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (ds, frames, pixels) = try Self.rleSource(dir)
        // The last packet of every segment decodes past Rows × Columns.
        let planted = frames.map { Self.frame(Self.segments($0).map { Self.overrunning($0, by: F.name.utf8.count) }) }
        let items = try Self.expectRebuilt(ds, planted + [Array(F.mrn.utf8)], table: F.offsetTable(planted), in: dir,
                                           expected: pixels)
        for (k, frame) in items.dropFirst().enumerated() {
            let equal = F.same(frame, F.padded(frames[k]))
            #expect(equal, "frame \(k + 1) is not dcmcrle's again")
        }
    }

    @Test func aFragmentBelongingToNoFrameIsDropped() throws {
        let dir = try F.temporaryDirectory("rle-stray")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (ds, frames, pixels) = try Self.rleSource(dir)
        let items = try Self.expectRebuilt(ds, frames + [Array(F.name.utf8) + [0]], table: F.offsetTable(frames), in: dir,
                                           expected: pixels)
        #expect(items.count == 4)
    }

    @Test func malformedFramesAreRefused() throws {
        let dir = try F.temporaryDirectory("rle-refuse")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (ds, frames, _) = try Self.rleSource(dir)
        func refusal(_ frame: [UInt8]) throws -> String {
            var planted = ds
            planted.set(F.encapsulated([frames[0], frame, frames[2]], table: F.offsetTable([frames[0], frame, frames[2]])))
            let error = try #require(throws: PixelDataRefusal.self) {
                try PixelDataRebuilder.rebuild(&planted, transferSyntax: .rleLossless)
            }
            #expect(error.reason.hasPrefix("frame 2 of 3: RLE: "))
            return error.reason
        }
        let s = Self.segments(frames[1])
        #expect(try refusal(Self.frame([s[0], Array(s[1].dropLast(40))])).contains("segment 2 ends"))
        #expect(try refusal(Self.frame([s[0]])).contains("not the 2"))
        var reversed = frames[1]
        reversed.replaceSubrange(8..<12, with: F.le32(40))
        #expect(try refusal(reversed).contains("not ascending"))
    }

    @Test func colourFramesOfThreeSegmentsDecodeToTheSamePixels() throws {
        let dir = try F.temporaryDirectory("rle-rgb")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var ds = F.image(rows: 20, columns: 31, samples: 3, bitsAllocated: 8, bitsStored: 8, photometric: "RGB")
        let pixels = F.noise(20 * 31 * 3, seed: 41).enumerated().map { UInt8(truncatingIfNeeded: $0.offset / 7) | ($0.element & 0x03) }
        ds.set(DataElement(tag: .pixelData, vr: .OB, bytes: pixels))
        try F.write(ds, .explicitVRLittleEndian, to: dir + "/rgb.dcm")
        try PixelDataTools.run("dcmcrle", [dir + "/rgb.dcm", dir + "/rgb-rle.dcm"])
        let file = try F.read(dir + "/rgb-rle.dcm")
        let frame = try F.items(file.dataSet)[1]
        #expect(Self.segments(frame).count == 3)
        let planted = Self.frame(Self.segments(frame), unused: Array(F.mrn.utf8) + Array(F.name.utf8))
        var input = file.dataSet
        input.set(F.encapsulated([planted]))
        try F.write(input, .rleLossless, to: dir + "/planted.dcm")
        #expect(F.hasPlanted(try F.fileBytes(dir + "/planted.dcm")))
        #expect(try F.rebuildFile(dir + "/planted.dcm", to: dir + "/rebuilt.dcm") == .rebuilt)
        #expect(!F.hasPlanted(try F.fileBytes(dir + "/rebuilt.dcm")))
        try PixelDataTools.run("dcmdrle", [dir + "/rebuilt.dcm", dir + "/decoded.dcm"])
        let equal = F.same(try F.pixelData(dir + "/decoded.dcm"), pixels)
        #expect(equal)
    }
}

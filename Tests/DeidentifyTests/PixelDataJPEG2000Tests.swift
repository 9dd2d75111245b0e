import DICOMCore
import DICOMFile
@testable import Deidentify
import Foundation
import Testing

/// JPEG 2000 codestreams and JP2 files made by OpenJPEG's opj_compress, with the name and MRN
/// planted in comments (main and tile-part headers), a JP2 `xml ` box, a TLM segment and after
/// EOC; after the rebuild no output byte holds either, and opj_decompress decodes every frame
/// to the picture that was encoded (lossless).
@Suite struct PixelDataJPEG2000Tests {
    typealias F = PixelDataFixture

    static let rows = 45, columns = 67

    /// A grayscale picture as a PGM file (8-bit, or 12-bit in 16-bit big-endian samples);
    /// answers its samples as DICOM stores them (little endian).
    static func writePGM(_ path: String, seed: UInt32, bits: Int = 8) throws -> [UInt8] {
        let noise = F.noise(rows * columns, seed: seed)
        let max = (1 << bits) - 1
        let values = (0..<(rows * columns)).map { i in ((i % columns) * 37 + (i / columns) * 11 + Int(noise[i])) & max }
        let body: [UInt8] = bits == 8 ? values.map { UInt8($0) } : values.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        try Data(Array("P5\n\(columns) \(rows)\n\(max)\n".utf8) + body).write(to: URL(fileURLWithPath: path))
        return bits == 8 ? body : values.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    }

    /// The samples of a PGM file opj_decompress wrote, as DICOM stores them.
    static func readPGM(_ path: String) throws -> [UInt8] {
        let b = try F.fileBytes(path)
        var fields: [String] = [], i = 2, field = ""
        while fields.count < 3 && i < b.count {
            let c = b[i]
            if c == 0x23 && field.isEmpty {   // a comment, to the end of the line
                while i < b.count && b[i] != 0x0A { i += 1 }
                i += 1
                continue
            }
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 {
                if !field.isEmpty { fields.append(field); field = "" }
            } else {
                field.append(Character(UnicodeScalar(c)))
            }
            i += 1
        }
        let body = Array(b[i...])
        guard fields.count == 3, let max = Int(fields[2]) else { return [] }
        if max < 256 { return body }
        return stride(from: 0, to: body.count - 1, by: 2).flatMap { [body[$0 + 1], body[$0]] }
    }

    /// A codestream (or, `jp2`, a JP2 file) of a picture made by opj_compress with `options`,
    /// and the picture's samples.
    static func encode(_ dir: String, _ options: [String] = [], jp2: Bool = false, seed: UInt32 = 21,
                       bits: Int = 8) throws -> ([UInt8], [UInt8]) {
        let pixels = try writePGM(dir + "/g\(seed).pgm", seed: seed, bits: bits)
        let out = dir + "/g\(seed)" + (jp2 ? ".jp2" : ".j2k")
        try PixelDataTools.run("opj_compress", ["-i", dir + "/g\(seed).pgm", "-o", out] + options)
        return (try F.fileBytes(out), pixels)
    }

    static func image(frames: Int? = nil, bits: Int = 8) -> DataSet {
        F.image(rows: rows, columns: columns, bitsAllocated: bits == 8 ? 8 : 16, bitsStored: bits, frames: frames)
    }

    /// Plants, rebuilds, checks no planted value is left and that opj_decompress decodes frame
    /// k of the output to `expected[k]`. Answers the rebuilt frames.
    @discardableResult
    static func expectRebuilt(_ ds: DataSet, _ fragments: [[UInt8]], table: [UInt8] = [], in dir: String,
                              expected: [[UInt8]], ts: TransferSyntax = .jpeg2000Lossless) throws -> [[UInt8]] {
        var planted = ds
        planted.set(F.encapsulated(fragments, table: table))
        let input = dir + "/planted.dcm", output = dir + "/rebuilt.dcm"
        try F.write(planted, ts, to: input)
        #expect(F.hasPlanted(try F.fileBytes(input)), "the test planted nothing")
        #expect(try F.rebuildFile(input, to: output) == .rebuilt)
        #expect(!F.hasPlanted(try F.fileBytes(output)), "a planted value is still in the output")
        let frames = Array(try F.items(output).dropFirst())
        #expect(frames.count == expected.count)
        for (k, frame) in frames.enumerated() {
            #expect(frame.starts(with: [0xFF, 0x4F, 0xFF, 0x51]), "frame \(k + 1) is not a bare codestream")
            try Data(frame).write(to: URL(fileURLWithPath: dir + "/frame\(k).j2k"))
            try PixelDataTools.run("opj_decompress", ["-i", dir + "/frame\(k).j2k", "-o", dir + "/frame\(k).pgm"])
            if k < expected.count {
                let equal = F.same(try readPGM(dir + "/frame\(k).pgm"), expected[k])
                #expect(equal, "frame \(k + 1) does not decode to the picture")
            }
        }
        return frames
    }

    /// The codestream without the comments of its main header (OpenJPEG writes one).
    /// The codestream as the rebuilder writes it: COM and PLM left out of the main header, COM
    /// and PLT out of each tile-part header (Psot recomputed).
    static func withoutComments(_ b: [UInt8]) -> [UInt8] {
        func be16(_ i: Int) -> Int { Int(b[i]) << 8 | Int(b[i + 1]) }
        var out = Array(b[..<2]), p = 2
        while p + 4 <= b.count && b[p] == 0xFF && b[p + 1] != 0x90 {
            let end = p + 2 + be16(p + 2)
            if b[p + 1] != 0x64 && b[p + 1] != 0x57 { out += b[p..<end] }
            p = end
        }
        while p + 12 <= b.count && b[p] == 0xFF && b[p + 1] == 0x90 {
            let psot = be16(p + 6) << 16 | be16(p + 8)
            let tileEnd = psot == 0 ? b.count - 2 : p + psot
            var header: [UInt8] = [], q = p + 12
            while b[q + 1] != 0x93 {
                let end = q + 2 + be16(q + 2)
                if b[q + 1] != 0x64 && b[q + 1] != 0x58 { header += b[q..<end] }
                q = end
            }
            var sot = Array(b[p..<(p + 12)])
            setPsot(&sot, at: 0, 12 + header.count + (tileEnd - q))
            out += sot + header + b[q..<tileEnd]
            p = tileEnd
        }
        return out + b[p...]
    }

    /// Where each tile-part starts, and its Psot.
    static func tileParts(_ b: [UInt8]) -> [(offset: Int, psot: Int)] {
        var p = 2, found: [(Int, Int)] = []
        while p + 4 <= b.count && b[p] == 0xFF {
            if b[p + 1] == 0xD9 { break }
            if b[p + 1] == 0x90 {
                let psot = Int(b[p + 6]) << 24 | Int(b[p + 7]) << 16 | Int(b[p + 8]) << 8 | Int(b[p + 9])
                found.append((p, psot))
                p += psot
            } else {
                p += 2 + (Int(b[p + 2]) << 8 | Int(b[p + 3]))
            }
        }
        return found
    }

    static func setPsot(_ b: inout [UInt8], at sot: Int, _ psot: Int) {
        for k in 0..<4 { b[sot + 6 + k] = UInt8(truncatingIfNeeded: psot >> (24 - 8 * k)) }
    }

    // MARK: hiding places

    @Test func aCommentInTheMainHeaderIsRemoved() throws {
        let dir = try F.temporaryDirectory("j2k-com")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (codestream, pixels) = try Self.encode(dir, ["-C", F.name])
        try Self.expectRebuilt(Self.image(), [codestream], in: dir, expected: [pixels])
    }

    @Test func commentsInTilePartHeadersAreRemovedAndPsotRecomputed() throws {
        let dir = try F.temporaryDirectory("j2k-tilepart")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (codestream, pixels) = try Self.encode(dir, ["-t", "32,32", "-TP", "R", "-PLT", "-SOP", "-EPH"])
        var planted = codestream
        // A comment in the header of every second tile-part, from the last back.
        for (i, part) in Self.tileParts(codestream).enumerated().reversed() where i % 2 == 1 {
            let com = F.segment(0x64, [0, 1] + Array((i % 4 == 1 ? F.name : F.mrn).utf8))
            planted.insert(contentsOf: com, at: part.offset + 12)
            Self.setPsot(&planted, at: part.offset, part.psot + com.count)
        }
        let frames = try Self.expectRebuilt(Self.image(), [planted], in: dir, expected: [pixels])
        let equal = F.same(frames[0], F.padded(Self.withoutComments(codestream)))
        #expect(equal)   // what opj_compress wrote, but its comment
    }

    @Test func aJP2FileIsCutToItsCodestreamWithoutItsXMLBox() throws {
        let dir = try F.temporaryDirectory("j2k-jp2")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (jp2, pixels) = try Self.encode(dir, [], jp2: true)
        let (codestream, _) = try Self.encode(dir, [])
        let jp2c = try #require(F.contains(jp2, Array("jp2c".utf8)) ? (0..<(jp2.count - 3)).first {
            jp2[$0..<($0 + 4)].elementsEqual(Array("jp2c".utf8))
        } : nil)
        let xml = Array("<patient>\(F.name)</patient>".utf8)
        let box = F.be32(8 + xml.count) + Array("xml ".utf8) + xml
        let planted = Self.inserting(box, into: jp2, at: jp2c - 4) + Array(F.mrn.utf8)
        let frames = try Self.expectRebuilt(Self.image(), [planted], in: dir, expected: [pixels], ts: .jpeg2000)
        let equal = F.same(frames[0], F.padded(Self.withoutComments(codestream)))
        #expect(equal)
    }

    @Test func bytesAfterEOCAndATLMSegmentAreRemoved() throws {
        let dir = try F.temporaryDirectory("j2k-eoc")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (codestream, pixels) = try Self.encode(dir, ["-t", "32,32", "-TLM"])
        let (plain, _) = try Self.encode(dir, ["-t", "32,32"])
        // A second TLM carrying the name as tile-part lengths, after SIZ.
        let tlm = F.segment(0x55, [1, 0x60] + Array(F.name.utf8.prefix(16)))
        let siz = 2 + 2 + (Int(codestream[4]) << 8 | Int(codestream[5]))
        let planted = Self.inserting(tlm, into: codestream, at: siz) + Array(F.mrn.utf8)
        let frames = try Self.expectRebuilt(Self.image(), [planted], in: dir, expected: [pixels])
        let equal = F.same(frames[0], F.padded(Self.withoutComments(plain)))
        #expect(equal)
    }

    @Test func aLastTilePartRunningToEOCIsMeasured() throws {
        let dir = try F.temporaryDirectory("j2k-psot0")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (codestream, pixels) = try Self.encode(dir, ["-t", "32,32"])
        var planted = codestream
        let last = try #require(Self.tileParts(codestream).last)
        Self.setPsot(&planted, at: last.offset, 0)
        planted += Array(F.name.utf8)   // after EOC
        let frames = try Self.expectRebuilt(Self.image(), [planted], in: dir, expected: [pixels])
        let equal = F.same(frames[0], F.padded(Self.withoutComments(codestream)))
        #expect(equal)
    }

    @Test func aCodestreamWithoutEOCGetsOne() throws {
        let dir = try F.temporaryDirectory("j2k-noeoc")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (codestream, pixels) = try Self.encode(dir, ["-t", "32,32", "-C", F.name])
        let cut = Array(codestream.dropLast(2))
        let frames = try Self.expectRebuilt(Self.image(), [cut.count % 2 == 1 ? cut + [0] : cut], in: dir, expected: [pixels])
        let equal = F.same(frames[0], F.padded(Self.withoutComments(codestream)))
        #expect(equal)
    }

    @Test func twelveBitSamplesDecodeToTheSamePicture() throws {
        let dir = try F.temporaryDirectory("j2k-12bit")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (codestream, pixels) = try Self.encode(dir, ["-C", F.mrn], bits: 12)
        try Self.expectRebuilt(Self.image(bits: 12), [codestream + Array(F.name.utf8)], in: dir, expected: [pixels])
    }

    @Test func framesFoundByTheirStartsWithAStrayFragment() throws {
        let dir = try F.temporaryDirectory("j2k-frames")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (first, pixels1) = try Self.encode(dir, ["-C", F.name], seed: 31)
        let (second, pixels2) = try Self.encode(dir, [], seed: 32)
        // Frame 2 in two fragments, then a fragment that is no codestream; no offset table.
        let fragments = [first, Array(second[..<50]), Array(second[50...]), Array(F.mrn.utf8)]
        try Self.expectRebuilt(Self.image(frames: 2), fragments, in: dir, expected: [pixels1, pixels2])
    }

    @Test func irreversibleCodestreamsDecodeAsBefore() throws {
        let dir = try F.temporaryDirectory("j2k-lossy")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (codestream, _) = try Self.encode(dir, ["-I", "-r", "8", "-C", F.name])
        try Data(codestream).write(to: URL(fileURLWithPath: dir + "/lossy.j2k"))
        try PixelDataTools.run("opj_decompress", ["-i", dir + "/lossy.j2k", "-o", dir + "/lossy.pgm"])
        try Self.expectRebuilt(Self.image(), [codestream], in: dir, expected: [try Self.readPGM(dir + "/lossy.pgm")],
                               ts: .jpeg2000)
    }

    /// No HTJ2K encoder is at hand (OpenJPEG 2.5 decodes HTJ2K but does not write it): the
    /// markers HTJ2K adds to the main header, CAP and CPF, are checked on a Part 1 codestream.
    @Test func theCapabilitiesAndProfileSegmentsOfHTJ2KAreKept() throws {
        let dir = try F.temporaryDirectory("j2k-cap")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (codestream, _) = try Self.encode(dir, [])
        let siz = 4 + (Int(codestream[4]) << 8 | Int(codestream[5]))
        let cap = F.segment(0x50, F.be32(0x0002_0000) + [0x00, 0x00])   // Part 15, one Ccap
        let cpf = F.segment(0x59, [0x00, 0x10])
        let clean = Self.inserting(cap + cpf, into: Self.withoutComments(codestream), at: siz)
        var ds = Self.image()
        ds.set(F.encapsulated([Self.inserting(cap + cpf, into: codestream, at: siz)]))
        #expect(try PixelDataRebuilder.rebuild(&ds, transferSyntax: .htj2KLossless) == .rebuilt)
        let equal = F.same(try F.items(ds)[1], clean)
        #expect(equal)
        let wrongCAP = F.segment(0x50, F.be32(0x0002_0001) + [0x00, 0x00])   // two capabilities, one Ccap
        ds.set(F.encapsulated([Self.inserting(wrongCAP, into: codestream, at: siz)]))
        let refusal = try #require(throws: PixelDataRefusal.self) { try PixelDataRebuilder.rebuild(&ds, transferSyntax: .htj2K) }
        #expect(refusal.reason.contains("FF50"))
    }

    @Test func part2MarkersAreKeptOnlyInPart2Syntaxes() throws {
        let dir = try F.temporaryDirectory("j2k-part2")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (codestream, _) = try Self.encode(dir, [])
        let siz = 4 + (Int(codestream[4]) << 8 | Int(codestream[5]))
        let mct = F.segment(0x74, [0, 0, 0, 0, 0x01, 0x02])
        var ds = Self.image()
        ds.set(F.encapsulated([Self.inserting(mct, into: Self.withoutComments(codestream), at: siz)]))
        var part2 = ds
        #expect(try PixelDataRebuilder.rebuild(&part2, transferSyntax: .jpeg2000MCLossless) == .kept)
        let refusal = try #require(throws: PixelDataRefusal.self) {
            try PixelDataRebuilder.rebuild(&ds, transferSyntax: .jpeg2000Lossless)
        }
        #expect(refusal.reason.contains("Part 2"))
    }

    // MARK: refusals

    @Test func segmentsThatDoNotMatchTheirLayoutAreRefused() throws {
        let dir = try F.temporaryDirectory("j2k-refuse")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (codestream, _) = try Self.encode(dir, [])
        func refusal(_ frame: [UInt8]) throws -> String {
            var ds = Self.image()
            ds.set(F.encapsulated([frame]))
            let error = try #require(throws: PixelDataRefusal.self) {
                try PixelDataRebuilder.rebuild(&ds, transferSyntax: .jpeg2000Lossless)
            }
            #expect(!F.hasPlanted(Array(error.reason.utf8)))
            return error.reason
        }
        // An unknown marker segment in the main header carrying the name.
        let siz = 4 + (Int(codestream[4]) << 8 | Int(codestream[5]))
        #expect(try refusal(Self.inserting(F.segment(0x6F, Array(F.name.utf8)), into: codestream, at: siz)).contains("FF6F"))
        // SIZ one byte longer than its components need.
        var longSIZ = codestream
        longSIZ[5] += 1
        longSIZ.insert(0, at: siz)
        #expect(try refusal(longSIZ).contains("FF51"))
        // A tile-part longer than the codestream.
        var longTile = codestream
        let part = try #require(Self.tileParts(codestream).first)
        Self.setPsot(&longTile, at: part.offset, codestream.count)
        #expect(try refusal(longTile).contains("runs past"))
        // A COC for a component the image does not have; a second COD.
        let coc = F.segment(0x53, [5, 0, 5, 4, 4, 0, 1])
        #expect(try refusal(Self.inserting(coc, into: codestream, at: siz)).contains("component 5 of 1"))
        let cod = Array(codestream[siz..<(siz + 14)])
        try #require(cod.starts(with: [0xFF, 0x52]))
        #expect(try refusal(Self.inserting(cod, into: codestream, at: siz)).contains("a second segment FF52"))
        // Not a codestream at all.
        #expect(try refusal(Array(F.name.utf8)).hasPrefix("frame 1 of 1: JPEG 2000"))
    }

    static func inserting(_ inserted: [UInt8], into b: [UInt8], at offset: Int) -> [UInt8] {
        Array(b[..<offset]) + inserted + Array(b[offset...])
    }
}

import DICOMCore
import DICOMFile
@testable import Deidentify
import Foundation
import Testing
import TestSupport

/// Codestreams from real encoders (dcmtk's dcmcjpeg, dcmcjpls, dcmcrle; OpenJPEG's
/// opj_compress) walk and pass as they come; the same codestreams with a name put into a
/// marker segment or box are refused. A missing encoder fails the test (scripts/setup installs
/// them).
@Suite struct PHIGateEncoderTests {
    typealias F = PHIGateFixture
    let gate = PHIGateFixture.gate
    let folder: String

    init() throws { folder = try F.folder() }

    /// The clean copy (64 × 64, signed 12-bit), encoded by a dcmtk tool, read back.
    func dcmtk(_ tool: String, _ options: [String] = []) throws -> Part10File {
        let input = folder + "/native-\(UUID().uuidString).dcm", output = folder + "/\(tool)-\(UUID().uuidString).dcm"
        try Part10Writer.write(Part10File(dataSet: F.clean(rows: 64, columns: 64), transferSyntax: .explicitVRLittleEndian), to: input)
        try ExternalTools.run(tool, options + [input, output])
        var file = try Part10File.read(path: output)
        file.dataSet = try Deidentifier.loadingText(file.dataSet)
        return file
    }

    /// The file's frames (fragments after the offset table, one frame each here).
    static func frames(_ ds: DataSet) -> [[UInt8]] {
        guard case .fragments(let items)? = ds[.pixelData]?.value else { return [] }
        return items.dropFirst().compactMap { try? $0.load() }
    }

    func withFrame(_ file: Part10File, _ frame: [UInt8]) -> DataSet {
        var ds = file.dataSet
        let padded = frame.count % 2 == 1 ? frame + [0] : frame
        ds.set(DataElement(tag: .pixelData, vr: .OB, value: .fragments([.inline([]), .inline(padded)]), hasUndefinedLength: true))
        return ds
    }

    static func comment(_ text: String) -> [UInt8] {
        let body = Array(text.utf8)
        return [0xFF, 0xFE, UInt8((body.count + 2) >> 8), UInt8((body.count + 2) & 0xFF)] + body
    }

    /// The frame with a COM after SOI and, separately, before EOI (after the last scan).
    func jpegHidingPlaces(_ frame: [UInt8]) -> [(String, [UInt8])] {
        var trimmed = frame
        while trimmed.last == 0 { trimmed.removeLast() }   // the fragment's padding
        let eoi = trimmed.count - 2
        precondition(trimmed[eoi] == 0xFF && trimmed[eoi + 1] == 0xD9, "the encoder's frame does not end with EOI")
        var afterSOI = trimmed, beforeEOI = trimmed, afterEOI = trimmed
        afterSOI.insert(contentsOf: PHIGateEncoderTests.comment("Simpson^Homer"), at: 2)
        beforeEOI.insert(contentsOf: PHIGateEncoderTests.comment("MRN 4455-6677"), at: eoi)
        afterEOI += Array("Hibbert".utf8)
        return [("a COM after SOI", afterSOI), ("a COM after the last scan", beforeEOI), ("bytes after EOI", afterEOI)]
    }

    @Test(arguments: [
        ("dcmcjpeg", [String](), TransferSyntax.jpegLosslessSV1),
        ("dcmcjpeg", ["+ee"], TransferSyntax.jpegExtended12Bit),
        ("dcmcjpeg", ["+el"], TransferSyntax.jpegLossless),
        ("dcmcjpls", [String](), TransferSyntax.jpeglsLossless),
    ])
    func jpegAndJPEGLSFromDcmtk(_ tool: String, _ options: [String], _ expected: TransferSyntax) throws {
        let file = try dcmtk(tool, options)
        #expect(file.transferSyntax == expected)
        let frame = try #require(PHIGateEncoderTests.frames(file.dataSet).first)
        #expect(try F.verdict(gate, file.dataSet, transferSyntax: file.transferSyntax) == nil, "\(tool) \(options)")
        for (place, leaky) in jpegHidingPlaces(frame) {
            let hit = try F.verdict(gate, withFrame(file, leaky), transferSyntax: file.transferSyntax)
            #expect(hit?.location == "Pixel Data fragment 1" && hit?.kind != "unchecked", "\(tool) \(options), \(place): \(String(describing: hit))")
        }
        // The encoder's frame as it is, put back by the project's writer: still passes.
        #expect(try F.verdict(gate, withFrame(file, frame), transferSyntax: file.transferSyntax) == nil)
    }

    @Test func rleFromDcmtk() throws {
        let file = try dcmtk("dcmcrle")
        #expect(file.transferSyntax == .rleLossless)
        #expect(try F.verdict(gate, file.dataSet, transferSyntax: .rleLossless) == nil)
        var frame = try #require(PHIGateEncoderTests.frames(file.dataSet).first)
        frame.replaceSubrange(40..<52, with: Array("SIMPSONHOMER".utf8))   // in the header's unused offsets
        #expect(try F.verdict(gate, withFrame(file, frame), transferSyntax: .rleLossless)?.kind == "unchecked")
    }

    /// 64 × 64 unsigned 12-bit samples as a 16-bit PGM, and the clean copy described to match.
    func pgm() throws -> (String, DataSet) {
        let samples = F.samples(64 * 64, bitsStored: 12, signed: false)
        var body: [UInt8] = []
        for k in stride(from: 0, to: samples.count, by: 2) { body += [samples[k + 1], samples[k]] }   // big endian
        let path = folder + "/\(UUID().uuidString).pgm"
        try Data(Array("P5\n64 64\n4095\n".utf8) + body).write(to: URL(fileURLWithPath: path))
        var ds = F.clean(rows: 64, columns: 64)
        for e in F.pixelModule(rows: 64, columns: 64, bitsStored: 12, signed: false) { ds.set(e) }
        return (path, ds)
    }

    func openJPEG(_ suffix: String, _ options: [String]) throws -> (DataSet, [UInt8]) {
        let (input, ds) = try pgm()
        let output = folder + "/\(UUID().uuidString).\(suffix)"
        try ExternalTools.run("opj_compress", ["-i", input, "-o", output] + options)
        return (ds, Array(try Data(contentsOf: URL(fileURLWithPath: output))))
    }

    func encapsulated(_ ds: DataSet, _ frame: [UInt8]) -> DataSet {
        F.with(ds, DataElement(tag: .pixelData, vr: .OB, value: .fragments([.inline([]), .inline(frame.count % 2 == 1 ? frame + [0] : frame)]),
                               hasUndefinedLength: true))
    }

    static func be32(_ b: [UInt8], _ i: Int) -> Int { Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3]) }

    /// A COM marker segment (Rcom 1: Latin text).
    static func j2kComment(_ text: String) -> [UInt8] {
        let body: [UInt8] = [0, 1] + Array(text.utf8)
        return [0xFF, 0x64, UInt8((body.count + 2) >> 8), UInt8((body.count + 2) & 0xFF)] + body
    }

    /// The codestream with a COM in its first tile-part header (Psot grown to match).
    static func commentInTilePart(_ cs: [UInt8], at start: Int, _ text: String) -> [UInt8] {
        var out = cs
        var sot = start
        while !(out[sot] == 0xFF && out[sot + 1] == 0x90) { sot += 1 }
        let com = j2kComment(text)
        let psot = be32(out, sot + 6) + com.count
        out.replaceSubrange((sot + 6)..<(sot + 10), with: [UInt8(psot >> 24), UInt8(psot >> 16 & 0xFF), UInt8(psot >> 8 & 0xFF), UInt8(psot & 0xFF)])
        out.insert(contentsOf: com, at: sot + 12)
        return out
    }

    @Test(arguments: [[String](), ["-t", "32,32", "-SOP", "-EPH"], ["-r", "20,10,1", "-n", "3"]])
    func jpeg2000CodestreamsFromOpenJPEG(_ options: [String]) throws {
        let (ds, cs) = try openJPEG("j2k", options)
        #expect(cs.prefix(2) == [0xFF, 0x4F])
        let ts = TransferSyntax.jpeg2000Lossless
        #expect(try F.verdict(gate, encapsulated(ds, cs), transferSyntax: ts) == nil, "\(options)")
        // A COM in the main header (after SIZ) and one in a tile-part header.
        var main = cs
        let sizEnd = 4 + (Int(cs[4]) << 8 | Int(cs[5]))
        main.insert(contentsOf: PHIGateEncoderTests.j2kComment("Simpson Homer"), at: sizEnd)
        #expect(try F.verdict(gate, encapsulated(ds, main), transferSyntax: ts)?.attribute == "PatientName")
        let tile = PHIGateEncoderTests.commentInTilePart(cs, at: sizEnd, "Hibbert")
        #expect(try F.verdict(gate, encapsulated(ds, tile), transferSyntax: ts)?.attribute == "ReferringPhysicianName")
        #expect(try F.verdict(gate, encapsulated(ds, cs + Array("Evergreen".utf8)), transferSyntax: ts)?.attribute == "PatientAddress")
    }

    @Test func jp2FilesFromOpenJPEG() throws {
        let (ds, jp2) = try openJPEG("jp2", ["-t", "32,32"])
        let ts = TransferSyntax.jpeg2000Lossless
        #expect(try F.verdict(gate, encapsulated(ds, jp2), transferSyntax: ts) == nil)
        // An xml box before the codestream box.
        var jp2c = 0
        while PHIGateEncoderTests.be32(jp2, jp2c + 4) != 0x6A70_3263 { jp2c += PHIGateEncoderTests.be32(jp2, jp2c) }
        let xml = Array("<?xml version=\"1.0\"?><p>Simpson, Homer</p>".utf8)
        let n = xml.count + 8
        var leaky = jp2
        leaky.insert(contentsOf: [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + Array("xml ".utf8) + xml, at: jp2c)
        #expect(try F.verdict(gate, encapsulated(ds, leaky), transferSyntax: ts)?.attribute == "PatientName")
        // A COM in a tile-part header of the codestream inside the box (the box grows with it).
        let inner = Array(jp2[(jp2c + 8)...])
        let tile = PHIGateEncoderTests.commentInTilePart(inner, at: 2, "ACC99887766")
        let m = tile.count + 8
        let leakyTile = Array(jp2[..<jp2c]) + [UInt8(m >> 24), UInt8(m >> 16 & 0xFF), UInt8(m >> 8 & 0xFF), UInt8(m & 0xFF)] + Array("jp2c".utf8) + tile
        #expect(try F.verdict(gate, encapsulated(ds, leakyTile), transferSyntax: ts)?.attribute == "AccessionNumber")
    }
}

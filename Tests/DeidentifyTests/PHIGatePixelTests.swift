import DICOMCore
import DICOMFile
@testable import Deidentify
import Foundation
import Testing

/// Pixel Data, checked with the gate's own walker: native values of exactly their frames'
/// length with no bit outside Bits Stored; encapsulated frames walked by their markers, every
/// byte but entropy-coded data searched. Codestreams here are built by hand around the hiding
/// place (PHIGateEncoderTests uses real encoders).
@Suite struct PHIGatePixelTests {
    typealias F = PHIGateFixture
    let gate = PHIGateFixture.gate

    // MARK: native

    func native(rows: Int, columns: Int, bitsAllocated: Int = 16, bitsStored: Int, signed: Bool, samples: Int = 1,
                photometric: String = "MONOCHROME2", frames: Int? = nil, pixels: [UInt8]) -> DataSet {
        var ds = F.clean()
        for e in F.pixelModule(rows: rows, columns: columns, bitsAllocated: bitsAllocated, bitsStored: bitsStored, signed: signed,
                               samplesPerPixel: samples, photometric: photometric) { ds.set(e) }
        if let frames { ds.set(F.element(.numberOfFrames, .IS, "\(frames)")) }
        ds.set(DataElement(tag: .pixelData, vr: bitsAllocated > 8 ? .OW : .OB, bytes: pixels))
        return ds
    }

    @Test func nativePixelDataMustBeExactlyItsFramesLength() throws {
        let pixels = F.samples(64, bitsStored: 12, signed: true)
        #expect(try F.verdict(gate, native(rows: 8, columns: 8, bitsStored: 12, signed: true, pixels: pixels)) == nil)
        // Text after the last frame: refused, whatever it says.
        let longer = native(rows: 8, columns: 8, bitsStored: 12, signed: true, pixels: pixels + Array("SIMPSON HOMER ".utf8))
        let hit = try F.verdict(gate, longer)
        #expect(hit?.attribute == "Pixel Data" && hit?.kind == "unchecked" && hit?.location == "Pixel Data")
        #expect(try F.verdict(gate, native(rows: 8, columns: 8, bitsStored: 12, signed: true, pixels: Array(pixels.dropLast(2)))) != nil)
        // Frames, 8-bit odd lengths (padded), 4:2:2 with 2 samples, 1-bit packed.
        #expect(try F.verdict(gate, native(rows: 8, columns: 8, bitsStored: 12, signed: true, frames: 3,
                                           pixels: F.samples(192, bitsStored: 12, signed: true))) == nil)
        #expect(try F.verdict(gate, native(rows: 3, columns: 3, bitsAllocated: 8, bitsStored: 8, signed: false, pixels: Array(repeating: 7, count: 9) + [0])) == nil)
        #expect(try F.verdict(gate, native(rows: 4, columns: 4, bitsAllocated: 8, bitsStored: 8, signed: false, samples: 3,
                                           photometric: "YBR_FULL_422", pixels: Array(repeating: 9, count: 32))) == nil)
        #expect(try F.verdict(gate, native(rows: 4, columns: 4, bitsAllocated: 8, bitsStored: 8, signed: false, samples: 3,
                                           photometric: "YBR_FULL_422", pixels: Array(repeating: 9, count: 48))) != nil)
        #expect(try F.verdict(gate, native(rows: 5, columns: 5, bitsAllocated: 1, bitsStored: 1, signed: false, frames: 2,
                                           pixels: Array(repeating: 0xFF, count: 7) + [0])) == nil)
    }

    @Test func bitsOutsideBitsStoredAreRefused() throws {
        // Unsigned 12 of 16: "HO" as a sample has bits 12-15 set.
        var unsigned = F.samples(64, bitsStored: 12, signed: false)
        #expect(try F.verdict(gate, native(rows: 8, columns: 8, bitsStored: 12, signed: false, pixels: unsigned)) == nil)
        unsigned.replaceSubrange(40..<48, with: Array("HOMERSIM".utf8))
        let hit = try F.verdict(gate, native(rows: 8, columns: 8, bitsStored: 12, signed: false, pixels: unsigned))
        #expect(hit?.reason == "bits outside Bits Stored are set")
        // Signed: bits above High Bit are its sign extension (0xF800 for -2048) or refused.
        var signed = F.samples(64, bitsStored: 12, signed: true)
        signed.replaceSubrange(0..<2, with: [0x00, 0xF8])
        #expect(try F.verdict(gate, native(rows: 8, columns: 8, bitsStored: 12, signed: true, pixels: signed)) == nil)
        signed.replaceSubrange(0..<2, with: [0x00, 0x48])   // bit 11 clear, bits 12-15 not
        #expect(try F.verdict(gate, native(rows: 8, columns: 8, bitsStored: 12, signed: true, pixels: signed))?.reason
                == "bits above High Bit are not its sign extension")
        // The last sample of an odd count (the tail word) is checked too.
        var tail = F.samples(63, bitsStored: 12, signed: false) + [0, 0]
        tail.replaceSubrange(124..<126, with: [0x41, 0x41])
        #expect(try F.verdict(gate, native(rows: 9, columns: 7, bitsStored: 12, signed: false, pixels: Array(tail.prefix(126)))) != nil)
        // High Bit 15 with Bits Stored 12: the low 4 bits must be 0.
        var high = [UInt8](repeating: 0, count: 128)
        high[1] = 0x10
        var ds = native(rows: 8, columns: 8, bitsStored: 12, signed: false, pixels: high)
        ds.set(F.us(.highBit, 15))
        #expect(try F.verdict(gate, ds) == nil)
        high[0] = 0x01
        ds.set(DataElement(tag: .pixelData, vr: .OW, bytes: high))
        #expect(try F.verdict(gate, ds) != nil)
        // Bits Stored = Bits Allocated: nothing to check, any sample passes.
        #expect(try F.verdict(gate, native(rows: 8, columns: 8, bitsStored: 16, signed: false, pixels: Array(repeating: 0x53, count: 128))) == nil)
    }

    @Test func withoutImagePixelAttributesPixelDataCannotBeChecked() throws {
        var ds = F.clean()
        ds.remove(.bitsStored)
        #expect(try F.verdict(gate, ds)?.reason == "no Bits Stored")
    }

    // MARK: JPEG

    static func segment(_ marker: UInt8, _ body: [UInt8]) -> [UInt8] {
        [0xFF, marker, UInt8((body.count + 2) >> 8), UInt8((body.count + 2) & 0xFF)] + body
    }
    static func comment(_ text: String) -> [UInt8] { segment(0xFE, Array(text.utf8)) }

    /// Entropy-coded data that spells the patient's name (no FF in it): sample data, not searched.
    static let entropy: [UInt8] = Array("SIMPSON HOMER 4455 6677".utf8) + [0xFF, 0x00, 0x12, 0xFF, 0xD0, 0x34] + Array("simpson".utf8)

    /// A JPEG's marker structure: SOI, tables, SOF, one SOS per scan with entropy data, EOI.
    static func jpeg(header extra: [UInt8] = [], betweenScans: [UInt8] = [], scans: Int = 1, afterEOI: [UInt8] = []) -> [UInt8] {
        var b: [UInt8] = [0xFF, 0xD8] + segment(0xE0, Array("JFIF\0".utf8) + [1, 1, 0, 0, 1, 0, 1, 0, 0])
        b += segment(0xDB, [0] + [UInt8](repeating: 1, count: 64))
        b += segment(0xC1, [12, 0, 8, 0, 8, 1, 1, 0x11, 0])
        b += extra
        b += segment(0xC4, [0, 0, 1] + [UInt8](repeating: 0, count: 15) + [0])
        for k in 0..<scans {
            if k > 0 { b += betweenScans }
            b += segment(0xDA, [1, 1, 0, 0, 0x3F, 0]) + entropy
        }
        if scans == 1 { b += betweenScans }
        return b + [0xFF, 0xD9] + afterEOI
    }

    func encapsulated(_ fragments: [[UInt8]], offsets: [UInt32] = [], frames: Int? = nil) -> DataSet {
        var ds = F.clean(rows: 8, columns: 8)
        if let frames { ds.set(F.element(.numberOfFrames, .IS, "\(frames)")) }
        let bot = offsets.flatMap { o in [UInt8(o & 0xFF), UInt8(o >> 8 & 0xFF), UInt8(o >> 16 & 0xFF), UInt8(o >> 24)] }
        let items = [bot] + fragments.map { f in f.count % 2 == 1 ? f + [0] : f }
        ds.set(DataElement(tag: .pixelData, vr: .OB, value: .fragments(items.map { .inline($0) }), hasUndefinedLength: true))
        return ds
    }

    func jpegVerdict(_ ds: DataSet, _ ts: TransferSyntax = .jpegExtended12Bit) throws -> PHIGate.Hit? {
        try F.verdict(gate, ds, transferSyntax: ts)
    }

    @Test func aJPEGFrameIsSearchedEverywhereButItsEntropyCodedData() throws {
        #expect(try jpegVerdict(encapsulated([PHIGatePixelTests.jpeg()])) == nil, "the name in entropy-coded data is sample data")
        let places: [(String, [UInt8])] = [
            ("a COM before the scan", PHIGatePixelTests.jpeg(header: PHIGatePixelTests.comment("Patient Simpson"))),
            ("a COM after the first scan", PHIGatePixelTests.jpeg(betweenScans: PHIGatePixelTests.comment("MRN 44556677"), scans: 2)),
            ("a COM after the only scan", PHIGatePixelTests.jpeg(betweenScans: PHIGatePixelTests.comment("Hibbert"))),
            ("an APP segment", PHIGatePixelTests.jpeg(header: PHIGatePixelTests.segment(0xE1, Array("Exif\0\0 Springfield General Hospital".utf8)))),
            ("bytes after EOI", PHIGatePixelTests.jpeg(afterEOI: Array(" Simpson Homer".utf8))),
        ]
        for (place, frame) in places {
            let hit = try jpegVerdict(encapsulated([frame]))
            #expect(hit?.location == "Pixel Data fragment 1" && hit?.kind != "unchecked", "\(place): \(String(describing: hit))")
        }
    }

    @Test func everyFragmentBelongsToAFrameAndIsWalked() throws {
        let frame = PHIGatePixelTests.jpeg()
        // A frame over two fragments: a COM in the second, and a COM cut in two by the item header.
        let withComment = PHIGatePixelTests.jpeg(betweenScans: PHIGatePixelTests.comment("Evergreen Terrace"))
        let cut = withComment.count - 12
        #expect(try jpegVerdict(encapsulated([Array(frame.prefix(40)), Array(frame.dropFirst(40))])) == nil)
        #expect(try jpegVerdict(encapsulated([Array(withComment.prefix(cut)), Array(withComment.dropFirst(cut))]))?.attribute == "PatientAddress")
        #expect(try jpegVerdict(encapsulated([Array(withComment.prefix(cut - 10)), Array(withComment.dropFirst(cut - 10))]))?.location == "Pixel Data frame 1 (fragments 1–2)")
        // A fragment past the last frame's EOI (by the offset table, and without one).
        let stray = Array("Simpson Homer 19650412".utf8)
        let second = UInt32(8 + frame.count + frame.count % 2)
        #expect(try jpegVerdict(encapsulated([frame, frame], offsets: [0, second], frames: 2)) == nil)
        let hit = try jpegVerdict(encapsulated([frame, frame, stray], offsets: [0, second], frames: 2))
        #expect(hit?.location == "Pixel Data frame 2 (fragments 2–3)")
        #expect(try jpegVerdict(encapsulated([frame, frame, stray], frames: 2))?.location == "Pixel Data frame 2 (fragments 2–3)")
        // A fragment that is not a JPEG at all.
        #expect(try jpegVerdict(encapsulated([stray]))?.reason?.hasPrefix("fragment 1: it does not begin with SOI") == true)
    }

    @Test func theBasicOffsetTableIsSearchedWhole() throws {
        let frame = PHIGatePixelTests.jpeg()
        let bigTable = [UInt32](repeating: 0, count: 20_000)
        var ds = encapsulated([frame], offsets: bigTable, frames: 1)
        #expect(try jpegVerdict(ds)?.reason == "the offset table has 20000 entries for 1 frames")
        // A valid table with text after 64 KiB cannot be made; a valid one of one entry passes,
        // and one whose entries spell a name is refused.
        ds = encapsulated([frame], offsets: [0], frames: 1)
        #expect(try jpegVerdict(ds) == nil)
        let text = Array("Simpson Homer 44556677".utf8) + [0, 0]
        var items: [BinaryValue] = [.inline(text), .inline(frame)]
        ds.set(DataElement(tag: .pixelData, vr: .OB, value: .fragments(items), hasUndefinedLength: true))
        #expect(try jpegVerdict(ds) != nil)
        items[0] = .inline([UInt8](repeating: 0, count: 70_000) + text)
        ds.set(DataElement(tag: .pixelData, vr: .OB, value: .fragments(items), hasUndefinedLength: true))
        #expect(try jpegVerdict(ds) != nil)
    }

    @Test func jpegLSScansEndAtAnFFFollowedByAHighByte() throws {
        // In JPEG-LS, FF 7F is a stuffed bit inside the scan; in JPEG it would end the scan.
        var frame = PHIGatePixelTests.jpeg()
        let eoi = frame.count - 2
        frame.insert(contentsOf: [0xFF, 0x7F] + Array("Simpson".utf8), at: eoi)
        #expect(try jpegVerdict(encapsulated([frame]), .jpeglsLossless) == nil)
        #expect(try jpegVerdict(encapsulated([frame]), .jpegExtended12Bit) != nil)
        let commented = PHIGatePixelTests.jpeg(betweenScans: PHIGatePixelTests.comment("for Simpson"))
        #expect(try jpegVerdict(encapsulated([commented]), .jpeglsLossless)?.attribute == "PatientName")
    }

    @Test func anEncapsulatedSyntaxTheGateDoesNotWalkIsRefused() throws {
        let ds = encapsulated([PHIGatePixelTests.jpeg()])
        for ts in [TransferSyntax.jpegxl, .mpeg2MPML, .deflatedImageFrameCompression, .unregistered(UID("1.2.3.4.5.6"))] {
            #expect(try F.verdict(gate, ds, transferSyntax: ts)?.reason?.hasPrefix("the gate does not walk") == true, "\(ts.name)")
        }
        // Native Pixel Data where the syntax says encapsulated.
        #expect(try F.verdict(gate, F.clean(), transferSyntax: .jpegBaseline8Bit)?.kind == "unchecked")
    }

    // MARK: JPEG 2000

    /// A codestream: SOC, SIZ, COD, QCD, (main COM), tile-parts each with SOT, (COM), SOD, a bit
    /// stream that spells a name, and EOC.
    static func j2k(mainComment: String? = nil, tileComment: String? = nil, tileParts: Int = 1, lastPsotZero: Bool = false,
                    afterEOC: [UInt8] = []) -> [UInt8] {
        func seg(_ m: UInt8, _ body: [UInt8]) -> [UInt8] { [0xFF, m, UInt8((body.count + 2) >> 8), UInt8((body.count + 2) & 0xFF)] + body }
        var b: [UInt8] = [0xFF, 0x4F]
        b += seg(0x51, [0, 0] + [0, 0, 0, 8, 0, 0, 0, 8] + [0, 0, 0, 0, 0, 0, 0, 0] + [0, 0, 0, 8, 0, 0, 0, 8] + [0, 0, 0, 0, 0, 0, 0, 0] + [0, 1, 11, 1, 1])
        b += seg(0x52, [0, 0, 0, 1, 1, 5, 4, 4, 0, 1])
        b += seg(0x5C, [0x40] + [UInt8](repeating: 0x48, count: 16))
        if let mainComment { b += seg(0x64, [0, 1] + Array(mainComment.utf8)) }
        let stream: [UInt8] = Array("SIMPSON homer 4455".utf8) + [0xFF, 0x10, 0x80, 0x00]
        for k in 0..<tileParts {
            var header: [UInt8] = []
            if let tileComment, k == tileParts - 1 { header += seg(0x64, [0, 1] + Array(tileComment.utf8)) }
            let psot = lastPsotZero && k == tileParts - 1 ? 0 : 12 + header.count + 2 + stream.count
            b += [0xFF, 0x90, 0, 10, 0, 0] + [UInt8(psot >> 24), UInt8(psot >> 16 & 0xFF), UInt8(psot >> 8 & 0xFF), UInt8(psot & 0xFF)]
            b += [UInt8(k), UInt8(tileParts)] + header + [0xFF, 0x93] + stream
        }
        return b + [0xFF, 0xD9] + afterEOC
    }

    /// A JP2 file around a codestream, with optional extra boxes.
    static func jp2(_ codestream: [UInt8], xml: String? = nil) -> [UInt8] {
        func box(_ type: String, _ body: [UInt8]) -> [UInt8] {
            let n = body.count + 8
            return [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + Array(type.utf8) + body
        }
        var b = box("jP  ", [0x0D, 0x0A, 0x87, 0x0A]) + box("ftyp", Array("jp2 \0\0\0\0jp2 ".utf8))
        b += box("jp2h", box("ihdr", [0, 0, 0, 8, 0, 0, 0, 8, 0, 1, 11, 7, 0, 0]))
        if let xml { b += box("xml ", Array(xml.utf8)) }
        return b + box("jp2c", codestream)
    }

    @Test func aJPEG2000CodestreamIsSearchedButItsBitStream() throws {
        func verdict(_ frame: [UInt8]) throws -> PHIGate.Hit? { try jpegVerdict(encapsulated([frame]), .jpeg2000Lossless) }
        #expect(try verdict(PHIGatePixelTests.j2k()) == nil)
        #expect(try verdict(PHIGatePixelTests.j2k(tileParts: 3, lastPsotZero: true)) == nil)
        #expect(try verdict(PHIGatePixelTests.j2k(mainComment: "Simpson"))?.attribute == "PatientName")
        #expect(try verdict(PHIGatePixelTests.j2k(tileComment: "ACC99887766", tileParts: 2))?.attribute == "AccessionNumber")
        #expect(try verdict(PHIGatePixelTests.j2k(tileComment: "Hibbert", tileParts: 2, lastPsotZero: true))?.attribute == "ReferringPhysicianName")
        #expect(try verdict(PHIGatePixelTests.j2k(afterEOC: Array(" Evergreen ".utf8)))?.attribute == "PatientAddress")
        // JP2: every box but the codestream searched, the codestream walked.
        #expect(try verdict(PHIGatePixelTests.jp2(PHIGatePixelTests.j2k())) == nil)
        #expect(try verdict(PHIGatePixelTests.jp2(PHIGatePixelTests.j2k(), xml: "<patient>Simpson, Homer</patient>"))?.attribute == "PatientName")
        #expect(try verdict(PHIGatePixelTests.jp2(PHIGatePixelTests.j2k(tileComment: "Simpson")))?.attribute == "PatientName")
        // A tile-part longer than the frame: cannot be checked.
        var broken = PHIGatePixelTests.j2k()
        broken[broken.firstIndex(of: 0x90)! + 6] = 0x7F
        #expect(try verdict(broken)?.kind == "unchecked")
    }

    // MARK: RLE and encapsulated uncompressed

    static func rle(segments: [[UInt8]]) -> [UInt8] {
        var header = [UInt32](repeating: 0, count: 16)
        header[0] = UInt32(segments.count)
        var at = 64
        for (k, s) in segments.enumerated() {
            header[k + 1] = UInt32(at)
            at += s.count
        }
        return header.flatMap { v in [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] } + segments.flatMap { $0 }
    }

    @Test func anRLEHeaderIsCheckedAndItsSegmentsAreSampleData() throws {
        let segments = [Array("SIMPSON".utf8) + [0x81, 0], Array("HOMER".utf8) + [0x81, 0, 0, 0]]
        #expect(try F.verdict(gate, encapsulated([PHIGatePixelTests.rle(segments: segments)]), transferSyntax: .rleLossless) == nil)
        var header = PHIGatePixelTests.rle(segments: segments)
        header.replaceSubrange(12..<24, with: Array("Simpson Home".utf8))
        #expect(try F.verdict(gate, encapsulated([header]), transferSyntax: .rleLossless)?.kind == "unchecked")
    }

    @Test func encapsulatedUncompressedFramesAreCheckedAsNative() throws {
        let frame = F.samples(64, bitsStored: 12, signed: true)
        let ts = TransferSyntax.encapsulatedUncompressedExplicitVRLittleEndian
        #expect(try F.verdict(gate, encapsulated([frame, frame], frames: 2), transferSyntax: ts) == nil)
        var bad = frame
        bad.replaceSubrange(10..<12, with: Array("Ho".utf8))
        #expect(try F.verdict(gate, encapsulated([frame, bad], frames: 2), transferSyntax: ts)?.reason?.hasPrefix("fragment 2") == true)
        #expect(try F.verdict(gate, encapsulated([frame + Array("Simpson!".utf8)], frames: 1), transferSyntax: ts)?.kind == "unchecked")
    }
}

import DICOMCore
import DICOMFile
@testable import Deidentify
import Foundation
import Testing
import TestSupport

/// Shared pieces of the pixel data tests: the planted values, images made to order, files
/// written and read back, and the searches that prove a planted value is gone.
enum PixelDataFixture {
    static let name = "GROSSKOPF^HANNELORE"
    static let mrn = "MRN4410527"
    static let needles = [Array(name.utf8), Array(mrn.utf8)]

    /// True if `needle` occurs in `hay`.
    static func contains(_ hay: [UInt8], _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, hay.count >= needle.count else { return false }
        var i = 0
        while i + needle.count <= hay.count {
            if hay[i] == first && hay[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }

    /// Equal, without printing kilobytes of operands when not (bind the result first: #expect
    /// shows the arguments of a call it is given).
    static func same(_ a: [UInt8], _ b: [UInt8]) -> Bool { a == b }

    /// A frame as it is read back from a file: padded to even length with a zero.
    static func padded(_ frame: [UInt8]) -> [UInt8] { frame.count % 2 == 1 ? frame + [0] : frame }

    /// True if either planted value occurs in `bytes`.
    static func hasPlanted(_ bytes: [UInt8]) -> Bool { needles.contains { contains(bytes, $0) } }

    static func fileBytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    /// Deterministic pseudo-random bytes (a linear congruential generator), so images have
    /// texture without depending on the run.
    static func noise(_ count: Int, seed: UInt32) -> [UInt8] {
        var x = seed
        return (0..<count).map { _ in
            x = x &* 1_103_515_245 &+ 12345
            return UInt8(truncatingIfNeeded: x >> 16)
        }
    }

    /// The Image Pixel attributes of an image, and SOP Class and Instance UIDs.
    static func image(rows: Int, columns: Int, samples: Int = 1, bitsAllocated: Int, bitsStored: Int, highBit: Int? = nil,
                      signed: Bool = false, frames: Int? = nil, photometric: String = "MONOCHROME2") -> DataSet {
        func us(_ tag: Tag, _ v: Int) -> DataElement {
            DataElement(tag: tag, vr: .US, bytes: [UInt8(truncatingIfNeeded: v), UInt8(truncatingIfNeeded: v >> 8)])
        }
        var ds = DataSet([
            DataElement(tag: .sopClassUID, vr: .UI, string: UID.secondaryCaptureImageStorage.rawValue),
            DataElement(tag: .sopInstanceUID, vr: .UI, string: "2.25.1234567890123456789"),
            us(.samplesPerPixel, samples),
            DataElement(tag: .photometricInterpretation, vr: .CS, string: photometric),
            us(.rows, rows), us(.columns, columns),
            us(.bitsAllocated, bitsAllocated), us(.bitsStored, bitsStored), us(.highBit, highBit ?? bitsStored - 1),
            us(.pixelRepresentation, signed ? 1 : 0),
        ])
        if samples > 1 { ds.set(us(.planarConfiguration, 0)) }
        if let frames { ds.set(DataElement(tag: .numberOfFrames, vr: .IS, string: String(frames))) }
        return ds
    }

    static func temporaryDirectory(_ name: String) throws -> String { try ExternalTools.temporaryDirectory("pixel-\(name)").path }

    static func write(_ ds: DataSet, _ ts: TransferSyntax, to path: String) throws {
        try Part10Writer.write(Part10File(dataSet: ds, transferSyntax: ts), to: path)
    }

    static func read(_ path: String) throws -> Part10File { try Part10File.read(path: path) }

    /// Reads `input`, rebuilds its pixel data and writes it to `output` (also when kept).
    @discardableResult
    static func rebuildFile(_ input: String, to output: String) throws -> PixelDataOutcome {
        var file = try read(input)
        let outcome = try PixelDataRebuilder.rebuild(&file.dataSet, transferSyntax: file.transferSyntax)
        try Part10Writer.write(file, to: output)
        return outcome
    }

    /// The native Pixel Data of a file.
    static func pixelData(_ path: String) throws -> [UInt8] {
        let file = try read(path)
        guard case .binary(let value)? = file.dataSet[.pixelData]?.value else {
            throw PixelDataRefusal("test: \(path) has no native Pixel Data")
        }
        return try value.load()
    }

    /// The fragments of a file's encapsulated Pixel Data, the Basic Offset Table first.
    static func items(_ path: String) throws -> [[UInt8]] { try items(read(path).dataSet) }

    static func items(_ ds: DataSet) throws -> [[UInt8]] {
        guard case .fragments(let items)? = ds[.pixelData]?.value else {
            throw PixelDataRefusal("test: no encapsulated Pixel Data")
        }
        return try items.map { try $0.load() }
    }

    static func encapsulated(_ fragments: [[UInt8]], table: [UInt8] = []) -> DataElement {
        DataElement(tag: .pixelData, vr: .OB, value: .fragments(([table] + fragments).map { .inline($0) }), hasUndefinedLength: true)
    }

    /// A Basic Offset Table for fragments that are one frame each.
    static func offsetTable(_ fragments: [[UInt8]]) -> [UInt8] {
        var table: [UInt8] = [], at = 0
        for f in fragments {
            table += le32(at)
            at += 8 + f.count + f.count % 2
        }
        return table
    }

    static func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    static func le64(_ v: Int) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    static func be16(_ v: Int) -> [UInt8] { [UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)] }
    static func be32(_ v: Int) -> [UInt8] { be16(v >> 16) + be16(v) }

    /// A JPEG or JPEG 2000 marker segment: FF, the marker, the length (counting itself) and
    /// the content.
    static func segment(_ marker: UInt8, _ content: [UInt8]) -> [UInt8] {
        [0xFF, marker] + be16(content.count + 2) + content
    }

    /// Where each marker of a JPEG frame starts, with the marker byte, up to EOI (entropy-coded
    /// data skipped: FF 00 and RSTn inside it are not markers).
    static func jpegMarkers(_ b: [UInt8]) -> [(offset: Int, marker: UInt8)] {
        var found: [(Int, UInt8)] = [(0, 0xD8)]
        var p = 2
        while p + 1 < b.count {
            guard b[p] == 0xFF else { p += 1; continue }
            let m = b[p + 1]
            if m == 0xFF { p += 1; continue }
            found.append((p, m))
            if m == 0xD9 { break }
            let length = Int(b[p + 2]) << 8 | Int(b[p + 3])
            p += 2 + length
            if m == 0xDA {
                while p + 1 < b.count && !(b[p] == 0xFF && b[p + 1] != 0x00 && !(0xD0...0xD7).contains(b[p + 1])) { p += 1 }
            }
        }
        return found
    }
}

/// The outside programs the pixel data tests run (TestSupport's ExternalTools): a missing tool
/// fails the test with what to do; it is never skipped (scripts/setup installs them).
enum PixelDataTools {
    static func python() throws -> String { try ExternalTools.python() }

    /// Runs a program to its end; answers stdout, throws with its output on failure.
    @discardableResult
    static func run(_ name: String, _ arguments: [String]) throws -> [UInt8] {
        Array(try ExternalTools.runChecked(name, arguments).stdout)
    }
}

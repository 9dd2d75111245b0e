import CZlib
import DICOMCore
import DICOMFile
import Foundation
import Testing
@testable import NIfTI
import TestSupport

/// NIfTIVolume: pure tests on small synthetic series written with Part10Writer. The comparison
/// with dcm2niix is in NIfTIDcm2niixTests.
@Suite struct NIfTIVolumeTests {
    // MARK: - synthetic series

    /// One image (or, with `framePositions`, one multi-frame object) of a synthetic series.
    struct Image {
        var position: [Double]? = [0, 0, 0]
        var orientation: [Double]? = [1, 0, 0, 0, 1, 0]
        /// Between rows, then between columns.
        var spacing: [Double]? = [0.5, 0.8]
        var rows = 4
        var columns = 3
        var bitsAllocated = 16
        var bitsStored: Int? = nil
        var signed = false
        var samplesPerPixel = 1
        var slope: Double? = nil
        var intercept: Double? = nil
        var thickness: Double? = nil
        var instanceNumber = 1
        /// A number that marks the image's voxels: pixel (r, c) holds mark * 100 + r * 10 + c.
        var mark = 0
        /// Replaces the generated pixel data.
        var pixels: [UInt8]? = nil
        var withPixelData = true
        var compressed = false
        var transferSyntax: TransferSyntax = .explicitVRLittleEndian
        /// Multi-frame: one position per frame, in the Per-Frame Functional Groups Sequence;
        /// orientation, spacing and rescale go into the Shared Functional Groups Sequence
        /// (or, with `perFrameOrientation`, into each frame's groups).
        var framePositions: [[Double]]? = nil
        var frameMarks: [Int]? = nil
        var perFrameOrientation = false
        var sharedGroups = true
        var perFrameGroups = true
    }

    static func pixelValue(mark: Int, row: Int, column: Int) -> Int { mark * 100 + row * 10 + column }

    static func encode(_ value: Int, bits: Int) -> [UInt8] {
        (0..<(bits / 8)).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    static func decimals(_ tag: DICOMCore.Tag, _ values: [Double]) -> DataElement {
        DataElement(tag: tag, vr: .DS, strings: values.map { String(format: "%.10g", $0) })
    }

    static func us(_ tag: DICOMCore.Tag, _ value: Int) -> DataElement { DataElement(tag: tag, vr: .US, bytes: encode(value, bits: 16)) }

    static func frameBytes(_ image: Image, mark: Int) -> [UInt8] {
        var out: [UInt8] = []
        for r in 0..<image.rows {
            for c in 0..<image.columns {
                var v = pixelValue(mark: mark, row: r, column: c)
                if image.signed { v = -v }
                out += encode(v, bits: image.bitsAllocated)
            }
        }
        return out
    }

    @discardableResult
    static func write(_ image: Image, to path: String, sop: String) throws -> String {
        var ds = DataSet()
        let multiFrame = image.framePositions != nil
        let sopClass = multiFrame ? "1.2.840.10008.5.1.4.1.1.4.1" : UID.mrImageStorage.rawValue
        ds.set(DataElement(tag: .sopClassUID, vr: .UI, string: sopClass))
        ds.set(DataElement(tag: .sopInstanceUID, vr: .UI, string: sop))
        ds.set(DataElement(tag: .studyInstanceUID, vr: .UI, string: "1.2.3"))
        ds.set(DataElement(tag: .seriesInstanceUID, vr: .UI, string: "1.2.3.4"))
        ds.set(DataElement(tag: .modality, vr: .CS, string: "MR"))
        ds.set(DataElement(tag: .instanceNumber, vr: .IS, string: String(image.instanceNumber)))
        ds.set(us(.samplesPerPixel, image.samplesPerPixel))
        ds.set(DataElement(tag: .photometricInterpretation, vr: .CS, string: image.samplesPerPixel == 1 ? "MONOCHROME2" : "RGB"))
        ds.set(us(.rows, image.rows))
        ds.set(us(.columns, image.columns))
        ds.set(us(.bitsAllocated, image.bitsAllocated))
        ds.set(us(.bitsStored, image.bitsStored ?? image.bitsAllocated))
        ds.set(us(.highBit, (image.bitsStored ?? image.bitsAllocated) - 1))
        ds.set(us(.pixelRepresentation, image.signed ? 1 : 0))
        var pixels: [UInt8]
        if let framePositions = image.framePositions {
            ds.set(DataElement(tag: .numberOfFrames, vr: .IS, string: String(framePositions.count)))
            var geometry: [DataElement] = []
            if let o = image.orientation {
                geometry.append(DataElement(sequence: .planeOrientationSequence, items: [DataSet([decimals(.imageOrientationPatient, o)])]))
            }
            if let s = image.spacing {
                var measures = [decimals(.pixelSpacing, s)]
                if let t = image.thickness { measures.append(decimals(.sliceThickness, [t])) }
                geometry.append(DataElement(sequence: .pixelMeasuresSequence, items: [DataSet(measures)]))
            }
            if image.slope != nil || image.intercept != nil {
                geometry.append(DataElement(sequence: .pixelValueTransformationSequence, items: [DataSet([
                    decimals(.rescaleSlope, [image.slope ?? 1]), decimals(.rescaleIntercept, [image.intercept ?? 0])])]))
            }
            let perFrameGeometry = image.perFrameOrientation ? geometry : []
            if image.sharedGroups {
                ds.set(DataElement(sequence: .sharedFunctionalGroupsSequence,
                                   items: [DataSet(image.perFrameOrientation ? [] : geometry)]))
            }
            if image.perFrameGroups {
                ds.set(DataElement(sequence: .perFrameFunctionalGroupsSequence, items: framePositions.map { p in
                    DataSet([DataElement(sequence: .planePositionSequence, items: [DataSet([decimals(.imagePositionPatient, p)])])]
                            + perFrameGeometry)
                }))
            } else {
                // Only top-level geometry, one position for all frames.
                if let o = image.orientation { ds.set(decimals(.imageOrientationPatient, o)) }
                if let s = image.spacing { ds.set(decimals(.pixelSpacing, s)) }
                ds.set(decimals(.imagePositionPatient, framePositions[0]))
            }
            let marks = image.frameMarks ?? Array(0..<framePositions.count)
            pixels = marks.flatMap { frameBytes(image, mark: $0) }
        } else {
            if let p = image.position { ds.set(decimals(.imagePositionPatient, p)) }
            if let o = image.orientation { ds.set(decimals(.imageOrientationPatient, o)) }
            if let s = image.spacing { ds.set(decimals(.pixelSpacing, s)) }
            if let t = image.thickness { ds.set(decimals(.sliceThickness, [t])) }
            if let s = image.slope { ds.set(decimals(.rescaleSlope, [s])) }
            if let i = image.intercept { ds.set(decimals(.rescaleIntercept, [i])) }
            pixels = frameBytes(image, mark: image.mark)
            if image.samplesPerPixel > 1 { pixels = pixels.flatMap { Array(repeating: $0, count: image.samplesPerPixel) } }
        }
        if let p = image.pixels { pixels = p }
        var syntax = image.transferSyntax
        if image.compressed {
            syntax = .jpegBaseline8Bit
            ds.set(DataElement(tag: .pixelData, vr: .OB, value: .fragments([.inline([]), .inline([0xFF, 0xD8, 0xFF, 0xD9])]),
                               hasUndefinedLength: true))
        } else if image.withPixelData {
            if pixels.count & 1 == 1 { pixels.append(0) }
            ds.set(DataElement(tag: .pixelData, vr: image.bitsAllocated == 8 ? .OB : .OW, bytes: pixels))
        }
        try Part10Writer.write(Part10File(dataSet: ds, transferSyntax: syntax), to: path, options: .init(transferSyntax: syntax))
        return path
    }

    /// A scratch folder, removed when the value is released.
    final class Folder {
        let path: String
        init() throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("sendit-nifti-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }

        /// Writes the images as IM0.dcm, IM1.dcm… and answers their paths in that order.
        func series(_ images: [Image]) throws -> [String] {
            try images.enumerated().map { i, image in
                try NIfTIVolumeTests.write(image, to: "\(path)/IM\(i).dcm", sop: "1.2.3.4.\(i + 1)")
            }
        }
    }

    /// An axial series: `count` slices `step` mm apart from z = z0, marks 0, 1, 2… by position.
    static func axial(count: Int, step: Double = 2, z0: Double = 30, _ change: (inout Image) -> Void = { _ in }) -> [Image] {
        (0..<count).map { k in
            var image = Image(position: [-10, -20, z0 + Double(k) * step])
            image.mark = k
            image.instanceNumber = k + 1
            change(&image)
            return image
        }
    }

    static func volume(_ paths: [String]) throws -> NIfTIVolume.Volume {
        switch try NIfTIVolume.make(paths: paths) {
        case .volume(let v): return v
        case .notConvertible(let reason):
            Issue.record("not convertible: \(reason)")
            throw Unexpected()
        }
    }

    static func reason(_ paths: [String]) throws -> String? {
        switch try NIfTIVolume.make(paths: paths) {
        case .volume: return nil
        case .notConvertible(let reason): return reason
        }
    }

    struct Unexpected: Error {}

    // MARK: - reading the header back

    struct Parsed {
        let bytes: [UInt8]
        func int16(_ offset: Int) -> Int { Int(Int16(bitPattern: UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8)) }
        func int32(_ offset: Int) -> Int {
            Int(Int32(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }))
        }
        func float(_ offset: Int) -> Double {
            Double(Float(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }))
        }
        var dim: [Int] { (0..<8).map { int16(40 + 2 * $0) } }
        var pixdim: [Double] { (0..<8).map { float(76 + 4 * $0) } }
        var datatype: Int { int16(70) }
        var bitpix: Int { int16(72) }
        var srow: [[Double]] { (0..<3).map { r in (0..<4).map { float(280 + 16 * r + 4 * $0) } } }
        /// The qform as a matrix (nifti_quatern_to_mat44).
        var qform: [[Double]] {
            let b = float(256), c = float(260), d = float(264)
            let a = max(0, 1 - (b * b + c * c + d * d)).squareRoot()
            let qfac = pixdim[0] < 0 ? -1.0 : 1.0
            let (dx, dy, dz) = (pixdim[1], pixdim[2], pixdim[3] * qfac)
            return [
                [(a * a + b * b - c * c - d * d) * dx, 2 * (b * c - a * d) * dy, 2 * (b * d + a * c) * dz, float(268)],
                [2 * (b * c + a * d) * dx, (a * a + c * c - b * b - d * d) * dy, 2 * (c * d - a * b) * dz, float(272)],
                [2 * (b * d - a * c) * dx, 2 * (c * d + a * b) * dy, (a * a + d * d - c * c - b * b) * dz, float(276)],
            ]
        }
        /// The stored voxel at (i, j, k) for a 16-bit volume, as a signed or unsigned number.
        func voxel16(_ i: Int, _ j: Int, _ k: Int, signed: Bool) -> Int {
            let (nx, ny) = (dim[1], dim[2])
            let offset = 352 + 2 * (i + nx * (j + ny * k))
            let raw = UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
            return signed ? Int(Int16(bitPattern: raw)) : Int(raw)
        }
    }

    static func maxDifference(_ a: [[Double]], _ b: [[Double]]) -> Double {
        zip(a, b).flatMap { zip($0, $1).map { abs($0 - $1) } }.max() ?? .infinity
    }

    /// RAS millimetres of DICOM pixel (row, column) of an image: LPS from the plane, x and y negated.
    static func ras(of image: Image, position: [Double], row: Int, column: Int) -> [Double] {
        let o = image.orientation!, s = image.spacing!
        let lps = (0..<3).map { position[$0] + Double(column) * s[1] * o[$0] + Double(row) * s[0] * o[3 + $0] }
        return [-lps[0], -lps[1], lps[2]]
    }

    static func apply(_ m: [[Double]], _ i: Int, _ j: Int, _ k: Int) -> [Double] {
        (0..<3).map { m[$0][0] * Double(i) + m[$0][1] * Double(j) + m[$0][2] * Double(k) + m[$0][3] }
    }

    /// Every image's corners map through the sform (and the qform) to where DICOM puts them,
    /// with voxel (i, j, k) = (column, rows - 1 - row, rank of the position along the normal).
    static func checkGeometry(_ v: NIfTIVolume.Volume, images: [Image], rankOf: (Int) -> Int,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        let h = Parsed(bytes: v.nii)
        #expect(maxDifference(h.srow, h.qform) < 1e-4, "qform and sform differ", sourceLocation: sourceLocation)
        for (n, image) in images.enumerated() {
            let positions = image.framePositions ?? [image.position!]
            for (f, position) in positions.enumerated() {
                let k = image.framePositions == nil ? rankOf(n) : rankOf(f)
                for (r, c) in [(0, 0), (image.rows - 1, 0), (0, image.columns - 1), (image.rows - 1, image.columns - 1)] {
                    let expected = ras(of: image, position: position, row: r, column: c)
                    let j = image.rows - 1 - r
                    let got = apply(h.srow, c, j, k)
                    let viaQform = apply(h.qform, c, j, k)
                    #expect(zip(expected, got).allSatisfy { abs($0 - $1) < 1e-3 }, "sform: pixel (\(r),\(c)) of \(n)/\(f): \(got) != \(expected)",
                            sourceLocation: sourceLocation)
                    #expect(zip(expected, viaQform).allSatisfy { abs($0 - $1) < 1e-3 }, "qform: \(viaQform) != \(expected)",
                            sourceLocation: sourceLocation)
                }
            }
        }
    }

    // MARK: - header and geometry

    @Test func headerFieldsFollowNIfTI1() throws {
        let folder = try Folder()
        let v = try Self.volume(try folder.series(Self.axial(count: 3)))
        let h = Parsed(bytes: v.nii)
        #expect(v.shape == [3, 4, 3])
        #expect(v.slices == 3 && v.rows == 4 && v.columns == 3)
        #expect(v.sliceThickness == 2)
        #expect(v.nii.count == 352 + 3 * 4 * 3 * 2)
        #expect(h.int32(0) == 348)                               // sizeof_hdr
        #expect(h.dim == [3, 3, 4, 3, 1, 1, 1, 1])
        #expect(h.datatype == 512 && h.bitpix == 16)             // uint16
        #expect(h.pixdim[0] == -1)                               // qfac: the row flip makes it left-handed
        #expect(Array(h.pixdim[1...3]).map { ($0 * 1e4).rounded() / 1e4 } == [0.8, 0.5, 2])
        #expect(h.float(108) == 352)                             // vox_offset
        #expect(h.float(112) == 1 && h.float(116) == 0)          // scl_slope, scl_inter
        #expect(h.bytes[123] == 2)                               // xyzt_units: mm
        #expect(h.int16(252) == 1 && h.int16(254) == 1)          // qform_code, sform_code: scanner
        #expect(Array(h.bytes[344..<348]) == Array("n+1\0".utf8))
        #expect(Array(h.bytes[348..<352]) == [0, 0, 0, 0])       // no extensions
        #expect(String(decoding: h.bytes[148..<154], as: UTF8.self) == "sendit" && h.bytes[154] == 0)
    }

    @Test func axialAffineIsLPSNegatedWithRowsReversed() throws {
        let folder = try Folder()
        let images = Self.axial(count: 3)
        let v = try Self.volume(try folder.series(images))
        let h = Parsed(bytes: v.nii)
        // x: -column spacing; y: +row spacing from the last row; z: slice step upwards.
        let expected: [[Double]] = [[-0.8, 0, 0, 10], [0, 0.5, 0, 20 - 3 * 0.5], [0, 0, 2, 30]]
        #expect(Self.maxDifference(h.srow, expected) < 1e-5, "\(h.srow)")
        #expect(abs(h.float(256)) < 1e-6 && abs(h.float(260) - 1) < 1e-6 && abs(h.float(264)) < 1e-6)  // quatern b, c, d
        #expect([h.float(268), h.float(272), h.float(276)] == [10, 18.5, 30])
        Self.checkGeometry(v, images: images, rankOf: { $0 })
        // Voxel (i, j, k) is DICOM pixel (row rows-1-j, column i) of the k-th slice.
        for k in 0..<3 {
            for j in 0..<4 {
                for i in 0..<3 {
                    #expect(h.voxel16(i, j, k, signed: false) == Self.pixelValue(mark: k, row: 3 - j, column: i))
                }
            }
        }
    }

    @Test func sagittalAffine() throws {
        let folder = try Folder()
        // Rows run along +y (posterior), columns down (-z); the normal is -x, so slices go
        // right to left in LPS x... and the volume starts at the largest x.
        var images: [Image] = []
        for k in 0..<4 {
            var image = Image(position: [40 - 3 * Double(k) + 0, -50, 60], orientation: [0, 1, 0, 0, 0, -1], spacing: [1.25, 0.75])
            image.rows = 5
            image.columns = 6
            image.mark = k
            images.append(image)
        }
        let v = try Self.volume(try folder.series(images))
        let h = Parsed(bytes: v.nii)
        #expect(v.shape == [6, 5, 4])
        let expected: [[Double]] = [[0, 0, 3, -40], [-0.75, 0, 0, 50], [0, 1.25, 0, 60 - 4 * 1.25]]
        #expect(Self.maxDifference(h.srow, expected) < 1e-5, "\(h.srow)")
        Self.checkGeometry(v, images: images, rankOf: { $0 })
    }

    static let obliqueOrientation: [Double] = {
        // Row and column directions rotated 20° about z, then 15° about x.
        let (a, b) = (20.0 * .pi / 180, 15.0 * .pi / 180)
        let row = [cos(a), sin(a) * cos(b), sin(a) * sin(b)]
        let col = [-sin(a), cos(a) * cos(b), cos(a) * sin(b)]
        return (row + col).map { ($0 * 1e6).rounded() / 1e6 }
    }()

    /// `base + distance * direction`, rounded to 1e-5 mm as a DS value would be.
    static func point(_ base: [Double], plus distance: Double, along direction: [Double]) -> [Double] {
        var out: [Double] = []
        for i in 0..<3 {
            let v: Double = base[i] + distance * direction[i]
            out.append((v * 1e5).rounded() / 1e5)
        }
        return out
    }

    @Test func obliqueAffineAndSliceOrderIndependentOfFileOrder() throws {
        let folder = try Folder()
        let o = Self.obliqueOrientation
        let normal = [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]]
        // Marks are the position rank; instance numbers and file names run the other way.
        let count = 5
        var images: [Image] = []
        for k in (0..<count).reversed() {
            let p = Self.point([12.5, -7.25, 33], plus: 2.7 * Double(k), along: normal)
            var image = Image(position: p, orientation: o, spacing: [0.9, 1.1])
            image.rows = 6
            image.columns = 5
            image.mark = k
            image.instanceNumber = count - k
            image.transferSyntax = .implicitVRLittleEndian
            images.append(image)
        }
        let paths = try folder.series(images)
        let v = try Self.volume(paths)
        #expect(v.shape == [5, 6, count])
        #expect(abs(v.sliceThickness! - 2.7) < 1e-4)
        Self.checkGeometry(v, images: images, rankOf: { count - 1 - $0 })
        let h = Parsed(bytes: v.nii)
        for k in 0..<count {
            #expect(h.voxel16(0, 5, k, signed: false) == Self.pixelValue(mark: k, row: 0, column: 0))
            #expect(h.voxel16(4, 0, k, signed: false) == Self.pixelValue(mark: k, row: 5, column: 4))
        }
        // Any order of the paths gives the same bytes.
        for order in [paths.reversed(), [paths[2], paths[0], paths[4], paths[1], paths[3]]] {
            #expect(try Self.volume(Array(order)).nii == v.nii)
        }
    }

    // MARK: - values

    @Test func rescaleGoesIntoTheHeaderAndVoxelsStayRaw() throws {
        let folder = try Folder()
        let v = try Self.volume(try folder.series(Self.axial(count: 2) { $0.slope = 2.5; $0.intercept = -1024 }))
        let h = Parsed(bytes: v.nii)
        #expect(h.float(112) == 2.5 && h.float(116) == -1024)
        #expect(h.voxel16(2, 0, 1, signed: false) == Self.pixelValue(mark: 1, row: 3, column: 2))
    }

    @Test func datatypeFollowsThePixelRepresentation() throws {
        let cases: [(bits: Int, signed: Bool, datatype: Int)] = [(8, false, 2), (16, false, 512), (16, true, 4), (32, false, 768), (32, true, 8)]
        for c in cases {
            let folder = try Folder()
            let v = try Self.volume(try folder.series(Self.axial(count: 2) { $0.bitsAllocated = c.bits; $0.signed = c.signed }))
            let h = Parsed(bytes: v.nii)
            #expect(h.datatype == c.datatype && h.bitpix == c.bits, "\(c)")
            #expect(v.nii.count == 352 + 3 * 4 * 2 * c.bits / 8)
            if c.bits == 16 {
                // Signed data keep their sign; the same bits read unsigned are not negative.
                let value = Self.pixelValue(mark: 1, row: 3, column: 2)
                #expect(h.voxel16(2, 0, 1, signed: c.signed) == (c.signed ? -value : value))
            }
            if c.bits == 32 {
                let offset = 352 + 4 * (2 + 3 * (0 + 4 * 1))
                let raw = (0..<4).reduce(UInt32(0)) { $0 | UInt32(v.nii[offset + $1]) << (8 * UInt32($1)) }
                let value = Self.pixelValue(mark: 1, row: 3, column: 2)
                #expect(c.signed ? Int(Int32(bitPattern: raw)) == -value : Int(raw) == value)
            }
        }
    }

    @Test func storedBitsAreMaskedAndSignExtended() throws {
        let folder = try Folder()
        // Signed 12-bit values with junk in the 4 unused high bits: the low 12 bits 0x7FF are
        // +2047, 0x800 is -2048, 0xFFF is -1, 0x001 is +1 (PS3.5 8.1.1).
        let values: [UInt16] = [0x07FF, 0x0800, 0x5FFF, 0xA001]
        let pixels = values.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8($0 >> 8)] }
        let images = Self.axial(count: 1) { $0.rows = 2; $0.columns = 2; $0.signed = true; $0.bitsStored = 12; $0.pixels = pixels }
        let h = Parsed(bytes: try Self.volume(try folder.series(images)).nii)
        // Voxel rows are the DICOM rows reversed: (0,0),(1,0) is the second DICOM row.
        let signedValues: [Int] = [h.voxel16(0, 1, 0, signed: true), h.voxel16(1, 1, 0, signed: true),
                                   h.voxel16(0, 0, 0, signed: true), h.voxel16(1, 0, 0, signed: true)]
        #expect(signedValues == [2047, -2048, -1, 1])
        // Unsigned 12-bit: the high bits are dropped.
        let folder2 = try Folder()
        let unsigned = Self.axial(count: 1) { $0.rows = 2; $0.columns = 2; $0.bitsStored = 12; $0.pixels = pixels }
        let u = Parsed(bytes: try Self.volume(try folder2.series(unsigned)).nii)
        let unsignedValues: [Int] = [u.voxel16(0, 1, 0, signed: false), u.voxel16(1, 1, 0, signed: false),
                                     u.voxel16(0, 0, 0, signed: false), u.voxel16(1, 0, 0, signed: false)]
        #expect(unsignedValues == [0x7FF, 0x800, 0xFFF, 0x001])
    }

    @Test func singleSlice() throws {
        let folder = try Folder()
        let images = Self.axial(count: 1) { $0.thickness = 1.5 }
        let v = try Self.volume(try folder.series(images))
        let h = Parsed(bytes: v.nii)
        #expect(v.shape == [3, 4, 1] && v.slices == 1)
        #expect(v.sliceThickness == nil)
        #expect(h.dim == [3, 3, 4, 1, 1, 1, 1, 1])
        #expect(h.pixdim[3] == 1.5)               // from SliceThickness, as dcm2niix does
        Self.checkGeometry(v, images: images, rankOf: { $0 })
    }

    // MARK: - multi-frame

    @Test func multiFrameMatchesTheSameSeriesAsSingleFrames() throws {
        let o = Self.obliqueOrientation
        let normal = [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]]
        let positions = (0..<4).map { Self.point([5, 6, 7], plus: 3 * Double($0), along: normal) }
        // Single frames, marks = rank.
        let singles: [Image] = positions.enumerated().map { k, p in
            var image = Image(position: p, orientation: o, spacing: [0.7, 0.6])
            image.mark = k
            image.slope = 1.5
            image.intercept = 4
            return image
        }
        let folder = try Folder()
        let reference = try Self.volume(try folder.series(singles))
        // One object, frames stored in decreasing position, geometry in the shared groups…
        var multi = Image(position: nil, orientation: o, spacing: [0.7, 0.6])
        multi.framePositions = positions.reversed()
        multi.frameMarks = [3, 2, 1, 0]
        multi.slope = 1.5
        multi.intercept = 4
        let folder2 = try Folder()
        let shared = try Self.volume(try folder2.series([multi]))
        #expect(shared.nii == reference.nii)
        #expect(shared.slices == 4 && shared.shape == [3, 4, 4])
        Self.checkGeometry(shared, images: [multi], rankOf: { 3 - $0 })
        // …or in each frame's own groups.
        multi.perFrameOrientation = true
        let folder3 = try Folder()
        #expect(try Self.volume(try folder3.series([multi])).nii == reference.nii)
        let h = Parsed(bytes: shared.nii)
        #expect(h.float(112) == 1.5 && h.float(116) == 4)
    }

    @Test func multiFrameWithoutGeometryIsNotConvertible() throws {
        // Frames without Per-Frame Functional Groups have no positions of their own.
        var image = Image()
        image.framePositions = [[0, 0, 0], [0, 0, 1]]
        image.perFrameGroups = false
        let folder = try Folder()
        let reason = try Self.reason(try folder.series([image]))
        #expect(reason?.contains("without per-frame positions") == true, "\(reason ?? "converted")")
        // Per-frame positions, but no orientation anywhere.
        image.perFrameGroups = true
        image.orientation = nil
        let folder2 = try Folder()
        let reason2 = try Self.reason(try folder2.series([image]))
        #expect(reason2?.contains("frame 1: ImageOrientationPatient missing") == true, "\(reason2 ?? "converted")")
    }

    // MARK: - series that are not one volume

    @Test(arguments: [
        ("non-uniform spacing", "spacing is not uniform"),
        ("duplicate positions", "share a slice position"),
        ("differing orientation", "orientation"),
        ("differing size", "differ in size"),
        ("missing position", "ImagePositionPatient missing"),
        ("missing orientation", "ImageOrientationPatient missing"),
        ("missing spacing", "PixelSpacing missing"),
        ("differing rescale", "RescaleSlope"),
        ("gantry tilt", "not along the slice normal"),
        ("compressed", "compressed"),
        ("colour", "SamplesPerPixel is 3"),
        ("no pixel data", "no Pixel Data"),
        ("differing pixel format", "pixel format"),
    ])
    func notConvertible(_ kind: String, _ expected: String) throws {
        var images = Self.axial(count: 4)
        switch kind {
        case "non-uniform spacing": images[3].position![2] += 0.5
        case "duplicate positions": images[2].position = images[1].position
        case "differing orientation": images[1].orientation = [1, 0, 0, 0, 0.99995, 0.0099998]
        case "differing size": images[2].rows = 5
        case "missing position": images[1].position = nil
        case "missing orientation": images[1].orientation = nil
        case "missing spacing": images[1].spacing = nil
        case "differing rescale": images[1].slope = 2
        case "gantry tilt": for k in images.indices { images[k].position![1] += 0.4 * Double(k) }
        case "compressed": images[1].compressed = true
        case "colour": images = images.map { var i = $0; i.samplesPerPixel = 3; i.bitsAllocated = 8; return i }
        case "no pixel data": images[3].withPixelData = false
        case "differing pixel format": images[0].signed = true
        default: Issue.record("unknown case \(kind)")
        }
        let folder = try Folder()
        let reason = try Self.reason(try folder.series(images))
        #expect(reason?.contains(expected) == true, "\(kind): \(reason ?? "converted")")
    }

    @Test func smallDeviationsAreRounding() throws {
        let folder = try Folder()
        var images = Self.axial(count: 4, step: 5)
        images[2].position![2] += 0.04      // under 1% of 5 mm
        images[1].position![0] += 0.005     // sideways, under 0.01 mm
        let v = try Self.volume(try folder.series(images))
        #expect(v.slices == 4)
    }

    @Test func noImagesIsNotConvertible() throws {
        #expect(try Self.reason([]) != nil)
    }

    // MARK: - gzip

    @Test func gzippedIsGzipOfTheNii() throws {
        let folder = try Folder()
        let v = try Self.volume(try folder.series(Self.axial(count: 3)))
        let gz = try v.gzipped()
        #expect(Array(gz.prefix(3)) == [0x1F, 0x8B, 0x08])
        #expect(try Self.gunzip(gz) == v.nii)
        // A large, compressible input crosses many output chunks.
        let big = [UInt8]((0..<5_000_000).map { UInt8(truncatingIfNeeded: $0 / 1000) })
        #expect(try Self.gunzip(try NIfTIGzip.compress(big)) == big)
        #expect(try Self.gunzip(try NIfTIGzip.compress([])) == [])
    }

    static func gunzip(_ input: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, MAX_WBITS + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw Unexpected() }
        defer { inflateEnd(&stream) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        var input = input
        var status: Int32 = Z_OK
        try input.withUnsafeMutableBufferPointer { src in
            stream.next_in = src.baseAddress
            stream.avail_in = UInt32(src.count)
            repeat {
                let made: Int = chunk.withUnsafeMutableBufferPointer { buf in
                    stream.next_out = buf.baseAddress
                    stream.avail_out = UInt32(buf.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return buf.count - Int(stream.avail_out)
                }
                out += chunk[0..<made]
                guard status == Z_OK || status == Z_STREAM_END else { throw Unexpected() }
            } while status != Z_STREAM_END
        }
        return out
    }
}

import DICOMCore
import DICOMFile

/// A NIfTI-1 volume made from the files of one series, in pure Swift, laid out as dcm2niix lays
/// out the same series: x runs along each DICOM row (columns in order), y along the rows in
/// reverse order (the first voxel row is the last DICOM row), z along the slices in increasing
/// position on the slice normal (row direction × column direction). The sform and qform (code
/// 1, scanner) map voxels to RAS+ millimetres: DICOM's LPS with x and y negated. Voxels are the
/// stored values; Rescale Slope and Intercept go into scl_slope and scl_inter.
///
/// A series that is not one regular volume (slices that differ in orientation, size, pixel
/// format or rescaling, positions that repeat or are not evenly spaced along the normal, missing
/// geometry, compressed or colour pixel data) is reported with the reason, never guessed at.
public enum NIfTIVolume {
    public enum Result: Sendable {
        case volume(Volume)
        /// The reason, for series that cannot be a volume.
        case notConvertible(String)
    }

    public struct Volume: Sendable {
        /// The uncompressed .nii bytes: 348-byte header, 4-byte extension flag, voxels at 352.
        public var nii: [UInt8]
        /// [x, y, z]: columns, rows, slices.
        public var shape: [Int]
        /// Images (or frames) used.
        public var slices: Int
        /// The spacing between the sorted slices; nil for a single slice.
        public var sliceThickness: Double?
        public var rows: Int
        public var columns: Int

        /// The .nii.gz bytes (gzip).
        public func gzipped() throws -> [UInt8] { try NIfTIGzip.compress(nii) }
    }

    /// Spacing and position tolerance: differences up to this many mm, or this fraction of the
    /// slice spacing if that is larger, are rounding, not geometry.
    static let absoluteTolerance = 0.01
    static let relativeTolerance = 0.01
    /// Direction cosines that differ by less than this are the same orientation.
    static let orientationTolerance = 1e-4

    /// Reads the series' files (paths of Part 10 files of ONE series) and builds a NIfTI-1
    /// volume. Throws only if a file cannot be read; anything about the content that rules out
    /// a volume is `.notConvertible` with the reason.
    public static func make(paths: [String]) throws -> Result {
        guard !paths.isEmpty else { return .notConvertible("the series has no images") }
        var frames: [Frame] = []
        var objects: [PixelObject] = []
        for path in paths {
            let file = try Part10File.read(path: path)
            switch readFrames(of: file, path: path, object: objects.count) {
            case .failure(let reason):
                return .notConvertible(reason.message)
            case .success(let (object, objectFrames)):
                objects.append(object)
                frames += objectFrames
            }
        }
        switch plan(frames: frames, objects: objects) {
        case .failure(let reason):
            return .notConvertible(reason.message)
        case .success(let plan):
            return .volume(try assemble(plan, objects: objects))
        }
    }

    // MARK: - what each file holds

    struct Reason: Error, Equatable {
        let message: String
        init(_ message: String) { self.message = message }
    }

    struct Vector: Equatable {
        var x: Double, y: Double, z: Double
        init(_ x: Double, _ y: Double, _ z: Double) { self.x = x; self.y = y; self.z = z }
        init?(_ values: ArraySlice<Double>) {
            guard values.count == 3 else { return nil }
            let v = Array(values)
            self.init(v[0], v[1], v[2])
        }
        static func + (a: Vector, b: Vector) -> Vector { Vector(a.x + b.x, a.y + b.y, a.z + b.z) }
        static func - (a: Vector, b: Vector) -> Vector { Vector(a.x - b.x, a.y - b.y, a.z - b.z) }
        static func * (s: Double, a: Vector) -> Vector { Vector(s * a.x, s * a.y, s * a.z) }
        func dot(_ b: Vector) -> Double { x * b.x + y * b.y + z * b.z }
        func cross(_ b: Vector) -> Vector { Vector(y * b.z - z * b.y, z * b.x - x * b.z, x * b.y - y * b.x) }
        var length: Double { dot(self).squareRoot() }
        func maxDifference(_ b: Vector) -> Double { max(abs(x - b.x), abs(y - b.y), abs(z - b.z)) }
    }

    /// How one object's pixels are stored; every object of a volume must agree.
    struct PixelFormat: Equatable {
        var rows: Int
        var columns: Int
        var bitsAllocated: Int
        var bitsStored: Int
        var highBit: Int
        var signed: Bool
        var bytesPerFrame: Int { rows * columns * bitsAllocated / 8 }
    }

    /// A file with pixel data: its format and where the pixel data are.
    struct PixelObject {
        var path: String
        var format: PixelFormat
        var pixelData: BinaryValue
        var frameCount: Int
    }

    /// One 2D image: a single-frame object, or one frame of a multi-frame object.
    struct Frame {
        var object: Int
        var frame: Int
        var position: Vector
        /// Direction of increasing column index (ImageOrientationPatient 1-3), normalised.
        var rowDirection: Vector
        /// Direction of increasing row index (ImageOrientationPatient 4-6), normalised.
        var columnDirection: Vector
        /// PixelSpacing: between rows, then between columns.
        var rowSpacing: Double
        var columnSpacing: Double
        var thickness: Double?
        var slope: Double
        var intercept: Double
    }

    /// The geometry that applies to one frame, from the frame's own functional groups, the
    /// shared ones, or the top level, in that order.
    struct GeometrySources {
        var perFrame: DataSet?
        var shared: DataSet?
        var top: DataSet

        /// The first item of a functional group macro's sequence, per-frame before shared.
        func group(_ sequence: Tag) -> DataSet? {
            for source in [perFrame, shared] {
                if let item = source?[sequence]?.items?.first { return item }
            }
            return nil
        }

        func decimals(_ tag: Tag, in sequence: Tag) -> [Double] {
            if let item = group(sequence), let e = item[tag], !e.isEmpty { return e.decimals }
            return top[tag]?.decimals ?? []
        }
    }

    static func readFrames(of file: Part10File, path: String, object: Int) -> Swift.Result<(PixelObject, [Frame]), Reason> {
        let ds = file.dataSet
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let pixelElement = ds[.pixelData] else {
            if ds[Tag(0x7FE0_0008)] != nil || ds[Tag(0x7FE0_0009)] != nil {
                return .failure(Reason("\(name): float pixel data is not supported"))
            }
            return .failure(Reason("\(name): no Pixel Data"))
        }
        if file.transferSyntax.isEncapsulated {
            return .failure(Reason("\(name): encapsulated (compressed) pixel data (\(file.transferSyntax.name))"))
        }
        if !file.transferSyntax.isLittleEndian {
            return .failure(Reason("\(name): big endian pixel data (\(file.transferSyntax.name)) is not supported"))
        }
        let pixelData: BinaryValue
        switch pixelElement.value {
        case .binary(let b): pixelData = b
        case .fragments: return .failure(Reason("\(name): encapsulated (compressed) pixel data"))
        case .sequence: return .failure(Reason("\(name): Pixel Data is not a pixel value"))
        }
        let samples = ds.int(.samplesPerPixel) ?? 1
        guard samples == 1 else {
            return .failure(Reason("\(name): SamplesPerPixel is \(samples); only single-sample (grey) images make a volume"))
        }
        guard let rows = ds.int(.rows), let columns = ds.int(.columns), rows > 0, columns > 0 else {
            return .failure(Reason("\(name): Rows or Columns missing"))
        }
        guard let bitsAllocated = ds.int(.bitsAllocated), [8, 16, 32].contains(bitsAllocated) else {
            let value = ds.int(.bitsAllocated).map(String.init) ?? "missing"
            return .failure(Reason("\(name): BitsAllocated \(value) is not supported (8, 16 or 32)"))
        }
        let bitsStored = ds.int(.bitsStored) ?? bitsAllocated
        let highBit = ds.int(.highBit) ?? bitsStored - 1
        guard bitsStored >= 1, bitsStored <= bitsAllocated, highBit >= bitsStored - 1, highBit < bitsAllocated else {
            return .failure(Reason("\(name): BitsStored \(bitsStored) and HighBit \(highBit) do not fit BitsAllocated \(bitsAllocated)"))
        }
        let format = PixelFormat(rows: rows, columns: columns, bitsAllocated: bitsAllocated, bitsStored: bitsStored,
                                 highBit: highBit, signed: ds.int(.pixelRepresentation) == 1)

        let frameCount = max(ds.int(.numberOfFrames) ?? 1, 1)
        guard pixelData.length >= UInt64(frameCount) * UInt64(format.bytesPerFrame) else {
            return .failure(Reason("\(name): Pixel Data holds \(pixelData.length) bytes, fewer than \(frameCount) frame(s) of \(rows)×\(columns) at \(bitsAllocated) bits"))
        }
        let perFrame = ds[.perFrameFunctionalGroupsSequence]?.items
        let shared = ds[.sharedFunctionalGroupsSequence]?.items?.first
        if let perFrame, perFrame.count != frameCount {
            return .failure(Reason("\(name): \(perFrame.count) per-frame functional group items for \(frameCount) frames"))
        }
        if frameCount > 1 && perFrame == nil {
            return .failure(Reason("\(name): \(frameCount) frames without per-frame positions (Per-Frame Functional Groups Sequence)"))
        }
        var result: [Frame] = []
        for f in 0..<frameCount {
            let where_ = frameCount > 1 ? "\(name) frame \(f + 1)" : name
            let sources = GeometrySources(perFrame: perFrame?[f], shared: shared, top: ds)
            guard let position = Vector(sources.decimals(.imagePositionPatient, in: .planePositionSequence)[...]) else {
                return .failure(Reason("\(where_): ImagePositionPatient missing"))
            }
            let orientation = sources.decimals(.imageOrientationPatient, in: .planeOrientationSequence)
            guard orientation.count == 6, let row = Vector(orientation[0..<3]), let column = Vector(orientation[3..<6]) else {
                return .failure(Reason("\(where_): ImageOrientationPatient missing"))
            }
            guard abs(row.length - 1) < 1e-2, abs(column.length - 1) < 1e-2, abs(row.dot(column)) < 1e-3 else {
                return .failure(Reason("\(where_): ImageOrientationPatient is not two orthogonal unit vectors"))
            }
            let spacing = sources.decimals(.pixelSpacing, in: .pixelMeasuresSequence)
            guard spacing.count == 2, spacing[0] > 0, spacing[1] > 0 else {
                return .failure(Reason("\(where_): PixelSpacing missing"))
            }
            let thickness = sources.decimals(.sliceThickness, in: .pixelMeasuresSequence).first
            let slope = sources.decimals(.rescaleSlope, in: .pixelValueTransformationSequence).first ?? 1
            let intercept = sources.decimals(.rescaleIntercept, in: .pixelValueTransformationSequence).first ?? 0
            guard slope != 0 else { return .failure(Reason("\(where_): RescaleSlope is 0")) }
            result.append(Frame(object: object, frame: f, position: position,
                                rowDirection: (1 / row.length) * row, columnDirection: (1 / column.length) * column,
                                rowSpacing: spacing[0], columnSpacing: spacing[1],
                                thickness: thickness.flatMap { $0 > 0 ? $0 : nil }, slope: slope, intercept: intercept))
        }
        return .success((PixelObject(path: path, format: format, pixelData: pixelData, frameCount: frameCount), result))
    }

    // MARK: - the volume's geometry

    struct Plan {
        /// Frames in volume order (increasing position along the normal).
        var frames: [Frame]
        var format: PixelFormat
        var sliceSpacing: Double?
        var header: NIfTIHeader
    }

    static func plan(frames unsorted: [Frame], objects: [PixelObject]) -> Swift.Result<Plan, Reason> {
        guard let first = unsorted.first, let format = objects.first?.format else {
            return .failure(Reason("the series has no images"))
        }
        for object in objects where object.format != format {
            let f = object.format
            if f.rows != format.rows || f.columns != format.columns {
                return .failure(Reason("images differ in size (Rows×Columns \(format.rows)×\(format.columns) and \(f.rows)×\(f.columns))"))
            }
            return .failure(Reason("images differ in pixel format (BitsAllocated, BitsStored, HighBit or PixelRepresentation)"))
        }
        for frame in unsorted {
            if frame.rowDirection.maxDifference(first.rowDirection) > orientationTolerance
                || frame.columnDirection.maxDifference(first.columnDirection) > orientationTolerance {
                return .failure(Reason("images differ in orientation (ImageOrientationPatient)"))
            }
            if abs(frame.rowSpacing - first.rowSpacing) > 1e-4 || abs(frame.columnSpacing - first.columnSpacing) > 1e-4 {
                return .failure(Reason("images differ in PixelSpacing"))
            }
            if frame.slope != first.slope || frame.intercept != first.intercept {
                return .failure(Reason("images differ in RescaleSlope or RescaleIntercept"))
            }
        }
        let normal = first.rowDirection.cross(first.columnDirection)
        let sorted = unsorted.map { (frame: $0, distance: normal.dot($0.position)) }.sorted { $0.distance < $1.distance }
        var spacing: Double?
        if sorted.count > 1 {
            for i in 1..<sorted.count where sorted[i].distance - sorted[i - 1].distance < absoluteTolerance {
                return .failure(Reason("two images share a slice position (\(format3(sorted[i].distance)) mm along the normal)"))
            }
            let mean = (sorted.last!.distance - sorted[0].distance) / Double(sorted.count - 1)
            let tolerance = max(absoluteTolerance, relativeTolerance * mean)
            for i in 1..<sorted.count {
                let gap = sorted[i].distance - sorted[i - 1].distance
                if abs(gap - mean) > tolerance {
                    return .failure(Reason("slice spacing is not uniform (\(format3(gap)) mm between two slices, \(format3(mean)) mm on average)"))
                }
            }
            // Slices must lie along the normal: a sideways drift (gantry tilt) is not a box.
            let origin = sorted[0].frame.position
            for s in sorted {
                let offset = s.frame.position - origin
                let along = normal.dot(offset)
                let sideways = (offset - along * normal).length
                if sideways > max(absoluteTolerance, relativeTolerance * abs(along)) {
                    return .failure(Reason("slice positions are not along the slice normal (gantry tilt or shear: \(format3(sideways)) mm sideways)"))
                }
            }
            spacing = mean
        }
        let frames = sorted.map(\.frame)
        let zStep = spacing ?? first.thickness ?? 1
        // LPS voxel → patient: i along the row direction, j along the column direction reversed
        // (rows are written last first), k along the normal; then RAS = LPS with x, y negated.
        let origin = frames[0].position + (Double(format.rows - 1) * first.rowSpacing) * first.columnDirection
        let columnsLPS = [first.columnSpacing * first.rowDirection, -first.rowSpacing * first.columnDirection, zStep * normal]
        var affine = [[Double]](repeating: [0, 0, 0, 0], count: 3)
        for (axis, sign) in [(0, -1.0), (1, -1.0), (2, 1.0)] {
            let component: (Vector) -> Double = axis == 0 ? { $0.x } : axis == 1 ? { $0.y } : { $0.z }
            for col in 0..<3 { affine[axis][col] = sign * component(columnsLPS[col]) + 0 }
            affine[axis][3] = sign * component(origin) + 0
        }
        let dataType: NIfTIHeader.DataType
        switch (format.bitsAllocated, format.signed) {
        case (8, false): dataType = .uint8
        case (8, true): dataType = .int8
        case (16, false): dataType = .uint16
        case (16, true): dataType = .int16
        case (32, false): dataType = .uint32
        default: dataType = .int32
        }
        let header = NIfTIHeader(shape: [format.columns, format.rows, frames.count], dataType: dataType,
                                 voxelSize: [first.columnSpacing, first.rowSpacing, zStep], affine: affine,
                                 sclSlope: first.slope, sclIntercept: first.intercept)
        return .success(Plan(frames: frames, format: format, sliceSpacing: spacing, header: header))
    }

    static func format3(_ value: Double) -> String {
        let scaled = (value * 1000).rounded() / 1000
        return "\(scaled)"
    }

    // MARK: - voxels

    static func assemble(_ plan: Plan, objects: [PixelObject]) throws -> Volume {
        let format = plan.format
        let bytesPerVoxel = format.bitsAllocated / 8
        let rowBytes = format.columns * bytesPerVoxel
        let frameBytes = format.bytesPerFrame
        var nii = plan.header.encode()
        nii.reserveCapacity(nii.count + frameBytes * plan.frames.count)
        // Each object's pixel data is loaded once, when its first frame is needed, and dropped
        // after its last frame is used.
        var lastUse: [Int: Int] = [:]
        for (i, frame) in plan.frames.enumerated() { lastUse[frame.object] = i }
        var loaded: [Int: [UInt8]] = [:]
        for (i, frame) in plan.frames.enumerated() {
            if loaded[frame.object] == nil { loaded[frame.object] = try objects[frame.object].pixelData.load() }
            let pixels = loaded[frame.object]!
            let start = frame.frame * frameBytes
            for row in stride(from: format.rows - 1, through: 0, by: -1) {
                let from = start + row * rowBytes
                nii += pixels[from..<(from + rowBytes)]
            }
            if lastUse[frame.object] == i { loaded[frame.object] = nil }
        }
        if format.bitsStored < format.bitsAllocated {
            normaliseStoredBits(&nii, from: NIfTIHeader.voxelOffset, format: format)
        }
        return Volume(nii: nii, shape: plan.header.shape, slices: plan.frames.count, sliceThickness: plan.sliceSpacing,
                      rows: format.rows, columns: format.columns)
    }

    /// Keeps only the BitsStored bits that end at HighBit, sign-extended for signed data, as
    /// PS3.5 8.1.1 defines the pixel value (bits outside them may hold anything).
    static func normaliseStoredBits(_ bytes: inout [UInt8], from offset: Int, format: PixelFormat) {
        let shift = format.highBit + 1 - format.bitsStored
        let mask: UInt32 = format.bitsStored >= 32 ? .max : (1 << UInt32(format.bitsStored)) - 1
        let signBit: UInt32 = 1 << UInt32(format.bitsStored - 1)
        func value(_ raw: UInt32) -> UInt32 {
            var v = (raw >> UInt32(shift)) & mask
            if format.signed && v & signBit != 0 { v |= ~mask }
            return v
        }
        bytes.withUnsafeMutableBytes { raw in
            switch format.bitsAllocated {
            case 8:
                for i in offset..<raw.count { raw[i] = UInt8(truncatingIfNeeded: value(UInt32(raw[i]))) }
            case 16:
                for i in stride(from: offset, to: raw.count - 1, by: 2) {
                    let v = value(UInt32(raw[i]) | UInt32(raw[i + 1]) << 8)
                    raw[i] = UInt8(truncatingIfNeeded: v)
                    raw[i + 1] = UInt8(truncatingIfNeeded: v >> 8)
                }
            default:
                for i in stride(from: offset, to: raw.count - 3, by: 4) {
                    let v = value(UInt32(raw[i]) | UInt32(raw[i + 1]) << 8 | UInt32(raw[i + 2]) << 16 | UInt32(raw[i + 3]) << 24)
                    for b in 0..<4 { raw[i + b] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(b))) }
                }
            }
        }
    }
}

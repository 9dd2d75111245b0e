/// The 348-byte NIfTI-1 header (nifti1.h), little endian, for a single-file `.nii` whose voxels
/// start at byte 352 (after a 4-byte extension flag of zeros).
struct NIfTIHeader: Sendable {
    /// NIfTI-1 datatype codes (nifti1.h DT_*).
    enum DataType: Int16, Sendable {
        case uint8 = 2
        case int16 = 4
        case int32 = 8
        case int8 = 256
        case uint16 = 512
        case uint32 = 768

        var bitsPerVoxel: Int16 {
            switch self {
            case .uint8, .int8: return 8
            case .int16, .uint16: return 16
            case .int32, .uint32: return 32
            }
        }
    }

    /// Voxels per axis (x fastest); 3 or 4 entries.
    var shape: [Int]
    var dataType: DataType
    /// Voxel sizes in mm along i, j, k (and the time step, for 4D).
    var voxelSize: [Double]
    /// The voxel-to-RAS+ matrix: three rows of four (rotation and zooms, then translation).
    var affine: [[Double]]
    var sclSlope: Double
    var sclIntercept: Double
    var description = "sendit"

    static let size = 348
    static let voxelOffset = 352

    /// The header and the 4-byte extension flag: the first 352 bytes of the `.nii`.
    func encode() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Self.voxelOffset)
        func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
            withUnsafeBytes(of: value.littleEndian) { raw in
                for (i, b) in raw.enumerated() { out[offset + i] = b }
            }
        }
        func putFloat(_ value: Double, at offset: Int) { put(Float(value).bitPattern, at: offset) }
        func putText(_ text: String, at offset: Int, max: Int) {
            for (i, b) in text.utf8.prefix(max - 1).enumerated() { out[offset + i] = b }
        }

        let q = Self.quaternion(affine: affine)
        put(Int32(Self.size), at: 0)               // sizeof_hdr
        out[38] = UInt8(ascii: "r")                // regular (unused; as dcm2niix and FSL write it)
        put(Int16(shape.count), at: 40)            // dim[0]
        for i in 1...7 {                           // dim[1...7]; unused ones are 1
            put(Int16(i <= shape.count ? shape[i - 1] : 1), at: 40 + 2 * i)
        }
        put(dataType.rawValue, at: 70)             // datatype
        put(dataType.bitsPerVoxel, at: 72)         // bitpix
        putFloat(q.qfac, at: 76)                   // pixdim[0]: qfac
        for (i, size) in voxelSize.prefix(7).enumerated() { putFloat(size, at: 80 + 4 * i) }
        putFloat(Double(Self.voxelOffset), at: 108) // vox_offset
        putFloat(sclSlope, at: 112)
        putFloat(sclIntercept, at: 116)
        out[123] = 2                               // xyzt_units: NIFTI_UNITS_MM
        putText(description, at: 148, max: 80)     // descrip
        put(Int16(1), at: 252)                     // qform_code: NIFTI_XFORM_SCANNER_ANAT
        put(Int16(1), at: 254)                     // sform_code: NIFTI_XFORM_SCANNER_ANAT
        putFloat(q.b, at: 256)
        putFloat(q.c, at: 260)
        putFloat(q.d, at: 264)
        putFloat(affine[0][3], at: 268)            // qoffset_x, y, z
        putFloat(affine[1][3], at: 272)
        putFloat(affine[2][3], at: 276)
        for row in 0..<3 {                         // srow_x, srow_y, srow_z
            for col in 0..<4 { putFloat(affine[row][col], at: 280 + 16 * row + 4 * col) }
        }
        out[344] = UInt8(ascii: "n")               // magic "n+1\0": header and voxels in one file
        out[345] = UInt8(ascii: "+")
        out[346] = UInt8(ascii: "1")
        return out                                 // bytes 348..<352: extension flag, all zero
    }

    struct Quaternion: Equatable, Sendable {
        var b: Double, c: Double, d: Double
        /// -1 if the matrix is a reflection (pixdim[0]); +1 otherwise.
        var qfac: Double
    }

    /// The qform quaternion of the affine's rotation, as nifti1_io's nifti_mat44_to_quatern
    /// computes it: columns normalised, the third negated (qfac -1) for a left-handed matrix.
    static func quaternion(affine m: [[Double]]) -> Quaternion {
        var r = [[Double]](repeating: [0, 0, 0], count: 3)
        for col in 0..<3 {
            let norm = (0..<3).map { m[$0][col] * m[$0][col] }.reduce(0, +).squareRoot()
            for row in 0..<3 { r[row][col] = norm > 0 ? m[row][col] / norm : (row == col ? 1 : 0) }
        }
        let det = r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1])
            - r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0])
            + r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0])
        var qfac = 1.0
        if det < 0 {
            qfac = -1
            for row in 0..<3 { r[row][2] = -r[row][2] }
        }
        var a = r[0][0] + r[1][1] + r[2][2] + 1
        var b: Double, c: Double, d: Double
        if a > 0.5 {
            a = 0.5 * a.squareRoot()
            b = 0.25 * (r[2][1] - r[1][2]) / a
            c = 0.25 * (r[0][2] - r[2][0]) / a
            d = 0.25 * (r[1][0] - r[0][1]) / a
        } else {
            let xd = 1 + r[0][0] - (r[1][1] + r[2][2])
            let yd = 1 + r[1][1] - (r[0][0] + r[2][2])
            let zd = 1 + r[2][2] - (r[0][0] + r[1][1])
            if xd > 1 {
                b = 0.5 * xd.squareRoot()
                c = 0.25 * (r[0][1] + r[1][0]) / b
                d = 0.25 * (r[0][2] + r[2][0]) / b
                a = 0.25 * (r[2][1] - r[1][2]) / b
            } else if yd > 1 {
                c = 0.5 * yd.squareRoot()
                b = 0.25 * (r[0][1] + r[1][0]) / c
                d = 0.25 * (r[1][2] + r[2][1]) / c
                a = 0.25 * (r[0][2] - r[2][0]) / c
            } else {
                d = 0.5 * zd.squareRoot()
                b = 0.25 * (r[0][2] + r[2][0]) / d
                c = 0.25 * (r[1][2] + r[2][1]) / d
                a = 0.25 * (r[1][0] - r[0][1]) / d
            }
            if a < 0 { b = -b; c = -c; d = -d }
        }
        return Quaternion(b: b, c: c, d: d, qfac: qfac)
    }
}

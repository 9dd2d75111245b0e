import Foundation
import Testing
@testable import NIfTI
import TestSupport

/// NIfTIVolume against dcm2niix on the same series, both outputs loaded with nibabel
/// (conformance/nifti_compare.py).
@Suite struct NIfTIDcm2niixTests {
    static let packageRoot = ExternalTools.packageRoot
    typealias Failure = ExternalTools.Missing
    static func python() throws -> String { try ExternalTools.python() }
    static func tool(_ name: String) throws -> String { try ExternalTools.tool(name) }
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], accepting statuses: Set<Int32> = [0]) throws -> String {
        try ExternalTools.run(executable, arguments, accepting: statuses)
    }

    /// dcm2niix's release date (v1.0.YYYYMMDD).
    static func dcm2niixRelease(_ dcm2niix: String) throws -> Int {
        let text = try run(dcm2niix, ["--version"], accepting: [0, 3])   // --version exits 3
        guard let range = text.range(of: #"v1\.0\.(\d{8})"#, options: .regularExpression) else {
            throw Failure(description: "cannot read dcm2niix's version from: \(text)")
        }
        return Int(text[range].dropFirst(5))!
    }

    /// Series written by scripts/make-ct-corpus.py (signed 16-bit CT, BitsStored 12) and by
    /// conformance/nifti_compare.py (oblique uint16 MR with rescale, sagittal int16 MR,
    /// Enhanced MR multi-frame), and one slice of the CT.
    @Test(arguments: ["ct", "ct-single", "oblique", "sagittal", "enhanced"])
    func sameAsDcm2niix(_ kind: String) throws {
        let python = try Self.python()
        let dcm2niix = try Self.tool("dcm2niix")
        try Self.run(python, ["-c", "import nibabel, pydicom, numpy"])
        let folder = try NIfTIVolumeTests.Folder()
        let compare = Self.packageRoot.appendingPathComponent("conformance/nifti_compare.py").path
        var series: String
        switch kind {
        case "ct", "ct-single":
            let script = Self.packageRoot.appendingPathComponent("scripts/make-ct-corpus.py").path
            series = try Self.run(python, [script, folder.path, "--count", "20", "--size", "64"])
                .trimmingCharacters(in: .whitespacesAndNewlines)
            if kind == "ct-single" {
                let single = folder.path + "/single"
                try FileManager.default.createDirectory(atPath: single, withIntermediateDirectories: true)
                try FileManager.default.copyItem(atPath: series + "/CT000007.dcm", toPath: single + "/CT000007.dcm")
                series = single
            }
        default:
            series = try Self.run(python, [compare, "series", kind, folder.path + "/" + kind])
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let theirs = folder.path + "/dcm2niix"
        try FileManager.default.createDirectory(atPath: theirs, withIntermediateDirectories: true)
        try Self.run(dcm2niix, ["-z", "y", "-b", "n", "-f", "theirs", "-o", theirs, series])
        let paths = try FileManager.default.contentsOfDirectory(atPath: series).sorted().map { series + "/" + $0 }
        let v = try NIfTIVolumeTests.volume(paths)
        let ours = folder.path + "/ours.nii.gz"
        try Data(try v.gzipped()).write(to: URL(fileURLWithPath: ours))
        let output = try Self.run(python, [compare, "compare", ours, theirs + "/theirs.nii.gz", "--dicom", series])
        let r = try JSONSerialization.jsonObject(with: Data(output.utf8)) as! [String: Any]
        print("nifti comparison \(kind): shape \(r["shape_ours"]!) vs \(r["shape_theirs"]!), dtype \(r["dtype_ours"]!) vs \(r["dtype_theirs"]!), "
              + "max |raw diff| \(r["max_abs_raw_diff"] ?? "-"), max |scaled diff| \(r["max_abs_scaled_diff"] ?? "-"), "
              + "max |diff vs pydicom| \(r["max_abs_diff_vs_pydicom"] ?? "-"), max |affine diff| \(r["max_abs_affine_diff"]!), "
              + "sform \(r["max_abs_sform_diff"]!), qform \(r["max_abs_qform_diff"]!), scaling \(r["scaling_ours"]!) vs \(r["scaling_theirs"]!)")

        #expect(r["shape_ours"] as? [Int] == r["shape_theirs"] as? [Int])
        #expect((r["max_abs_affine_diff"] as? Double ?? .infinity) < 1e-3)
        #expect((r["max_abs_sform_diff"] as? Double ?? .infinity) < 1e-3)
        #expect((r["max_abs_qform_diff"] as? Double ?? .infinity) < 1e-3)
        #expect(r["scaling_ours"] as? [Double] == r["scaling_theirs"] as? [Double])
        // Ours equals pydicom's pixel arrays in dcm2niix's order, whatever dcm2niix's release.
        #expect(r["max_abs_diff_vs_pydicom"] as? Double == 0)
        let signed12 = kind.hasPrefix("ct")   // the CT corpus: signed, BitsStored 12 < BitsAllocated 16
        if signed12, try Self.dcm2niixRelease(dcm2niix) < 2023_04_11 {
            // Releases before v1.0.20230411 mask signed data to BitsStored bits without
            // extending the sign (rordenlab/dcm2niix#688): -1011 comes out as 3085. The low 12
            // bits must agree; the full values are checked against pydicom above.
            #expect(r["low12_equal"] as? Bool == true)
        } else {
            #expect(r["raw_equal"] as? Bool == true)
            #expect(r["max_abs_scaled_diff"] as? Double == 0)
        }
    }
}

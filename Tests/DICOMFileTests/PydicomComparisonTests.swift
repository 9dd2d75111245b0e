import DICOMCore
import DICOMFile
import Foundation
import Testing
import TestSupport

/// Reads every file in pydicom's own test data (files nobody here wrote) with sendit and with
/// pydicom, and compares tag, VR, value length, value bytes and decoded values of every element,
/// nested sequences included. pydicom's side comes from scripts/pydicom-canonical.py.
@Suite struct PydicomComparisonTests {
    /// Differences accepted, each with its reason: "file|path+tag|field".
    static let acceptedDifferences: [String: String] = [
        // Truncated files: pydicom reports the length the header claims, sendit the bytes that
        // are there (and a warning saying the value is truncated). Values are identical.
        "MR_truncated.dcm|7FE00010|len": "truncated Pixel Data: claimed 8192, 8130 present",
        "rtplan_truncated.dcm|300A00B0[0].300A0111[0].300A012C|len": "truncated value: claimed 50, 29 present",
    ]

    struct Outcome {
        var filesCompared = 0
        var elementsCompared = 0
        var differences: [String] = []
        var rejectedByBoth: [String] = []
        var readWithWarningWherePydicomRejects: [String] = []
        var unKeptAsEncoded = 0
    }

    @Test func everyPydicomTestFileReadsTheSame() throws {
        let python = try ExternalTools.python()   // none: the test fails, saying to run scripts/setup
        let script = ExternalTools.pydicomCanonical
        let files = try ExternalTools.pydicomTestFiles(python: python)
        #expect(files.count > 150, "pydicom's test data: \(files.count) files")
        let listing = try TestEnvironment.run(python, [script] + files)
        #expect(listing.status == 0, "\(listing.stderr)")
        var outcome = Outcome()
        for line in listing.text.split(separator: "\n") {
            let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            compare(record, &outcome)
        }
        let report = """
            pydicom comparison: \(outcome.filesCompared) files compared, \(outcome.elementsCompared) elements compared, \
            \(outcome.differences.count) differences, \(Self.acceptedDifferences.count) accepted; \
            \(outcome.rejectedByBoth.count) rejected by both; \(outcome.readWithWarningWherePydicomRejects.count) \
            read with a warning where pydicom needs force=True or fails; \(outcome.unKeptAsEncoded) elements \
            kept as UN where pydicom substitutes the dictionary VR (bytes compared)
            """
        print(report)
        #expect(outcome.filesCompared >= 80)
        #expect(outcome.differences.isEmpty, "\(outcome.differences.prefix(40).joined(separator: "\n"))")
    }

    func compare(_ record: [String: Any], _ outcome: inout Outcome) {
        let path = record["file"] as! String
        let name = (path as NSString).lastPathComponent
        let pydicomOK = record["ok"] as! Bool
        let forced = record["forced"] as? Bool ?? false
        let file: Part10File
        do {
            file = try Part10File.read(path: path)
        } catch {
            if pydicomOK && !forced {
                outcome.differences.append("\(name): pydicom reads it, sendit fails: \(error)")
            } else {
                outcome.rejectedByBoth.append(name)
            }
            return
        }
        if !pydicomOK || forced {
            // pydicom rejects it (without force): sendit must have said why it read it anyway.
            if file.warnings.isEmpty {
                outcome.differences.append("\(name): pydicom rejects it without force=True, sendit reads it without a warning")
                return
            }
            outcome.readWithWarningWherePydicomRejects.append(name)
            guard pydicomOK else { return }
        }
        outcome.filesCompared += 1
        let theirs = (record["rows"] as! [[String: Any]])
        let ours: [[String: Any]]
        do { ours = try CanonicalRows.rows(of: file.dataSet) } catch {
            outcome.differences.append("\(name): cannot load values: \(error)")
            return
        }
        let result = RowComparison.compare(ours: ours, theirs: theirs)
        outcome.elementsCompared += result.elementsCompared
        outcome.unKeptAsEncoded += result.unKeptAsEncoded
        for d in result.differences where Self.acceptedDifferences["\(name)|\(d.key)|\(d.field)"] == nil {
            outcome.differences.append("\(name): \(d.text)")
        }
    }

}

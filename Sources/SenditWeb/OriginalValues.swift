import DICOMCore
import DICOMFile
import Foundation

/// A series' original patient name, patient ID, birth date and accession number, for an admin
/// when SHOW_PHI=true: the index keeps none of them, so they are read on request from the
/// header of one of the series' received images still on disk (header only, pixel data not
/// read), shown, and not kept.
struct OriginalValues: Encodable, Sendable, Equatable {
    var onDisk: Bool
    var note: String?
    var patientName: String?
    var patientID: String?
    var patientBirthDate: String?
    var accessionNumber: String?

    static let gone = OriginalValues(onDisk: false, note: "originals no longer on disk")

    /// The values from the first of `paths` that is on disk and readable as DICOM.
    static func read(paths: [String]) -> OriginalValues {
        for path in paths where FileManager.default.fileExists(atPath: path) {
            guard let header = try? Part10File.read(path: path, options: .headerOnly).dataSet else { continue }
            return OriginalValues(onDisk: true, patientName: header.string(.patientName) ?? "", patientID: header.string(.patientID) ?? "",
                                  patientBirthDate: header.string(.patientBirthDate) ?? "",
                                  accessionNumber: header.string(.accessionNumber) ?? "")
        }
        return gone
    }
}

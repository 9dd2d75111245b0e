import DICOMCore
import Foundation

/// The metadata document uploaded beside a series' NIfTI volume (and set as the object's custom
/// metadata): a configured subset of the de-identified header's fields, plus what the volume
/// says (image count, slice thickness, matrix). Values come only from the de-identified copy,
/// which passed the PHI gate.
public enum SeriesMetadata {
    /// The fields computed from the volume rather than read from the header.
    public static let computed = ["ImageCount", "SliceThickness", "Matrix"]

    /// The default: coded patient and accession IDs, Modality, BodyPartExamined, the
    /// descriptions, SeriesNumber, PatientSex, PatientAge, the shifted StudyDate, image count,
    /// slice thickness, matrix.
    public static let defaultFields = ["PatientID", "AccessionNumber", "Modality", "BodyPartExamined", "StudyDescription",
                                       "SeriesDescription", "SeriesNumber", "PatientSex", "PatientAge", "StudyDate"] + computed

    /// Checks a configured list: header keywords the dictionary knows, or the computed fields.
    public static func invalidFields(_ fields: [String]) -> [String] {
        fields.filter { !computed.contains($0) && DataDictionary.entry(forKeyword: $0) == nil }
    }

    /// The document: each field present in the header (or computed) as a string; fields absent
    /// from the header are left out.
    public static func make(fields: [String], header: DataSet, images: Int, sliceThickness: Double?, rows: Int, columns: Int) -> [String: String] {
        var out: [String: String] = [:]
        let characterSet = SpecificCharacterSet(terms: header.strings(.specificCharacterSet))
        for field in fields {
            switch field {
            case "ImageCount": out[field] = String(images)
            case "SliceThickness":
                if let t = sliceThickness { out[field] = String(format: "%.4g", t) }
                else if let t = header.string(.sliceThickness) { out[field] = t }
            case "Matrix": out[field] = "\(columns)x\(rows)"
            default:
                guard let tag = DataDictionary.entry(forKeyword: field)?.tag, let element = header[tag] else { continue }
                let value = element.strings(characterSet: characterSet).joined(separator: "\\")
                if !value.isEmpty { out[field] = value }
            }
        }
        return out
    }

    /// A path component for an object name: `/`, control characters and leading dots replaced.
    public static func objectNameComponent(_ value: String?) -> String {
        let cleaned = String((value ?? "").unicodeScalars.map { s -> Character in
            s == "/" || s == "\\" || s.value < 0x20 || s.value == 0x7F ? "_" : Character(s)
        }).trimmingCharacters(in: .whitespaces)
        if cleaned.isEmpty { return "unknown" }
        return cleaned.hasPrefix(".") ? "_" + cleaned.dropFirst() : cleaned
    }
}

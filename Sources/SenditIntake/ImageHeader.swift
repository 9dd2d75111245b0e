import DICOMCore
import DICOMFile
import DICOMNetwork

/// What the index needs from one file: its three UIDs, SOP class, transfer syntax, modality.
/// Reading it walks the whole data set (values are skipped, not read, so Pixel Data costs a
/// seek) to find a file cut short, which stopping before Pixel Data would miss.
public struct ImageHeader: Equatable, Sendable {
    public var path: String
    public var size: Int64
    public var studyInstanceUID: String
    public var seriesInstanceUID: String
    public var sopInstanceUID: String
    public var sopClassUID: String
    public var transferSyntaxUID: String
    public var modality: String?
    /// Where the data set starts (after the File Meta Information): two copies of an instance
    /// are the same if their bytes from here on are.
    public var dataSetOffset: UInt64 = 0
    /// Where routing sends the file (read with `routing`; nil: not asked).
    public var route: RoutingVerdict?

    /// Only these top-level elements are kept.
    public static let readOptions = ReadOptions(keepingOnly: [
        .studyInstanceUID, .seriesInstanceUID, .sopInstanceUID, .sopClassUID, .modality,
    ])

    /// Why a file cannot enter the index, in words for the quarantine table.
    public struct Rejection: Error, Equatable, Sendable {
        public var reason: String
    }

    /// Reads a file's header, or says why it is not an importable image.
    /// With `routing`, the rules' attributes are read too and the file is routed as an instance
    /// from no association (a folder drop): only rules on the data can take it.
    public static func read(path: String, size: Int64, routing: RoutingPolicy? = nil) -> Result<ImageHeader, Rejection> {
        let file: Part10File
        var options = readOptions
        if let routing { options.keepOnly?.formUnion(routing.attributes) }
        do {
            file = try Part10File.read(path: path, options: options)
        } catch let error as DICOMReadError {
            return .failure(Rejection(reason: "not readable as DICOM: offset \(error.offset): \(error.reason)"))
        } catch {
            return .failure(Rejection(reason: "not readable: \(error)"))
        }
        var result = header(of: file, path: path, size: size)
        if let routing, case .success(var h) = result {
            h.route = routing.route(file.dataSet, from: AssociationPeer(calledAETitle: "", callingAETitle: "", address: ""))
            result = .success(h)
        }
        return result
    }

    /// The checks on a file already read: pure, so they are tested without files.
    public static func header(of file: Part10File, path: String, size: Int64) -> Result<ImageHeader, Rejection> {
        if let cut = file.warnings.first(where: \.isTruncation) {
            return .failure(Rejection(reason: "truncated: offset \(cut.offset): \(cut.message)"))
        }
        if file.preamble == nil {
            return .failure(Rejection(reason: "not a DICOM Part 10 file (no preamble and DICM prefix)"))
        }
        // The data set's own UIDs: it is what will be de-identified and sent, and the File Meta
        // Information's copies do not make a data set without them complete.
        let sopClass = file.dataSet.string(.sopClassUID) ?? ""
        if sopClass == UID.mediaStorageDirectoryStorage.rawValue {
            return .failure(Rejection(reason: "a DICOMDIR (media directory), not an image"))
        }
        var missing: [String] = []
        let study = file.dataSet.string(.studyInstanceUID) ?? ""
        let series = file.dataSet.string(.seriesInstanceUID) ?? ""
        let sop = file.dataSet.string(.sopInstanceUID) ?? ""
        if study.isEmpty { missing.append("StudyInstanceUID") }
        if series.isEmpty { missing.append("SeriesInstanceUID") }
        if sop.isEmpty { missing.append("SOPInstanceUID") }
        if sopClass.isEmpty { missing.append("SOPClassUID") }
        if !missing.isEmpty {
            return .failure(Rejection(reason: "missing " + missing.joined(separator: ", ")))
        }
        let modality = file.dataSet.string(.modality)
        return .success(ImageHeader(path: path, size: size, studyInstanceUID: study, seriesInstanceUID: series,
                                    sopInstanceUID: sop, sopClassUID: sopClass,
                                    transferSyntaxUID: file.transferSyntax.uid.rawValue,
                                    modality: modality?.isEmpty == true ? nil : modality, dataSetOffset: file.dataSetOffset))
    }
}

import DICOMNetwork
import Foundation

/// Where de-identified series go: a DICOM peer (C-STORE), verified by its REST API when it is an
/// Orthanc with one configured. Each destination has its own send job per series
/// (`send:<name>`), its own retries and its own delivery record per image.
public struct DeliveryDestination: Sendable {
    public var name: String
    public var dicom: StorageSCU.Destination
    /// How Success is verified; nil: the C-STORE answer is taken as final.
    public var verifier: OrthancREST?

    public init(name: String, dicom: StorageSCU.Destination, verifier: OrthancREST?) {
        self.name = name
        self.dicom = dicom
        self.verifier = verifier
    }

    /// The job queue's stage for this destination.
    public var stage: String { Self.stagePrefix + name }

    public static let stagePrefix = "send:"

    /// A destination name: letters, digits, `-` and `_` (it is part of stage names and logs).
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 32 && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }
}

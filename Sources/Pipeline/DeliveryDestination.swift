import DICOMNetwork
import Foundation
import SenditIndex
import RemoteServices

/// Where de-identified series go: a DICOM peer (C-STORE; verified through its REST API when it is
/// an Orthanc with one configured), a Google Cloud Storage bucket (a NIfTI volume per series),
/// or a DICOMweb server (STOW-RS, verified by QIDO-RS).
/// Each destination has its own send job per series (`send:<name>`), its own retries and its own
/// delivery record per image.
public struct DeliveryDestination: Sendable {
    /// How a DICOM destination's Success is verified.
    public enum Verification: Sendable {
        /// The C-STORE answer is final.
        case none
        /// Orthanc's REST API is asked which instances it holds.
        case orthancREST(OrthancREST)
        /// Storage Commitment (N-ACTION, then the N-EVENT-REPORT on sendit's listener), waiting
        /// at most `timeout` seconds for the result.
        case storageCommitment(timeout: TimeInterval)
    }

    public enum Target: Sendable {
        /// A DICOM peer, and how its stores are verified.
        case dicom(StorageSCU.Destination, verification: Verification)
        /// A bucket, with the object names' first part.
        case googleCloudStorage(bucket: String, collection: String)
        /// A DICOMweb server (STOW-RS), and whether QIDO-RS verifies what it stored.
        case dicomweb(DICOMwebClient, verify: Bool)
    }

    public var name: String
    public var target: Target

    public init(name: String, target: Target) {
        self.name = name
        self.target = target
    }

    public init(name: String, dicom: StorageSCU.Destination, verification: Verification) {
        self.init(name: name, target: .dicom(dicom, verification: verification))
    }

    /// Whether sendit's listener must take Storage Commitment results for this destination.
    public var usesStorageCommitment: Bool {
        if case .dicom(_, .storageCommitment) = target { return true }
        return false
    }

    /// The job queue's stage for this destination.
    public var stage: String { Self.stagePrefix + name }

    public static let stagePrefix = "send:"

    /// The destination as the index knows it.
    public var indexed: SendDestination { SendDestination(name: name, stage: stage, address: address) }

    /// For logs and `sendit send-status`: `AET@host:port`, `gs://bucket/collection`, or the
    /// DICOMweb base URL (without credentials, query or fragment).
    public var address: String {
        switch target {
        case .dicom(let d, _): "\(d.calledAETitle)@\(d.host):\(d.port)"
        case .googleCloudStorage(let bucket, let collection): "gs://\(bucket)/\(collection)"
        case .dicomweb(let client, _): HTTPCall.shown(client.base)
        }
    }

    /// A destination name: letters, digits, `-` and `_` (it is part of stage names and logs).
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 32 && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }
}

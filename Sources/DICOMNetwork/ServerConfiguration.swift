import DICOMCore
import DICOMDIMSE
import DICOMFile
import DICOMUpperLayer

/// Everything the DICOM listener needs; defaults as docs/design.md gives them.
public struct ServerConfiguration: Sendable {
    public var port: Int = 11112
    public var aeTitle: String = "SENDIT"
    public var dataFolder: String = "./data"
    /// Address to listen on ("0.0.0.0": every interface).
    public var bindAddress: String = "0.0.0.0"
    public var checkCalledAETitle: Bool = true
    public var allowedCallingAETitles: Set<String>?
    public var maximumAssociations: Int = 16
    /// Accept SOP classes that are not Storage or Verification (storescp -pm).
    public var acceptUnknownSOPClasses: Bool = false
    /// Accept private (unregistered) transfer syntaxes, stored as received.
    public var acceptUnknownTransferSyntaxes: Bool = false
    /// Preferred transfer syntaxes when a context proposes several.
    public var transferSyntaxPreference: [String] = [TransferSyntax.explicitVRLittleEndian.uid.rawValue,
                                                     TransferSyntax.implicitVRLittleEndian.uid.rawValue]
    public var maximumPDULength: UInt32 = 128 * 1024
    /// Seconds to wait for the A-ASSOCIATE-RQ after a connection, and for the peer to close after
    /// a release or abort (PS3.8 ARTIM).
    public var artimTimeout: Double = 30
    /// Seconds an established association may stay silent between messages.
    public var idleTimeout: Double = 60
    /// Seconds to wait for the next fragment of a message once it has started.
    public var dimseTimeout: Double = 60
    /// fdatasync every instance before it is acknowledged.
    public var sync: Bool = true
    /// Seconds associations get to finish on shutdown before they are aborted.
    public var shutdownGrace: Double = 10
    /// Accept Storage Commitment Push Model associations from a destination that sends its
    /// N-EVENT-REPORT (the result of sendit's commitment request) on an association of its own.
    public var acceptStorageCommitmentReports = false
    /// Where received instances go (projects chosen by routing rules); nil: no projects.
    public var routing: (any InstanceRouting)?
    /// The DICOM over TLS listener's port (nil: none; 2762 is IANA's) and its settings.
    public var tlsPort: Int?
    public var tls: TLSServerSettings?
    /// Whether the clear-text listener on `port` runs (false: TLS only).
    public var plainListener = true
    /// The Asynchronous Operations Window accepted from a requestor proposing one: requests it
    /// may keep outstanding (still performed and answered one at a time, in order).
    public var asynchronousOperationsWindow = 8

    public init() {}

    /// The negotiation policy: Verification and every Storage SOP class, any registered binary
    /// transfer syntax for storage (bytes are stored as received), uncompressed only for
    /// Verification.
    public var acceptorPolicy: AcceptorPolicy {
        var abstract = Set(StorageSOPClass.all.filter { !$0.isMediaOnly }.map(\.uid.rawValue))
        abstract.insert(UID.verification.rawValue)
        let binary = Set(TransferSyntax.registered.filter(\.isBinaryEncoding).map(\.uid.rawValue))
        var policy = AcceptorPolicy(aeTitle: aeTitle, abstractSyntaxes: abstract, transferSyntaxPreference: transferSyntaxPreference,
                                    acceptableTransferSyntaxes: binary,
                                    implementationClassUID: Part10Writer.implementationClassUID.rawValue,
                                    implementationVersionName: Part10Writer.implementationVersionName)
        policy.checkCalledAETitle = checkCalledAETitle
        // The routing's AE titles as they are now (SIGHUP may change them for later associations).
        policy.additionalCalledAETitles = routing?.calledAETitles ?? []
        policy.allowedCallingAETitles = allowedCallingAETitles
        policy.maximumAssociations = maximumAssociations
        policy.acceptUnknownAbstractSyntaxes = acceptUnknownSOPClasses
        policy.acceptUnknownTransferSyntaxes = acceptUnknownTransferSyntaxes
        policy.uncompressedOnly = [UID.verification.rawValue]
        if acceptStorageCommitmentReports {
            policy.abstractSyntaxes.insert(UID.storageCommitmentPushModel.rawValue)
            policy.uncompressedOnly.insert(UID.storageCommitmentPushModel.rawValue)
            policy.requestorSCPRoles = [UID.storageCommitmentPushModel.rawValue]
        }
        policy.maximumPDULength = maximumPDULength
        policy.asynchronousOperationsWindow = asynchronousOperationsWindow
        return policy
    }
}

/// Takes a Storage Commitment result (and the calling AE title of the association it came on)
/// and answers the N-EVENT-REPORT's status: Success once it is recorded.
public typealias StorageCommitmentHandler = @Sendable (StorageCommitment.Report, _ callingAETitle: String) -> DIMSEStatus

/// What an acceptor accepts (its configuration for negotiation).
public struct AcceptorPolicy: Sendable {
    /// This node's AE title.
    public var aeTitle: String
    /// Reject an A-ASSOCIATE-RQ whose Called AE Title is not `aeTitle` (on by default).
    public var checkCalledAETitle: Bool = true
    /// More Called AE Titles this node answers to (one per project, as routing rules name them).
    public var additionalCalledAETitles: Set<String> = []
    /// If set, only these Calling AE Titles may associate.
    public var allowedCallingAETitles: Set<String>?
    /// Associations open at once; one more is rejected as transient, local limit exceeded.
    public var maximumAssociations: Int = 16
    /// Abstract syntaxes (SOP classes) accepted.
    public var abstractSyntaxes: Set<String>
    /// Accept any abstract syntax proposed, as storescp -pm does (off by default).
    public var acceptUnknownAbstractSyntaxes: Bool = false
    /// Transfer syntaxes preferred, in order, when a context proposes several.
    public var transferSyntaxPreference: [String]
    /// Transfer syntaxes accepted when none preferred is proposed: the requestor's first one
    /// that is in this set is taken.
    public var acceptableTransferSyntaxes: Set<String>
    /// Also accept transfer syntaxes not in the registry (private ones), stored as received.
    public var acceptUnknownTransferSyntaxes: Bool = false
    /// Abstract syntaxes for which only uncompressed transfer syntaxes make sense (Verification).
    public var uncompressedOnly: Set<String> = []
    /// Maximum Length announced: the largest P-DATA-TF body this side accepts.
    public var maximumPDULength: UInt32 = 128 * 1024
    /// SOP classes for which the requestor may take the SCP role (an SCP of Storage Commitment
    /// that opens an association to send its N-EVENT-REPORT).
    public var requestorSCPRoles: Set<String> = []
    /// The most requests a requestor may keep outstanding (its Maximum Number Operations
    /// Invoked, when it proposes an Asynchronous Operations Window); 1: one at a time. This
    /// side performs them one at a time, in order, and invokes none.
    public var asynchronousOperationsWindow: Int = 1
    public var implementationClassUID: String
    public var implementationVersionName: String

    public init(aeTitle: String, abstractSyntaxes: Set<String>, transferSyntaxPreference: [String],
                acceptableTransferSyntaxes: Set<String>, implementationClassUID: String, implementationVersionName: String) {
        self.aeTitle = aeTitle
        self.abstractSyntaxes = abstractSyntaxes
        self.transferSyntaxPreference = transferSyntaxPreference
        self.acceptableTransferSyntaxes = acceptableTransferSyntaxes
        self.implementationClassUID = implementationClassUID
        self.implementationVersionName = implementationVersionName
    }
}

/// A presentation context proposed in an A-ASSOCIATE-RQ (PS3.8 9.3.2.2): an odd ID, one
/// abstract syntax (SOP class) and the transfer syntaxes the requestor can use for it.
public struct PresentationContextRQ: Equatable, Sendable {
    public var id: UInt8
    public var abstractSyntax: String
    public var transferSyntaxes: [String]
    /// The three reserved bytes after the ID, as read (dcmtk sends 0xFF in the second, where the
    /// AC has its result); written back as they were so a decoded PDU re-encodes identically.
    public var reserved: [UInt8] = [0, 0, 0]

    public init(id: UInt8, abstractSyntax: String, transferSyntaxes: [String]) {
        self.id = id
        self.abstractSyntax = abstractSyntax
        self.transferSyntaxes = transferSyntaxes
    }
}

/// The acceptor's answer for one presentation context (PS3.8 9.3.3.2).
public struct PresentationContextAC: Equatable, Sendable {
    public var id: UInt8
    /// Result/Reason (PS3.8 Table 9-18); kept raw so an unknown value survives a round trip.
    public var resultCode: UInt8
    /// The transfer syntax chosen; meaningless (but present) when not accepted.
    public var transferSyntax: String

    public init(id: UInt8, result: PresentationContextResult, transferSyntax: String) {
        self.id = id
        resultCode = result.rawValue
        self.transferSyntax = transferSyntax
    }

    public init(id: UInt8, resultCode: UInt8, transferSyntax: String) {
        self.id = id
        self.resultCode = resultCode
        self.transferSyntax = transferSyntax
    }

    public var result: PresentationContextResult? { PresentationContextResult(rawValue: resultCode) }
    public var isAccepted: Bool { resultCode == PresentationContextResult.accepted.rawValue }
}

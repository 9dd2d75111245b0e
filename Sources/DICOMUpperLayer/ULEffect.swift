/// What an Upper Layer action asks of the code around the state machine. The association
/// runner carries these out; the state machine itself does no I/O.
public enum ULEffect: Equatable, Sendable {
    /// TRANSPORT CONNECT request (AE-1).
    case openTransport
    case closeTransport
    case startARTIM
    case stopARTIM
    case sendAssociateRQ
    case sendAssociateAC
    case sendAssociateRJ
    case sendPData
    case sendReleaseRQ
    case sendReleaseRP
    case sendAbort(AbortSource, AbortReason)
    /// A primitive issued to the local service user.
    case indicate(ULIndication)
}

/// Primitives the Upper Layer issues to its user (PS3.8 7, 9.2).
public enum ULIndication: Equatable, Sendable {
    /// A-ASSOCIATE indication: a peer asks for an association (acceptor).
    case associateRequest
    /// A-ASSOCIATE confirmation, accepted (requestor).
    case associateAccepted
    /// A-ASSOCIATE confirmation, rejected (requestor).
    case associateRejected
    /// P-DATA indication: a P-DATA-TF PDU arrived.
    case pData
    /// A-RELEASE indication: the peer asks to release.
    case releaseRequest
    /// A-RELEASE indication during a release collision (AR-8).
    case releaseCollision
    /// A-RELEASE confirmation: the peer answered our release.
    case releaseConfirmed
    /// A-ABORT indication: the peer's service user aborted.
    case abort
    /// A-P-ABORT indication: the association was aborted by a service provider.
    case providerAbort
}

/// One step of the state machine: the cell of PS3.8 Table 9-10 used and its outcome.
public struct ULTransition: Equatable, Sendable {
    public let from: ULState
    public let event: ULEvent
    /// The table's action, or nil for a blank cell (an invalid event).
    public let action: ULAction?
    public let to: ULState
    public let effects: ULEffects
}

/// The effects of one action, at most three (AA-8: send A-ABORT, indicate, start ARTIM), held
/// inline so that a transition allocates nothing: one happens for every PDU received.
public struct ULEffects: Equatable, Sendable, Sequence, ExpressibleByArrayLiteral, CustomStringConvertible {
    private var a: ULEffect?, b: ULEffect?, c: ULEffect?

    public init(arrayLiteral elements: ULEffect...) {
        precondition(elements.count <= 3, "an Upper Layer action has at most three effects")
        a = elements.count > 0 ? elements[0] : nil
        b = elements.count > 1 ? elements[1] : nil
        c = elements.count > 2 ? elements[2] : nil
    }

    init(_ a: ULEffect? = nil, _ b: ULEffect? = nil, _ c: ULEffect? = nil) {
        self.a = a
        self.b = b
        self.c = c
    }

    public var isEmpty: Bool { a == nil }
    public var count: Int { (a == nil ? 0 : 1) + (b == nil ? 0 : 1) + (c == nil ? 0 : 1) }

    public func makeIterator() -> IndexingIterator<[ULEffect]> {
        [a, b, c].compactMap { $0 }.makeIterator()
    }

    /// Calls `body` with each effect, in order, without building an array.
    @inline(__always)
    public func forEach(_ body: (ULEffect) throws -> Void) rethrows {
        if let a { try body(a) }
        if let b { try body(b) }
        if let c { try body(c) }
    }

    public var description: String { "\(Array(self))" }
}

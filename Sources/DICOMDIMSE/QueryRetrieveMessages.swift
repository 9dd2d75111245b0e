/// The messages of C-FIND, C-MOVE and C-GET (PS3.7 9.3.2 to 9.3.4, Tables 9.3-3 to 9.3-11). The
/// Identifier travels as the message's data set, encoded in the context's transfer syntax by
/// the network code; here only whether a response carries one.
public struct CFindRQ: Equatable, Sendable {
    public var messageID: UInt16
    public var affectedSOPClassUID: String
    public var priority: Priority
    public init(messageID: UInt16, affectedSOPClassUID: String, priority: Priority = .medium) {
        self.messageID = messageID
        self.affectedSOPClassUID = affectedSOPClassUID
        self.priority = priority
    }
}

/// C-MOVE-RQ: the Identifier and the AE title the SCP is to send the matches to.
public struct CMoveRQ: Equatable, Sendable {
    public var messageID: UInt16
    public var affectedSOPClassUID: String
    public var priority: Priority
    public var moveDestination: String
    public init(messageID: UInt16, affectedSOPClassUID: String, moveDestination: String, priority: Priority = .medium) {
        self.messageID = messageID
        self.affectedSOPClassUID = affectedSOPClassUID
        self.moveDestination = moveDestination
        self.priority = priority
    }
}

public struct CGetRQ: Equatable, Sendable {
    public var messageID: UInt16
    public var affectedSOPClassUID: String
    public var priority: Priority
    public init(messageID: UInt16, affectedSOPClassUID: String, priority: Priority = .medium) {
        self.messageID = messageID
        self.affectedSOPClassUID = affectedSOPClassUID
        self.priority = priority
    }
}

/// The counts of a C-MOVE or C-GET's C-STORE sub-operations (0000,1020)-(0000,1023); each is
/// conditional in the response, so nil when the peer left it out.
public struct SubOperationCounts: Equatable, Sendable, CustomStringConvertible {
    public var remaining: UInt16?
    public var completed: UInt16?
    public var failed: UInt16?
    public var warning: UInt16?
    public init(remaining: UInt16? = nil, completed: UInt16? = nil, failed: UInt16? = nil, warning: UInt16? = nil) {
        self.remaining = remaining
        self.completed = completed
        self.failed = failed
        self.warning = warning
    }

    /// The sub-operations done so far (completed, failed and with a warning).
    public var done: Int { Int(completed ?? 0) + Int(failed ?? 0) + Int(warning ?? 0) }

    public var description: String {
        func n(_ v: UInt16?) -> String { v.map(String.init) ?? "-" }
        return "remaining \(n(remaining)) completed \(n(completed)) failed \(n(failed)) warning \(n(warning))"
    }
}

/// A C-FIND-RSP, C-MOVE-RSP or C-GET-RSP: Pending ones (FF00/FF01) carry a match (C-FIND) or the
/// progress (C-MOVE, C-GET); the final one the outcome. `hasIdentifier` says whether a data set
/// follows (Command Data Set Type).
public struct QueryRetrieveRSP: Equatable, Sendable {
    public var service: QueryRetrieveService
    public var messageIDBeingRespondedTo: UInt16
    public var affectedSOPClassUID: String?
    public var status: DIMSEStatus
    public var counts: SubOperationCounts
    public var hasIdentifier: Bool
    /// Error Comment (0000,0902), when the peer gave one.
    public var errorComment: String?

    public init(service: QueryRetrieveService, messageIDBeingRespondedTo: UInt16, affectedSOPClassUID: String?,
                status: DIMSEStatus, counts: SubOperationCounts = SubOperationCounts(), hasIdentifier: Bool = false,
                errorComment: String? = nil) {
        self.service = service
        self.messageIDBeingRespondedTo = messageIDBeingRespondedTo
        self.affectedSOPClassUID = affectedSOPClassUID
        self.status = status
        self.counts = counts
        self.hasIdentifier = hasIdentifier
        self.errorComment = errorComment
    }

    /// The category as this service defines its codes (FF00/FF01 Pending, B000 a warning…).
    public var category: DIMSEStatus.Category { QueryRetrieveStatus.category(status, in: service) }
    public var isPending: Bool { category == .pending }
    public var statusDescription: String { QueryRetrieveStatus.describe(status, in: service) }
}

/// C-CANCEL-RQ (PS3.7 9.3.2.3, 9.3.3.3, 9.3.4.3): asks the peer to stop the operation of
/// `messageIDBeingRespondedTo`; it has no response of its own (the operation ends with Cancel).
public struct CCancelRQ: Equatable, Sendable {
    public var messageIDBeingRespondedTo: UInt16
    public init(messageIDBeingRespondedTo: UInt16) { self.messageIDBeingRespondedTo = messageIDBeingRespondedTo }
}

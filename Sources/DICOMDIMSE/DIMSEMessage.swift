/// The DIMSE messages sendit speaks (PS3.7 9.3, 10.3): C-ECHO and C-STORE, C-FIND, C-MOVE, C-GET
/// and C-CANCEL for Query/Retrieve (PS3.4 C), and N-ACTION and N-EVENT-REPORT for Storage
/// Commitment (PS3.4 J), request and response.
public enum DIMSEMessage: Equatable, Sendable {
    case cEchoRQ(CEchoRQ)
    case cEchoRSP(CEchoRSP)
    case cStoreRQ(CStoreRQ)
    case cStoreRSP(CStoreRSP)
    case nActionRQ(NActionRQ)
    case nActionRSP(NActionRSP)
    case nEventReportRQ(NEventReportRQ)
    case nEventReportRSP(NEventReportRSP)
    case cFindRQ(CFindRQ)
    case cFindRSP(QueryRetrieveRSP)
    case cMoveRQ(CMoveRQ)
    case cMoveRSP(QueryRetrieveRSP)
    case cGetRQ(CGetRQ)
    case cGetRSP(QueryRetrieveRSP)
    case cCancelRQ(CCancelRQ)

    public var hasDataSet: Bool {
        switch self {
        case .cStoreRQ: return true
        case .nActionRQ(let m): return m.hasDataSet
        case .nActionRSP(let m): return m.hasDataSet
        case .nEventReportRQ(let m): return m.hasDataSet
        case .nEventReportRSP(let m): return m.hasDataSet
        case .cFindRQ, .cMoveRQ, .cGetRQ: return true
        case .cFindRSP(let m), .cMoveRSP(let m), .cGetRSP(let m): return m.hasIdentifier
        default: return false
        }
    }

    /// Builds the command set, with the fields of PS3.7 Tables 9.3-1 to 9.3-13 and 10.3.
    public func commandSet() -> CommandSet {
        var cs = CommandSet()
        switch self {
        case .cEchoRQ(let m):
            cs.set(CommandTag.affectedSOPClassUID, string: m.affectedSOPClassUID)
            cs.set(CommandTag.commandField, us: CommandField.cEchoRQ.rawValue)
            cs.set(CommandTag.messageID, us: m.messageID)
            cs.set(CommandTag.commandDataSetType, us: CommandDataSetType.null)
        case .cEchoRSP(let m):
            cs.set(CommandTag.affectedSOPClassUID, string: m.affectedSOPClassUID)
            cs.set(CommandTag.commandField, us: CommandField.cEchoRSP.rawValue)
            cs.set(CommandTag.messageIDBeingRespondedTo, us: m.messageIDBeingRespondedTo)
            cs.set(CommandTag.commandDataSetType, us: CommandDataSetType.null)
            cs.set(CommandTag.status, us: m.status.code)
        case .cStoreRQ(let m):
            cs.set(CommandTag.affectedSOPClassUID, string: m.affectedSOPClassUID)
            cs.set(CommandTag.commandField, us: CommandField.cStoreRQ.rawValue)
            cs.set(CommandTag.messageID, us: m.messageID)
            cs.set(CommandTag.priority, us: m.priority.rawValue)
            cs.set(CommandTag.commandDataSetType, us: 0x0001)   // any value but 0x0101; 0x0001 as dcmtk and pynetdicom send
            cs.set(CommandTag.affectedSOPInstanceUID, string: m.affectedSOPInstanceUID)
            if let aet = m.moveOriginatorAETitle { cs.set(CommandTag.moveOriginatorAETitle, string: aet, padding: 0x20) }
            if let id = m.moveOriginatorMessageID { cs.set(CommandTag.moveOriginatorMessageID, us: id) }
        case .cStoreRSP(let m):
            cs.set(CommandTag.affectedSOPClassUID, string: m.affectedSOPClassUID)
            cs.set(CommandTag.commandField, us: CommandField.cStoreRSP.rawValue)
            cs.set(CommandTag.messageIDBeingRespondedTo, us: m.messageIDBeingRespondedTo)
            cs.set(CommandTag.commandDataSetType, us: CommandDataSetType.null)
            cs.set(CommandTag.status, us: m.status.code)
            cs.set(CommandTag.affectedSOPInstanceUID, string: m.affectedSOPInstanceUID)
            if let comment = m.errorComment { cs.set(CommandTag.errorComment, string: String(comment.prefix(64)), padding: 0x20) }
        case .nActionRQ(let m):
            cs.set(CommandTag.commandField, us: CommandField.nActionRQ.rawValue)
            cs.set(CommandTag.messageID, us: m.messageID)
            cs.set(CommandTag.requestedSOPClassUID, string: m.requestedSOPClassUID)
            cs.set(CommandTag.requestedSOPInstanceUID, string: m.requestedSOPInstanceUID)
            cs.set(CommandTag.actionTypeID, us: m.actionTypeID)
            cs.set(CommandTag.commandDataSetType, us: m.hasDataSet ? 0x0001 : CommandDataSetType.null)
        case .nActionRSP(let m):
            cs.set(CommandTag.commandField, us: CommandField.nActionRSP.rawValue)
            cs.set(CommandTag.messageIDBeingRespondedTo, us: m.messageIDBeingRespondedTo)
            if let uid = m.affectedSOPClassUID { cs.set(CommandTag.affectedSOPClassUID, string: uid) }
            if let uid = m.affectedSOPInstanceUID { cs.set(CommandTag.affectedSOPInstanceUID, string: uid) }
            if let id = m.actionTypeID { cs.set(CommandTag.actionTypeID, us: id) }
            cs.set(CommandTag.commandDataSetType, us: m.hasDataSet ? 0x0001 : CommandDataSetType.null)
            cs.set(CommandTag.status, us: m.status.code)
        case .nEventReportRQ(let m):
            cs.set(CommandTag.affectedSOPClassUID, string: m.affectedSOPClassUID)
            cs.set(CommandTag.commandField, us: CommandField.nEventReportRQ.rawValue)
            cs.set(CommandTag.messageID, us: m.messageID)
            cs.set(CommandTag.affectedSOPInstanceUID, string: m.affectedSOPInstanceUID)
            cs.set(CommandTag.eventTypeID, us: m.eventTypeID)
            cs.set(CommandTag.commandDataSetType, us: m.hasDataSet ? 0x0001 : CommandDataSetType.null)
        case .nEventReportRSP(let m):
            cs.set(CommandTag.commandField, us: CommandField.nEventReportRSP.rawValue)
            cs.set(CommandTag.messageIDBeingRespondedTo, us: m.messageIDBeingRespondedTo)
            if let uid = m.affectedSOPClassUID { cs.set(CommandTag.affectedSOPClassUID, string: uid) }
            if let uid = m.affectedSOPInstanceUID { cs.set(CommandTag.affectedSOPInstanceUID, string: uid) }
            if let id = m.eventTypeID { cs.set(CommandTag.eventTypeID, us: id) }
            cs.set(CommandTag.commandDataSetType, us: m.hasDataSet ? 0x0001 : CommandDataSetType.null)
            cs.set(CommandTag.status, us: m.status.code)
        case .cFindRQ(let m):
            cs.set(CommandTag.affectedSOPClassUID, string: m.affectedSOPClassUID)
            cs.set(CommandTag.commandField, us: CommandField.cFindRQ.rawValue)
            cs.set(CommandTag.messageID, us: m.messageID)
            cs.set(CommandTag.priority, us: m.priority.rawValue)
            cs.set(CommandTag.commandDataSetType, us: 0x0001)
        case .cMoveRQ(let m):
            cs.set(CommandTag.affectedSOPClassUID, string: m.affectedSOPClassUID)
            cs.set(CommandTag.commandField, us: CommandField.cMoveRQ.rawValue)
            cs.set(CommandTag.messageID, us: m.messageID)
            cs.set(CommandTag.moveDestination, string: m.moveDestination, padding: 0x20)
            cs.set(CommandTag.priority, us: m.priority.rawValue)
            cs.set(CommandTag.commandDataSetType, us: 0x0001)
        case .cGetRQ(let m):
            cs.set(CommandTag.affectedSOPClassUID, string: m.affectedSOPClassUID)
            cs.set(CommandTag.commandField, us: CommandField.cGetRQ.rawValue)
            cs.set(CommandTag.messageID, us: m.messageID)
            cs.set(CommandTag.priority, us: m.priority.rawValue)
            cs.set(CommandTag.commandDataSetType, us: 0x0001)
        case .cFindRSP(let m), .cMoveRSP(let m), .cGetRSP(let m):
            let field: CommandField = m.service == .find ? .cFindRSP : m.service == .move ? .cMoveRSP : .cGetRSP
            if let uid = m.affectedSOPClassUID { cs.set(CommandTag.affectedSOPClassUID, string: uid) }
            cs.set(CommandTag.commandField, us: field.rawValue)
            cs.set(CommandTag.messageIDBeingRespondedTo, us: m.messageIDBeingRespondedTo)
            cs.set(CommandTag.commandDataSetType, us: m.hasIdentifier ? 0x0001 : CommandDataSetType.null)
            cs.set(CommandTag.status, us: m.status.code)
            if let comment = m.errorComment { cs.set(CommandTag.errorComment, string: String(comment.prefix(64)), padding: 0x20) }
            if let n = m.counts.remaining { cs.set(CommandTag.remainingSubOperations, us: n) }
            if let n = m.counts.completed { cs.set(CommandTag.completedSubOperations, us: n) }
            if let n = m.counts.failed { cs.set(CommandTag.failedSubOperations, us: n) }
            if let n = m.counts.warning { cs.set(CommandTag.warningSubOperations, us: n) }
        case .cCancelRQ(let m):
            cs.set(CommandTag.commandField, us: CommandField.cCancelRQ.rawValue)
            cs.set(CommandTag.messageIDBeingRespondedTo, us: m.messageIDBeingRespondedTo)
            cs.set(CommandTag.commandDataSetType, us: CommandDataSetType.null)
        }
        return cs
    }

    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public let message: String
        public var description: String { message }
    }

    /// Reads a command set as a message, checking that the mandatory fields are present.
    public static func parse(_ cs: CommandSet) throws(ParseError) -> DIMSEMessage {
        guard let field = cs.us(CommandTag.commandField) else { throw ParseError(message: "no Command Field (0000,0100)") }
        func required(_ tag: UInt32, _ name: String) throws(ParseError) -> String {
            guard let s = cs.string(tag), !s.isEmpty else { throw ParseError(message: "\(CommandField(rawValue: field)?.description ?? "command") without \(name)") }
            return s
        }
        func requiredUS(_ tag: UInt32, _ name: String) throws(ParseError) -> UInt16 {
            guard let v = cs.us(tag) else { throw ParseError(message: "\(CommandField(rawValue: field)?.description ?? "command") without \(name)") }
            return v
        }
        // N-services say in the command whether a data set follows (C-STORE-RQ always has one).
        let hasDataSet = (cs.us(CommandTag.commandDataSetType) ?? CommandDataSetType.null) != CommandDataSetType.null
        switch CommandField(rawValue: field) {
        case .cEchoRQ:
            return .cEchoRQ(CEchoRQ(messageID: try requiredUS(CommandTag.messageID, "Message ID"),
                                    affectedSOPClassUID: try required(CommandTag.affectedSOPClassUID, "Affected SOP Class UID")))
        case .cEchoRSP:
            return .cEchoRSP(CEchoRSP(messageIDBeingRespondedTo: try requiredUS(CommandTag.messageIDBeingRespondedTo, "Message ID Being Responded To"),
                                      affectedSOPClassUID: cs.string(CommandTag.affectedSOPClassUID) ?? "",
                                      status: DIMSEStatus(try requiredUS(CommandTag.status, "Status"))))
        case .cStoreRQ:
            return .cStoreRQ(CStoreRQ(messageID: try requiredUS(CommandTag.messageID, "Message ID"),
                                      affectedSOPClassUID: try required(CommandTag.affectedSOPClassUID, "Affected SOP Class UID"),
                                      affectedSOPInstanceUID: try required(CommandTag.affectedSOPInstanceUID, "Affected SOP Instance UID"),
                                      priority: Priority(rawValue: cs.us(CommandTag.priority) ?? 0) ?? .medium,
                                      moveOriginatorAETitle: cs.string(CommandTag.moveOriginatorAETitle),
                                      moveOriginatorMessageID: cs.us(CommandTag.moveOriginatorMessageID)))
        case .cStoreRSP:
            return .cStoreRSP(CStoreRSP(messageIDBeingRespondedTo: try requiredUS(CommandTag.messageIDBeingRespondedTo, "Message ID Being Responded To"),
                                        affectedSOPClassUID: cs.string(CommandTag.affectedSOPClassUID) ?? "",
                                        affectedSOPInstanceUID: cs.string(CommandTag.affectedSOPInstanceUID) ?? "",
                                        status: DIMSEStatus(try requiredUS(CommandTag.status, "Status")),
                                        errorComment: cs.string(CommandTag.errorComment)))
        case .nActionRQ:
            return .nActionRQ(NActionRQ(messageID: try requiredUS(CommandTag.messageID, "Message ID"),
                                        requestedSOPClassUID: try required(CommandTag.requestedSOPClassUID, "Requested SOP Class UID"),
                                        requestedSOPInstanceUID: try required(CommandTag.requestedSOPInstanceUID, "Requested SOP Instance UID"),
                                        actionTypeID: try requiredUS(CommandTag.actionTypeID, "Action Type ID"),
                                        hasDataSet: hasDataSet))
        case .nActionRSP:
            return .nActionRSP(NActionRSP(messageIDBeingRespondedTo: try requiredUS(CommandTag.messageIDBeingRespondedTo, "Message ID Being Responded To"),
                                          affectedSOPClassUID: cs.string(CommandTag.affectedSOPClassUID),
                                          affectedSOPInstanceUID: cs.string(CommandTag.affectedSOPInstanceUID),
                                          actionTypeID: cs.us(CommandTag.actionTypeID),
                                          status: DIMSEStatus(try requiredUS(CommandTag.status, "Status")), hasDataSet: hasDataSet))
        case .nEventReportRQ:
            return .nEventReportRQ(NEventReportRQ(messageID: try requiredUS(CommandTag.messageID, "Message ID"),
                                                  affectedSOPClassUID: try required(CommandTag.affectedSOPClassUID, "Affected SOP Class UID"),
                                                  affectedSOPInstanceUID: try required(CommandTag.affectedSOPInstanceUID, "Affected SOP Instance UID"),
                                                  eventTypeID: try requiredUS(CommandTag.eventTypeID, "Event Type ID"),
                                                  hasDataSet: hasDataSet))
        case .nEventReportRSP:
            return .nEventReportRSP(NEventReportRSP(messageIDBeingRespondedTo: try requiredUS(CommandTag.messageIDBeingRespondedTo, "Message ID Being Responded To"),
                                                    affectedSOPClassUID: cs.string(CommandTag.affectedSOPClassUID),
                                                    affectedSOPInstanceUID: cs.string(CommandTag.affectedSOPInstanceUID),
                                                    eventTypeID: cs.us(CommandTag.eventTypeID),
                                                    status: DIMSEStatus(try requiredUS(CommandTag.status, "Status")), hasDataSet: hasDataSet))
        case .cFindRQ:
            return .cFindRQ(CFindRQ(messageID: try requiredUS(CommandTag.messageID, "Message ID"),
                                    affectedSOPClassUID: try required(CommandTag.affectedSOPClassUID, "Affected SOP Class UID"),
                                    priority: Priority(rawValue: cs.us(CommandTag.priority) ?? 0) ?? .medium))
        case .cMoveRQ:
            return .cMoveRQ(CMoveRQ(messageID: try requiredUS(CommandTag.messageID, "Message ID"),
                                    affectedSOPClassUID: try required(CommandTag.affectedSOPClassUID, "Affected SOP Class UID"),
                                    moveDestination: try required(CommandTag.moveDestination, "Move Destination"),
                                    priority: Priority(rawValue: cs.us(CommandTag.priority) ?? 0) ?? .medium))
        case .cGetRQ:
            return .cGetRQ(CGetRQ(messageID: try requiredUS(CommandTag.messageID, "Message ID"),
                                  affectedSOPClassUID: try required(CommandTag.affectedSOPClassUID, "Affected SOP Class UID"),
                                  priority: Priority(rawValue: cs.us(CommandTag.priority) ?? 0) ?? .medium))
        case .cFindRSP, .cMoveRSP, .cGetRSP:
            let service: QueryRetrieveService = field == CommandField.cFindRSP.rawValue ? .find : field == CommandField.cMoveRSP.rawValue ? .move : .get
            let rsp = QueryRetrieveRSP(
                service: service,
                messageIDBeingRespondedTo: try requiredUS(CommandTag.messageIDBeingRespondedTo, "Message ID Being Responded To"),
                affectedSOPClassUID: cs.string(CommandTag.affectedSOPClassUID),
                status: DIMSEStatus(try requiredUS(CommandTag.status, "Status")),
                counts: SubOperationCounts(remaining: cs.us(CommandTag.remainingSubOperations), completed: cs.us(CommandTag.completedSubOperations),
                                           failed: cs.us(CommandTag.failedSubOperations), warning: cs.us(CommandTag.warningSubOperations)),
                hasIdentifier: hasDataSet, errorComment: cs.string(CommandTag.errorComment))
            return service == .find ? .cFindRSP(rsp) : service == .move ? .cMoveRSP(rsp) : .cGetRSP(rsp)
        case .cCancelRQ:
            return .cCancelRQ(CCancelRQ(messageIDBeingRespondedTo: try requiredUS(CommandTag.messageIDBeingRespondedTo, "Message ID Being Responded To")))
        default:
            throw ParseError(message: "unsupported command \(CommandField(rawValue: field)?.description ?? "0x" + String(field, radix: 16))")
        }
    }
}

public struct CEchoRQ: Equatable, Sendable {
    public var messageID: UInt16
    public var affectedSOPClassUID: String
    public init(messageID: UInt16, affectedSOPClassUID: String = "1.2.840.10008.1.1") {
        self.messageID = messageID
        self.affectedSOPClassUID = affectedSOPClassUID
    }
}

public struct CEchoRSP: Equatable, Sendable {
    public var messageIDBeingRespondedTo: UInt16
    public var affectedSOPClassUID: String
    public var status: DIMSEStatus
    public init(messageIDBeingRespondedTo: UInt16, affectedSOPClassUID: String, status: DIMSEStatus) {
        self.messageIDBeingRespondedTo = messageIDBeingRespondedTo
        self.affectedSOPClassUID = affectedSOPClassUID
        self.status = status
    }
}

public struct CStoreRQ: Equatable, Sendable {
    public var messageID: UInt16
    public var affectedSOPClassUID: String
    public var affectedSOPInstanceUID: String
    public var priority: Priority
    public var moveOriginatorAETitle: String?
    public var moveOriginatorMessageID: UInt16?

    public init(messageID: UInt16, affectedSOPClassUID: String, affectedSOPInstanceUID: String, priority: Priority = .medium,
                moveOriginatorAETitle: String? = nil, moveOriginatorMessageID: UInt16? = nil) {
        self.messageID = messageID
        self.affectedSOPClassUID = affectedSOPClassUID
        self.affectedSOPInstanceUID = affectedSOPInstanceUID
        self.priority = priority
        self.moveOriginatorAETitle = moveOriginatorAETitle
        self.moveOriginatorMessageID = moveOriginatorMessageID
    }
}

public struct CStoreRSP: Equatable, Sendable {
    public var messageIDBeingRespondedTo: UInt16
    public var affectedSOPClassUID: String
    public var affectedSOPInstanceUID: String
    public var status: DIMSEStatus
    /// Error Comment (0000,0902), for failures: why, in at most 64 characters.
    public var errorComment: String?

    public init(messageIDBeingRespondedTo: UInt16, affectedSOPClassUID: String, affectedSOPInstanceUID: String,
                status: DIMSEStatus, errorComment: String? = nil) {
        self.messageIDBeingRespondedTo = messageIDBeingRespondedTo
        self.affectedSOPClassUID = affectedSOPClassUID
        self.affectedSOPInstanceUID = affectedSOPInstanceUID
        self.status = status
        self.errorComment = errorComment
    }
}

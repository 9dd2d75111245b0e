/// N-ACTION-RQ (PS3.7 10.3.4): asks the peer to perform an action on a SOP instance; for Storage
/// Commitment, action 1 ("Request Storage Commitment") on the well-known instance, with the
/// instances to commit in the data set.
public struct NActionRQ: Equatable, Sendable {
    public var messageID: UInt16
    public var requestedSOPClassUID: String
    public var requestedSOPInstanceUID: String
    public var actionTypeID: UInt16
    public var hasDataSet: Bool

    public init(messageID: UInt16, requestedSOPClassUID: String, requestedSOPInstanceUID: String, actionTypeID: UInt16,
                hasDataSet: Bool = true) {
        self.messageID = messageID
        self.requestedSOPClassUID = requestedSOPClassUID
        self.requestedSOPInstanceUID = requestedSOPInstanceUID
        self.actionTypeID = actionTypeID
        self.hasDataSet = hasDataSet
    }
}

/// N-ACTION-RSP (PS3.7 10.3.4).
public struct NActionRSP: Equatable, Sendable {
    public var messageIDBeingRespondedTo: UInt16
    public var affectedSOPClassUID: String?
    public var affectedSOPInstanceUID: String?
    public var actionTypeID: UInt16?
    public var status: DIMSEStatus
    public var hasDataSet: Bool

    public init(messageIDBeingRespondedTo: UInt16, affectedSOPClassUID: String?, affectedSOPInstanceUID: String?,
                actionTypeID: UInt16?, status: DIMSEStatus, hasDataSet: Bool = false) {
        self.messageIDBeingRespondedTo = messageIDBeingRespondedTo
        self.affectedSOPClassUID = affectedSOPClassUID
        self.affectedSOPInstanceUID = affectedSOPInstanceUID
        self.actionTypeID = actionTypeID
        self.status = status
        self.hasDataSet = hasDataSet
    }
}

/// N-EVENT-REPORT-RQ (PS3.7 10.3.1): the peer reports an event on a SOP instance; for Storage
/// Commitment, event 1 (all committed) or 2 (some failed), with the results in the data set.
public struct NEventReportRQ: Equatable, Sendable {
    public var messageID: UInt16
    public var affectedSOPClassUID: String
    public var affectedSOPInstanceUID: String
    public var eventTypeID: UInt16
    public var hasDataSet: Bool

    public init(messageID: UInt16, affectedSOPClassUID: String, affectedSOPInstanceUID: String, eventTypeID: UInt16,
                hasDataSet: Bool = true) {
        self.messageID = messageID
        self.affectedSOPClassUID = affectedSOPClassUID
        self.affectedSOPInstanceUID = affectedSOPInstanceUID
        self.eventTypeID = eventTypeID
        self.hasDataSet = hasDataSet
    }
}

/// N-EVENT-REPORT-RSP (PS3.7 10.3.1).
public struct NEventReportRSP: Equatable, Sendable {
    public var messageIDBeingRespondedTo: UInt16
    public var affectedSOPClassUID: String?
    public var affectedSOPInstanceUID: String?
    public var eventTypeID: UInt16?
    public var status: DIMSEStatus
    public var hasDataSet: Bool

    public init(messageIDBeingRespondedTo: UInt16, affectedSOPClassUID: String?, affectedSOPInstanceUID: String?,
                eventTypeID: UInt16?, status: DIMSEStatus, hasDataSet: Bool = false) {
        self.messageIDBeingRespondedTo = messageIDBeingRespondedTo
        self.affectedSOPClassUID = affectedSOPClassUID
        self.affectedSOPInstanceUID = affectedSOPInstanceUID
        self.eventTypeID = eventTypeID
        self.status = status
        self.hasDataSet = hasDataSet
    }
}

/// The DICOM Upper Layer protocol machine (PS3.8 9.2): states Sta1-Sta13, events Evt1-Evt19,
/// actions AE/DT/AR/AA, with the transition table generated from PS3.8 Table 9-10. Pure: each
/// event returns the effects to carry out (send a PDU, close the transport, start ARTIM, issue
/// an indication) and nothing else happens.
///
/// A blank cell of Table 9-10 is an event that is invalid in that state. It is answered as
/// PS3.8 answers protocol errors: while a transport connection is open (Sta2-Sta12) by AA-8
/// (A-ABORT from the service provider, A-P-ABORT indication, ARTIM); in Sta4, where the
/// connection is still being opened, by closing it (AA-2); in Sta1 (nothing open) and Sta13
/// (already closing) it is ignored.
public struct ULStateMachine: Sendable {
    public private(set) var state: ULState
    /// True for the side that sent the A-ASSOCIATE-RQ; decides AR-8's next state.
    public private(set) var isRequestor: Bool

    public init(state: ULState = .Sta1, isRequestor: Bool = false) {
        self.state = state
        self.isRequestor = isRequestor
    }

    /// The table's action for an event in a state (nil for a blank cell).
    public static func action(for event: ULEvent, in state: ULState) -> ULAction? {
        table[event.rawValue - 1][state.rawValue - 1]
    }

    /// Handles one event.
    /// - Parameters:
    ///   - associateRQAcceptable: for Evt6 (AE-6): whether the service-DUL accepts the
    ///     A-ASSOCIATE-RQ (protocol version, application context). If not, AE-6 rejects it.
    ///   - abortSource: for Evt16 (AA-3): the source field of the A-ABORT PDU received.
    ///   - invalidPDUReason: the reason given in the A-ABORT of AA-8 and AA-7 (a PDU that
    ///     could not be decoded gives its own).
    @discardableResult
    public mutating func handle(_ event: ULEvent, associateRQAcceptable: Bool = true,
                                abortSource: AbortSource = .dulServiceUser,
                                invalidPDUReason: AbortReason = .unexpectedPDU) -> ULTransition {
        let from = state
        let action = ULStateMachine.action(for: event, in: from)
        var effects: ULEffects
        var next: ULState
        if let action {
            (effects, next) = perform(action, associateRQAcceptable: associateRQAcceptable, abortSource: abortSource,
                                      reason: invalidPDUReason)
        } else {
            (effects, next) = invalidEvent(reason: invalidPDUReason)
        }
        state = next
        return ULTransition(from: from, event: event, action: action, to: next, effects: effects)
    }

    mutating func perform(_ action: ULAction, associateRQAcceptable: Bool, abortSource: AbortSource,
                          reason: AbortReason) -> (ULEffects, ULState) {
        let next = action.nextStates
        switch action {
        case .AE1:
            isRequestor = true
            return ([.openTransport], next[0])
        case .AE2: return ([.sendAssociateRQ], next[0])
        case .AE3: return ([.indicate(.associateAccepted)], next[0])
        case .AE4: return ([.indicate(.associateRejected), .closeTransport], next[0])
        case .AE5:
            isRequestor = false
            return ([.startARTIM], next[0])
        case .AE6:
            return associateRQAcceptable
                ? ([.stopARTIM, .indicate(.associateRequest)], next[0])
                : ([.stopARTIM, .sendAssociateRJ, .startARTIM], next[1])
        case .AE7: return ([.sendAssociateAC], next[0])
        case .AE8: return ([.sendAssociateRJ, .startARTIM], next[0])
        case .DT1: return ([.sendPData], next[0])
        case .DT2: return ([.indicate(.pData)], next[0])
        case .AR1: return ([.sendReleaseRQ], next[0])
        case .AR2: return ([.indicate(.releaseRequest)], next[0])
        case .AR3: return ([.indicate(.releaseConfirmed), .closeTransport], next[0])
        case .AR4: return ([.sendReleaseRP, .startARTIM], next[0])
        case .AR5: return ([.stopARTIM], next[0])
        case .AR6: return ([.indicate(.pData)], next[0])
        case .AR7: return ([.sendPData], next[0])
        case .AR8: return ([.indicate(.releaseCollision)], isRequestor ? next[0] : next[1])
        case .AR9: return ([.sendReleaseRP], next[0])
        case .AR10: return ([.indicate(.releaseConfirmed)], next[0])
        case .AA1: return ([.sendAbort(.dulServiceUser, .noReasonGiven), .startARTIM], next[0])
        case .AA2: return ([.stopARTIM, .closeTransport], next[0])
        case .AA3:
            return ([.indicate(abortSource == .dulServiceUser ? .abort : .providerAbort), .closeTransport], next[0])
        case .AA4: return ([.indicate(.providerAbort)], next[0])
        case .AA5: return ([.stopARTIM], next[0])
        case .AA6: return ([], next[0])
        case .AA7: return ([.sendAbort(.dulServiceProvider, reason)], next[0])
        case .AA8: return ([.sendAbort(.dulServiceProvider, reason), .indicate(.providerAbort), .startARTIM], next[0])
        }
    }

    func invalidEvent(reason: AbortReason) -> (ULEffects, ULState) {
        switch state {
        case .Sta1, .Sta13: return ([], state)
        case .Sta4: return ([.stopARTIM, .closeTransport], .Sta1)
        default: return ([.sendAbort(.dulServiceProvider, reason), .indicate(.providerAbort), .startARTIM], .Sta13)
        }
    }
}

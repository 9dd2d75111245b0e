import DICOMDIMSE
import DICOMUpperLayer

/// What an operation with many responses needs of the association (C-FIND, C-MOVE, C-GET):
/// sending a request with its data set, taking the peer's messages one by one (responses, and
/// a C-GET's C-STORE sub-operations) while a cancel may be sent, answering a sub-operation.
extension RequestorAssociation {
    /// Sends a request whose data set is `dataSet` (already encoded in the context's transfer
    /// syntax); returns its message ID.
    func request(_ make: (UInt16) -> DIMSEMessage, contextID: UInt8, dataSet: [UInt8]) throws(Failure) -> UInt16 {
        let id = nextMessageID()
        try send(make(id), contextID: contextID, dataSet: { send in try dataSet.withUnsafeBytes { try send($0, true) } })
        return id
    }

    /// The next message from the peer, waiting at most the DIMSE timeout. While it waits,
    /// `poll` is called about five times a second (to send a C-CANCEL-RQ); it is only called
    /// between PDUs, never in the middle of one.
    func nextMessage(waiting: String, poll: () throws(Failure) -> Void) throws(Failure) -> Received {
        let deadline = Socket.now() + parameters.dimseTimeout
        while true {
            if !received.isEmpty { return received.removeFirst() }
            if let failure { throw failure }
            guard machine.state == .Sta6, let channel else { throw Failure.aborted("association ended before the response") }
            try poll()
            if assembler.isReceivingDataSet || channel.socket.isReadable(within: 0.2) || Socket.now() >= deadline {
                try readAndHandle(deadline: deadline, waiting: waiting)
            }
        }
    }

    /// C-CANCEL-RQ for the operation of message `id` (PS3.7 9.3.2.3): no response of its own.
    func cancel(_ id: UInt16, contextID: UInt8) throws(Failure) {
        try send(.cCancelRQ(CCancelRQ(messageIDBeingRespondedTo: id)), contextID: contextID, dataSet: nil)
    }

    /// Answers a C-STORE sub-operation.
    func respond(to rq: CStoreRQ, contextID: UInt8, status: DIMSEStatus, comment: String?) throws(Failure) {
        try send(.cStoreRSP(CStoreRSP(messageIDBeingRespondedTo: rq.messageID, affectedSOPClassUID: rq.affectedSOPClassUID,
                                      affectedSOPInstanceUID: rq.affectedSOPInstanceUID, status: status, errorComment: comment)),
                 contextID: contextID, dataSet: nil)
    }

    /// Aborts after a protocol violation by the peer: A-ABORT, closed, the failure kept.
    func abort(because why: String) -> Failure {
        discardPartialSubOperation()
        let f = Failure.protocolError(why)
        failure = failure ?? f
        abort()
        machine = ULStateMachine()
        return f
    }
}

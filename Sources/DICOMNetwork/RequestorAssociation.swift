import DICOMCore
import DICOMDIMSE
import DICOMFile
import DICOMUpperLayer
import Foundation

/// An association this side requests (an SCU): connects, negotiates, sends DIMSE requests and
/// waits for their responses, releases. Driven by the same Upper Layer state machine as the
/// acceptor; the calls block the calling thread.
public final class RequestorAssociation {
    public struct Parameters: Sendable {
        public var host: String
        public var port: Int
        public var callingAETitle: String
        public var calledAETitle: String
        public var presentationContexts: [PresentationContextRQ]
        public var maximumPDULength: UInt32 = 128 * 1024
        public var connectTimeout: Double = 15
        /// Seconds to wait for the A-ASSOCIATE-AC/RJ and the A-RELEASE-RP.
        public var artimTimeout: Double = 30
        /// Seconds to wait for a DIMSE response.
        public var dimseTimeout: Double = 60
        /// SCP/SCU Role Selection sub-items (PS3.7 D.3.3.4): for C-GET, this side as the SCP of
        /// the Storage SOP classes whose C-STORE sub-operations come back on the association.
        public var roleSelections: [RoleSelection] = []
        /// DICOM over TLS (nil: clear text): the handshake follows the connection, within
        /// `artimTimeout`; a failure ends the attempt (nothing is ever sent in clear instead).
        public var tls: TLSContextStore?
        /// Requests this side may keep outstanding (the Asynchronous Operations Window it
        /// proposes, PS3.7 D.3.3.3, as Maximum Number Operations Invoked; it performs one at a
        /// time). 1: no window proposed, one request at a time.
        public var asynchronousOperationsWindow = 1

        public init(host: String, port: Int, callingAETitle: String, calledAETitle: String,
                    presentationContexts: [PresentationContextRQ]) {
            self.host = host
            self.port = port
            self.callingAETitle = callingAETitle
            self.calledAETitle = calledAETitle
            self.presentationContexts = presentationContexts
        }
    }

    public enum Failure: Error, CustomStringConvertible, Sendable {
        case rejected(AAssociateRJ)
        case aborted(String)
        case protocolError(String)
        case network(NetworkError)
        /// The data to send could not be read here (the association was aborted).
        case local(String)

        public var description: String {
            switch self {
            case .rejected(let rj): return "association rejected: \(rj)"
            case .aborted(let why): return "association aborted: \(why)"
            case .protocolError(let why): return "protocol error: \(why)"
            case .network(let e): return "\(e)"
            case .local(let why): return "could not read the data to send: \(why)"
            }
        }

        /// The data to send could not be read here: not the peer's doing.
        public var isLocal: Bool {
            if case .local = self { return true }
            return false
        }

        /// Worth trying again later (a transient rejection, a network failure, a timeout).
        public var isTransient: Bool {
            switch self {
            case .rejected(let rj): return rj.isTransient
            case .aborted, .network: return true
            case .protocolError, .local: return false
            }
        }
    }

    public let parameters: Parameters
    public private(set) var acceptance: AAssociateAC?
    /// Accepted contexts: ID → (abstract syntax, transfer syntax).
    public private(set) var acceptedContexts: [UInt8: (abstractSyntax: String, transferSyntax: String)] = [:]
    /// Requests that may be outstanding at once, as negotiated (1 unless the peer accepted a
    /// window: see `OperationsWindow.negotiated`).
    public private(set) var operationsWindow = 1
    var channel: PDUChannel?
    var machine = ULStateMachine()
    var peerMaximumLength: UInt32 = 0
    var messageID: UInt16 = 0
    var assembler = MessageAssembler()
    var received: [Received] = []
    var failure: Failure?
    /// The response data set being gathered (an identifier: small, and limited to
    /// `maximumIdentifierLength`).
    var gathering: Received?
    /// During a C-GET: starts receiving a C-STORE sub-operation (nil: refused, its data set is
    /// read and dropped). Set by `QueryRetrieveSCU`.
    var subOperationReceiver: ((CStoreRQ, UInt8) -> InstanceReceiver?)?
    /// The C-STORE sub-operation being received.
    var receiving: (request: CStoreRQ, contextID: UInt8, receiver: InstanceReceiver?)?
    /// Largest data set accepted in a response (a C-FIND identifier).
    public static let maximumIdentifierLength = 1 << 20

    /// A message from the peer, with its data set (a response's identifier) or, for a C-STORE
    /// sub-operation of a C-GET, what became of the instance (status, error comment, path).
    struct Received {
        let message: DIMSEMessage
        let contextID: UInt8
        var dataSet: [UInt8]?
        var stored: (status: DIMSEStatus, comment: String?, path: String?)?
    }

    /// Connects and negotiates; throws `Failure` if the association is not established.
    public init(_ parameters: Parameters) throws(Failure) {
        self.parameters = parameters
        try step(.Evt1)   // A-ASSOCIATE request: AE-1 connects, then Evt2 sends the RQ (AE-2)
        let deadline = Socket.now() + parameters.artimTimeout
        while machine.state == .Sta5 { try readAndHandle(deadline: deadline, waiting: "waiting for the A-ASSOCIATE-AC") }
        if let failure { throw failure }
        guard machine.state == .Sta6 else { throw Failure.protocolError("association not established (\(machine.state))") }
    }

    deinit { channel?.close() }

    /// The accepted context for an abstract syntax and one of the transfer syntaxes, in the
    /// order given.
    public func context(for abstractSyntax: String, transferSyntaxes: [String]) -> (id: UInt8, transferSyntax: String)? {
        for ts in transferSyntaxes {
            if let (id, _) = acceptedContexts.first(where: { $0.value.abstractSyntax == abstractSyntax && $0.value.transferSyntax == ts }) {
                return (id, ts)
            }
        }
        return nil
    }

    /// C-ECHO: the status the peer answered.
    public func echo() throws(Failure) -> DIMSEStatus {
        guard let ctx = context(for: UID.verification.rawValue, transferSyntaxes: [TransferSyntax.implicitVRLittleEndian.uid.rawValue,
                                                                                    TransferSyntax.explicitVRLittleEndian.uid.rawValue]) else {
            throw Failure.protocolError("Verification was not accepted")
        }
        let id = nextMessageID()
        try send(.cEchoRQ(CEchoRQ(messageID: id)), contextID: ctx.id, dataSet: nil)
        guard case .cEchoRSP(let rsp) = try awaitResponse(to: id) else { throw Failure.protocolError("unexpected response to C-ECHO") }
        return rsp.status
    }

    /// C-STORE of a data set in the context's transfer syntax: `writeDataSet` is called with a
    /// function that sends a chunk of it (and must be called in order, the last call last).
    public func store(sopClassUID: String, sopInstanceUID: String, contextID: UInt8,
                      dataSet: @escaping (_ send: (UnsafeRawBufferPointer, _ isLast: Bool) throws -> Void) throws -> Void) throws(Failure) -> CStoreRSP {
        let id = try startStore(sopClassUID: sopClassUID, sopInstanceUID: sopInstanceUID, contextID: contextID, dataSet: dataSet)
        guard case .cStoreRSP(let rsp) = try awaitResponse(to: id) else { throw Failure.protocolError("unexpected response to C-STORE") }
        return rsp
    }

    /// Sends a C-STORE-RQ and its data set without waiting for the response (within the
    /// negotiated `operationsWindow`, which the caller keeps); returns its Message ID.
    public func startStore(sopClassUID: String, sopInstanceUID: String, contextID: UInt8,
                           dataSet: @escaping (_ send: (UnsafeRawBufferPointer, _ isLast: Bool) throws -> Void) throws -> Void) throws(Failure) -> UInt16 {
        let id = nextMessageID()
        try send(.cStoreRQ(CStoreRQ(messageID: id, affectedSOPClassUID: sopClassUID, affectedSOPInstanceUID: sopInstanceUID)),
                 contextID: contextID, dataSet: dataSet)
        return id
    }

    /// The next C-STORE-RSP from the peer, whichever request it answers (responses under a
    /// window may come in any order). `waiting`: waits up to the DIMSE timeout; otherwise
    /// returns nil at once if nothing has arrived. Any other message aborts the association.
    public func storeResponse(waiting: Bool) throws(Failure) -> CStoreRSP? {
        let deadline = Socket.now() + parameters.dimseTimeout
        while true {
            if !received.isEmpty {
                let r = received.removeFirst()
                guard case .cStoreRSP(let rsp) = r.message else { throw abort(because: "expected a C-STORE response, got \(r.message)") }
                return rsp
            }
            if let failure { throw failure }
            guard machine.state == .Sta6, let channel else { throw Failure.aborted("association ended before the response") }
            if !waiting && !assembler.isReceivingDataSet && !channel.socket.isReadable(within: 0) { return nil }
            try readAndHandle(deadline: deadline, waiting: "waiting for C-STORE responses")
        }
    }

    /// N-ACTION with a data set (already encoded in the context's transfer syntax): the peer's
    /// response.
    public func action(requestedSOPClassUID: String, requestedSOPInstanceUID: String, actionTypeID: UInt16, contextID: UInt8,
                       dataSet: [UInt8]) throws(Failure) -> NActionRSP {
        let id = nextMessageID()
        try send(.nActionRQ(NActionRQ(messageID: id, requestedSOPClassUID: requestedSOPClassUID,
                                      requestedSOPInstanceUID: requestedSOPInstanceUID, actionTypeID: actionTypeID)),
                 contextID: contextID, dataSet: { send in try dataSet.withUnsafeBytes { try send($0, true) } })
        guard case .nActionRSP(let rsp) = try awaitResponse(to: id) else { throw Failure.protocolError("unexpected response to N-ACTION") }
        return rsp
    }

    /// A-RELEASE: waits for the A-RELEASE-RP and closes.
    public func release() throws(Failure) {
        guard machine.state == .Sta6 else { return }
        try step(.Evt11)
        let deadline = Socket.now() + parameters.artimTimeout
        while machine.state != .Sta1 {
            try readAndHandle(deadline: deadline, waiting: "waiting for the A-RELEASE-RP")
        }
        if let failure { throw failure }
    }

    /// Whether the association can carry more requests after a pause: established, nothing
    /// failed or waiting to be taken, and nothing from the peer waiting to be read (an A-ABORT,
    /// an A-RELEASE-RQ or the end of the connection, e.g. after the peer's idle timeout).
    public var isIdleAndOpen: Bool {
        guard machine.state == .Sta6, failure == nil, received.isEmpty, gathering == nil, let channel else { return false }
        return !channel.socket.isReadable(within: 0)
    }

    /// A-ABORT from this side (service user), then close.
    public func abort() {
        guard machine.state != .Sta1 else { return }
        try? step(.Evt15)
        channel?.close()
    }

    // MARK: internals

    func nextMessageID() -> UInt16 {
        messageID = messageID &+ 1
        if messageID == 0 { messageID = 1 }
        return messageID
    }

    var pendingSend: (message: DIMSEMessage, contextID: UInt8, dataSet: ((_ send: (UnsafeRawBufferPointer, Bool) throws -> Void) throws -> Void)?)?

    func send(_ message: DIMSEMessage, contextID: UInt8,
              dataSet: ((_ send: (UnsafeRawBufferPointer, Bool) throws -> Void) throws -> Void)?) throws(Failure) {
        guard machine.state == .Sta6 else { throw failure ?? Failure.protocolError("association not established") }
        pendingSend = (message, contextID, dataSet)
        try step(.Evt9)   // P-DATA request: DT-1
        if let failure { throw failure }
    }

    /// Waits for the response to message `id`, at most the DIMSE timeout in all. Operations are
    /// not asynchronous, so any other message from the peer is a protocol error.
    func awaitResponse(to id: UInt16) throws(Failure) -> DIMSEMessage {
        let deadline = Socket.now() + parameters.dimseTimeout
        while true {
            if let message = received.first?.message {
                received.removeAll()
                guard Self.respondsTo(message) == id else {
                    failure = .protocolError("expected the response to message \(id), got \(message)")
                    try? step(.Evt15)
                    channel?.close()
                    machine = ULStateMachine()
                    throw failure!
                }
                return message
            }
            if let failure { throw failure }
            guard machine.state == .Sta6 else { throw Failure.aborted("association ended before the response") }
            try readAndHandle(deadline: deadline, waiting: "waiting for the response to message \(id)")
        }
    }

    static func respondsTo(_ m: DIMSEMessage) -> UInt16? {
        switch m {
        case .cEchoRSP(let r): return r.messageIDBeingRespondedTo
        case .cStoreRSP(let r): return r.messageIDBeingRespondedTo
        case .nActionRSP(let r): return r.messageIDBeingRespondedTo
        case .nEventReportRSP(let r): return r.messageIDBeingRespondedTo
        case .cFindRSP(let r), .cMoveRSP(let r), .cGetRSP(let r): return r.messageIDBeingRespondedTo
        default: return nil
        }
    }

    /// Files a message (and its data set) from the peer in `received`. A response's data set is
    /// gathered in memory; a C-STORE sub-operation's goes to its `InstanceReceiver` as it arrives.
    func take(_ event: MessageAssembler.Event?) throws {
        switch event {
        case .command(let m, let ctx)?:
            received.append(Received(message: m, contextID: ctx))
        case .commandWithDataSet(.cStoreRQ(let rq), let ctx)?:
            guard let start = subOperationReceiver else { throw DIMSEProtocolError("a C-STORE-RQ outside a C-GET") }
            receiving = (rq, ctx, start(rq, ctx))
        case .commandWithDataSet(let m, let ctx)?:
            gathering = Received(message: m, contextID: ctx, dataSet: [])
        case .dataSetFragment(let data, let isLast)?:
            if let r = receiving {
                r.receiver?.append(data)
                guard isLast else { return }
                receiving = nil
                let outcome = r.receiver?.finish() ?? (.refusedSOPClassNotSupported, "no storage context \(r.contextID) for this SOP class", nil)
                received.append(Received(message: .cStoreRQ(r.request), contextID: r.contextID,
                                         stored: (outcome.0, outcome.1, outcome.2)))
            } else if var g = gathering {
                guard g.dataSet!.count + data.count <= Self.maximumIdentifierLength else {
                    throw DIMSEProtocolError("a response data set longer than \(Self.maximumIdentifierLength) bytes")
                }
                g.dataSet! += data
                gathering = isLast ? nil : g
                if isLast { received.append(g) }
            }
        case nil: break
        }
    }

    /// Drops a C-STORE sub-operation cut short (the association ended in its middle).
    func discardPartialSubOperation() {
        receiving?.receiver?.discard()
        receiving = nil
    }

    func readAndHandle(deadline: Double, waiting: String) throws(Failure) {
        guard let channel else { throw failure ?? Failure.network(.closed) }
        let incoming: PDUChannel.Incoming
        do {
            incoming = try channel.read(deadline: deadline, waiting: waiting)
        } catch let e as NetworkError {
            if case .timedOut = e {
                failure = failure ?? .network(.timedOut(waiting))
                try step(.Evt15)   // give up: A-ABORT
                channel.close()
                machine = ULStateMachine()
            } else {
                failure = failure ?? .network(e)
                try step(.Evt17)
            }
            return
        } catch {
            failure = failure ?? .network(.closed)
            try step(.Evt17)
            return
        }
        switch incoming {
        case .pdu(.associateAC(let ac)):
            acceptance = ac
            operationsWindow = OperationsWindow<Void>.negotiated(proposed: parameters.asynchronousOperationsWindow,
                                                                 answer: ac.userInformation.asynchronousOperationsWindow)
            peerMaximumLength = ac.userInformation.maximumLength ?? 0
            for pc in ac.presentationContexts where pc.isAccepted {
                if let proposed = parameters.presentationContexts.first(where: { $0.id == pc.id }) {
                    acceptedContexts[pc.id] = (proposed.abstractSyntax.trimmedUID, pc.transferSyntax.trimmedUID)
                }
            }
            try step(.Evt3)
        case .pdu(.associateRJ(let rj)):
            failure = .rejected(rj)
            try step(.Evt4)
        case .pdu(.associateRQ): try step(.Evt6)
        case .pData(let body):
            do {
                try PDataTF.forEachValue(in: body) { pdv in try take(assembler.receive(pdv)) }
                try step(.Evt10)
            } catch {
                failure = .protocolError("\(error)")
                try step(.Evt19, reason: .invalidPDUParameterValue)
            }
        case .pdu(.dataTF): try step(.Evt10)
        case .pdu(.releaseRQ): try step(.Evt12)
        case .pdu(.releaseRP): try step(.Evt13)
        case .pdu(.abort(let a)):
            failure = .aborted("\(a)")
            try step(.Evt16, abortSource: a.source == 0 ? .dulServiceUser : .dulServiceProvider)
        case .invalid(let e):
            failure = .protocolError("invalid PDU from the peer: \(e)")
            try step(.Evt19, reason: e.reason)
        }
    }

    func step(_ event: ULEvent, abortSource: AbortSource = .dulServiceUser, reason: AbortReason = .unexpectedPDU) throws(Failure) {
        let t = machine.handle(event, abortSource: abortSource, invalidPDUReason: reason)
        do {
            try t.effects.forEach { try perform($0) }
        } catch {
            switch error {
            case let f as Failure: failure = failure ?? f
            case let e as NetworkError: failure = failure ?? .network(e)
            default: failure = failure ?? .protocolError("\(error)")
            }
            channel?.close()
            machine = ULStateMachine()
            throw failure!
        }
    }

    func perform(_ effect: ULEffect) throws {
        switch effect {
        case .openTransport:
            do {
                let socket = try Socket.connect(host: parameters.host, port: parameters.port, timeout: parameters.connectTimeout)
                var stream: any ByteStream = socket
                if let tls = parameters.tls {
                    stream = try TLSStream.connect(socket, host: parameters.host, context: tls.current,
                                                   deadline: Socket.now() + parameters.artimTimeout)
                }
                stream.sendTimeout = parameters.dimseTimeout
                stream.quickAcknowledgement = true
                channel = PDUChannel(socket: stream, limits: PDUHeader.Limits(maximumDataLength: parameters.maximumPDULength))
            } catch let e as NetworkError {
                throw Failure.network(e)
            }
            try step(.Evt2)   // transport connect confirmation
        case .sendAssociateRQ:
            var info = UserInformation(maximumLength: parameters.maximumPDULength,
                                       implementationClassUID: Part10Writer.implementationClassUID.rawValue,
                                       implementationVersionName: Part10Writer.implementationVersionName)
            info.order = []
            info.roleSelections = parameters.roleSelections
            if parameters.asynchronousOperationsWindow > 1 {
                info.asynchronousOperationsWindow = AsynchronousOperationsWindow(
                    maximumInvoked: UInt16(min(parameters.asynchronousOperationsWindow, Int(UInt16.max))), maximumPerformed: 1)
            }
            try channel!.send(.associateRQ(AAssociateRQ(calledAETitle: parameters.calledAETitle, callingAETitle: parameters.callingAETitle,
                                                        presentationContexts: parameters.presentationContexts, userInformation: info)))
        case .sendPData:
            guard let (message, ctx, dataSet) = pendingSend else { return }
            pendingSend = nil
            let command = message.commandSet().encode()
            try command.withUnsafeBytes {
                try channel!.sendFragments(contextID: ctx, isCommand: true, data: $0, peerMaximumLength: peerMaximumLength)
            }
            if let dataSet {
                do {
                    try dataSet { chunk, isLast in
                        try channel!.sendFragments(contextID: ctx, isCommand: false, data: chunk, isLast: isLast,
                                                   peerMaximumLength: peerMaximumLength)
                    }
                } catch let e as NetworkError {
                    throw e
                } catch {
                    // The message cannot be finished: the peer is told with an A-ABORT.
                    try? channel?.send(.abort(AAbort(source: .dulServiceUser)))
                    throw Failure.local("\(error)")
                }
            }
        case .sendReleaseRQ: try channel!.send(.releaseRQ)
        case .sendReleaseRP: try channel!.send(.releaseRP)
        case .sendAbort(let source, let reason): try? channel?.send(.abort(AAbort(source: source, reason: reason)))
        case .closeTransport: channel?.close()
        case .startARTIM, .stopARTIM: break   // the requestor's waits carry their own timeouts
        case .sendAssociateAC, .sendAssociateRJ: break   // acceptor actions
        case .indicate(.releaseRequest), .indicate(.releaseCollision):
            try step(.Evt14)   // answer the peer's release
        case .indicate: break
        }
    }
}

import DICOMCore
import DICOMDIMSE
import DICOMFile
import DICOMUpperLayer
import Foundation
import Logging

/// One association accepted by the server, on its own thread: reads PDUs, turns them into
/// events for the Upper Layer state machine, and carries out the effects it returns. DIMSE
/// requests (C-ECHO, C-STORE) are served as the state machine indicates P-DATA.
final class AcceptorAssociation {
    let channel: PDUChannel
    let configuration: ServerConfiguration
    var policy: AcceptorPolicy
    let staging: any InstanceStaging
    let server: ServerState
    var logger: Logger

    var machine = ULStateMachine()
    /// When ARTIM expires, while it runs (PS3.8 9.1.5): an absolute time, so a peer that
    /// trickles bytes cannot stretch it.
    var artimDeadline: Double?
    var request: AAssociateRQ?
    var acceptance: AAssociateAC?
    var rejection: AAssociateRJ?
    /// Accepted presentation contexts: ID → (abstract syntax, transfer syntax).
    var contexts: [UInt8: (abstractSyntax: String, transferSyntax: String)] = [:]
    var peerMaximumLength: UInt32 = 0
    var assembler = MessageAssembler()
    var receiver: InstanceReceiver?
    /// The receiver's command when its SOP class does not fit the context: the data set is read
    /// and dropped, then A900 is answered.
    var mismatchedStore: (CStoreRQ, String)?
    /// The presentation context of the C-STORE being received (the assembler checks that every
    /// fragment uses it); its response goes on the same context.
    var storeContextID: UInt8 = 0
    /// The P-DATA-TF body being indicated, and the reply DT-1 is to send.
    var currentPData: ArraySlice<UInt8> = []
    var outgoing: (contextID: UInt8, command: [UInt8])?
    var abortSent: AAbort?

    let started = Date()
    var stored = 0, failed = 0, echoes = 0, bytes = 0
    /// The counters and the receive-time histogram (ReceiveMetrics), and when the C-STORE being
    /// received began (its command: uptime nanoseconds).
    let metrics: ReceiveMetrics.Handles
    var storeStarted: UInt64 = 0
    var endReason = "released"

    /// Where Storage Commitment results go (nil: N-EVENT-REPORTs are refused).
    let commitmentReports: StorageCommitmentHandler?
    /// An N-EVENT-REPORT whose data set is arriving.
    var eventReport: (rq: NEventReportRQ, contextID: UInt8, bytes: [UInt8])?
    static let maximumEventReportLength = 16 << 20

    let peerAddress: String
    /// The A-ASSOCIATE-RQ's AE titles and the peer's address, for routing.
    var peer: AssociationPeer {
        AssociationPeer(calledAETitle: request?.calledAETitle ?? "", callingAETitle: request?.callingAETitle ?? "",
                        address: peerAddress)
    }

    /// Why nothing can be stored now (`DICOMServer.storageRefusal`).
    let storageRefusal: @Sendable () -> String?

    init(socket: any ByteStream, configuration: ServerConfiguration, staging: any InstanceStaging, server: ServerState, logger: Logger,
         commitmentReports: StorageCommitmentHandler? = nil, metrics: ReceiveMetrics = ReceiveMetrics(),
         storageRefusal: @escaping @Sendable () -> String? = { nil }) {
        self.commitmentReports = commitmentReports
        self.metrics = metrics.handles()
        self.storageRefusal = storageRefusal
        socket.sendTimeout = configuration.dimseTimeout
        channel = PDUChannel(socket: socket, limits: PDUHeader.Limits(maximumDataLength: configuration.maximumPDULength))
        self.configuration = configuration
        policy = configuration.acceptorPolicy
        self.staging = staging
        self.server = server
        self.logger = logger
        self.logger[metadataKey: "peer"] = "\(socket.peerDescription)"
        peerAddress = AssociationPeer.address(ofPeerDescription: socket.peerDescription)
        if let tls = socket as? TLSStream {
            // Over TLS, the certificate's subject may narrow the calling AE titles allowed
            // (DICOM_TLS_AE_SUBJECTS): a refusal is the allow-list's (calling AE title not
            // recognised), with the subject in the log line.
            self.logger[metadataKey: "tls"] = "\(tls.protocolVersion) \(tls.cipher)"
            self.logger[metadataKey: "tls_subject"] = "\(tls.peerSubject ?? "none")"
            if let subjects = configuration.tls?.subjects,
               let allowed = subjects.allowedCallingAETitles(subject: tls.peerSubject, commonName: tls.peerCommonName) {
                policy.allowedCallingAETitles = policy.allowedCallingAETitles.map { $0.intersection(allowed) } ?? allowed
            }
        }
    }

    /// The association counts against the server's limit from its acceptance until its release
    /// is answered (or it ends otherwise), not until the peer gets round to closing.
    var holdsPlace = false
    /// Until the A-ASSOCIATE-RQ is answered, the connection counts as pending.
    var pending = true

    func leavePending() {
        if pending { server.endPending() }
        pending = false
    }

    func releasePlace() {
        if holdsPlace { server.release() }
        holdsPlace = false
    }

    func run() {
        apply(machine.handle(.Evt5))   // transport connection indication: AE-5, ARTIM started
        defer {
            leavePending()
            releasePlace()
        }
        while machine.state != .Sta1 {
            let incoming: PDUChannel.Incoming
            do {
                incoming = try channel.read(deadline: nextDeadline, waiting: waitingFor) { [server] in
                    server.isShuttingDown && !server.withinGrace
                }
            } catch NetworkError.timedOut {
                timedOut()
                continue
            } catch {
                if machine.state == .Sta6 { endReason = "connection closed by the peer" }
                if machine.state == .Sta2 { endReason = "connection closed before an A-ASSOCIATE-RQ" }
                apply(machine.handle(.Evt17))   // transport closed
                continue
            }
            handle(incoming)
        }
        channel.close()
        receiver?.discard()
        receiver = nil
        logSummary()
    }

    /// ARTIM's deadline while it runs; otherwise one PDU may take the DIMSE timeout inside a
    /// message, or the idle timeout between messages.
    var nextDeadline: Double {
        if let artimDeadline { return artimDeadline }
        return Socket.now() + (assembler.isReceivingDataSet ? configuration.dimseTimeout : configuration.idleTimeout)
    }

    var waitingFor: String {
        if machine.state == .Sta2 { return "waiting for the A-ASSOCIATE-RQ" }
        if artimDeadline != nil { return "waiting for the peer to close" }
        return assembler.isReceivingDataSet ? "waiting for the next fragment" : "waiting for a request"
    }

    func timedOut() {
        if artimDeadline != nil {
            if machine.state == .Sta2 { endReason = "closed: no A-ASSOCIATE-RQ within \(configuration.artimTimeout) s (ARTIM)" }
            apply(machine.handle(.Evt18))   // ARTIM expired
            return
        }
        if server.isShuttingDown && !server.withinGrace {
            endReason = "aborted: server shutting down"
        } else {
            endReason = assembler.isReceivingDataSet ? "aborted: DIMSE timeout (\(configuration.dimseTimeout) s)"
                : "aborted: idle for \(configuration.idleTimeout) s"
        }
        apply(machine.handle(.Evt15))   // local abort
    }

    func handle(_ incoming: PDUChannel.Incoming) {
        switch incoming {
        case .pdu(.associateRQ(let rq)):
            // Only the first request names the association; another one is an invalid event.
            if machine.state == .Sta2 {
                request = rq
                logger[metadataKey: "calling"] = "\(rq.callingAETitle)"
                logger[metadataKey: "called"] = "\(rq.calledAETitle)"
            }
            let acceptable = Negotiation.isAcceptableByServiceProvider(rq)
            if !acceptable {
                rejection = Negotiation.protocolVersionRejection
                endReason = "rejected: protocol version \(rq.protocolVersion) not supported"
            }
            apply(machine.handle(.Evt6, associateRQAcceptable: acceptable))
        case .pdu(.associateAC): apply(machine.handle(.Evt3))
        case .pdu(.associateRJ): apply(machine.handle(.Evt4))
        case .pData(let body):
            currentPData = body
            apply(machine.handle(.Evt10))
            currentPData = []
        case .pdu(.dataTF): apply(machine.handle(.Evt10))   // not produced by PDUChannel
        case .pdu(.releaseRQ): apply(machine.handle(.Evt12))
        case .pdu(.releaseRP): apply(machine.handle(.Evt13))
        case .pdu(.abort(let a)):
            endReason = "aborted by the peer (\(a))"
            apply(machine.handle(.Evt16, abortSource: a.source == AbortSource.dulServiceUser.rawValue ? .dulServiceUser : .dulServiceProvider))
        case .invalid(let problem):
            endReason = "aborted: invalid PDU: \(problem)"
            apply(machine.handle(.Evt19, invalidPDUReason: problem.reason))
            // What follows an invalid PDU cannot be framed: close now rather than wait out ARTIM
            // reading garbage (PS3.8 9.1.6 allows closing once the A-ABORT is sent).
            if machine.state == .Sta13 {
                channel.close()
                apply(machine.handle(.Evt17))
            }
        }
    }

    // MARK: effects

    func apply(_ transition: ULTransition) {
        do {
            try transition.effects.forEach { try perform($0) }
        } catch {
            // The transport failed while sending: the connection is gone.
            if machine.state != .Sta1 {
                endReason = "connection lost: \(error)"
                channel.close()
                apply(machine.handle(.Evt17))
            }
        }
    }

    func perform(_ effect: ULEffect) throws {
        switch effect {
        case .startARTIM: artimDeadline = Socket.now() + configuration.artimTimeout
        case .stopARTIM: artimDeadline = nil
        case .closeTransport: channel.close()
        case .openTransport, .sendAssociateRQ, .sendReleaseRQ: break   // requestor actions
        case .sendAssociateAC: try channel.send(.associateAC(acceptance!))
        case .sendAssociateRJ: try channel.send(.associateRJ(rejection!))
        case .sendReleaseRP: try channel.send(.releaseRP)
        case .sendAbort(let source, let reason):
            let abort = AAbort(source: source, reason: reason)
            abortSent = abort
            try channel.send(.abort(abort))
        case .sendPData:
            if let out = outgoing {
                outgoing = nil
                try out.command.withUnsafeBytes {
                    try channel.sendFragments(contextID: out.contextID, isCommand: true, data: $0, peerMaximumLength: peerMaximumLength)
                }
            }
        case .indicate(let indication): indicate(indication)
        }
    }

    func indicate(_ indication: ULIndication) {
        switch indication {
        case .associateRequest: associationRequested()
        case .pData: dataIndicated()
        case .releaseRequest, .releaseCollision:
            if receiver != nil { endReason = "released during a C-STORE: instance dropped" }
            receiver?.discard()
            receiver = nil
            apply(machine.handle(.Evt14))   // A-RELEASE response
            releasePlace()
        case .abort, .providerAbort:
            receiver?.discard()
            receiver = nil
        case .associateAccepted, .associateRejected, .releaseConfirmed:
            break   // requestor indications
        }
    }

    func associationRequested() {
        guard let rq = request else { return }
        // A low disk refuses what would store images; an association that proposes only
        // Verification or Storage Commitment (a destination's results, which let clean-up free
        // space) is still accepted.
        let storesNothing = rq.presentationContexts.allSatisfy {
            [UID.verification.rawValue, UID.storageCommitmentPushModel.rawValue].contains($0.abstractSyntax.trimmedUID)
        }
        let shortage = storesNothing ? nil : storageRefusal()
        let refusal = storesNothing ? nil : configuration.routing?.associationRefusal(peer)
        let outcome = server.admit { open in
            var answer = Negotiation.negotiate(rq, policy: policy, openAssociations: open, resourceShortage: shortage)
            // Nothing this peer could send would be routed anywhere: the standard's rejection of
            // an unknown calling AE title, with the routing's reason in the log.
            if case .accept = answer, let refusal {
                answer = .reject(AAssociateRJ(result: .rejectedPermanent, source: .dulServiceUser,
                                              reason: AssociateRejectReasonServiceUser.callingAETitleNotRecognised.rawValue),
                                 "no routing rule takes this association: \(refusal)")
            }
            // An answer that cannot be encoded (a hostile request made it too long) is a rejection.
            if case .accept(let ac) = answer, (try? PDUEncoder.encode(.associateAC(ac))) == nil {
                return .reject(AAssociateRJ(result: .rejectedPermanent, source: .dulServiceProviderACSERelated,
                                            reason: AssociateRejectReasonACSE.noReasonGiven.rawValue),
                               "the A-ASSOCIATE-AC for this request cannot be encoded")
            }
            return answer
        }
        leavePending()
        switch outcome {
        case .accept(let ac):
            metrics.associations.increment()
            holdsPlace = true
            acceptance = ac
            peerMaximumLength = rq.userInformation.maximumLength ?? 0
            for pc in ac.presentationContexts where pc.isAccepted {
                if let proposed = rq.presentationContexts.first(where: { $0.id == pc.id }) {
                    contexts[pc.id] = (proposed.abstractSyntax.trimmedUID, pc.transferSyntax.trimmedUID)
                }
            }
            apply(machine.handle(.Evt7))
            if machine.state == .Sta6 {
                logger.info("association accepted", metadata: [
                    "contexts": "\(contexts.count)/\(rq.presentationContexts.count)",
                    "peer_max_pdu": "\(peerMaximumLength)",
                    "implementation": "\(rq.userInformation.implementationVersionName ?? rq.userInformation.implementationClassUID ?? "-")",
                ])
            }
        case .reject(let rj, let why):
            metrics.associationsRejected.increment()
            rejection = rj
            endReason = "rejected: \(why) (\(rj))"
            apply(machine.handle(.Evt8))
        }
    }

    // MARK: DIMSE

    func dataIndicated() {
        do {
            try PDataTF.forEachValue(in: currentPData) { pdv in
                // The transport may have failed while answering an earlier PDV of this PDU.
                guard machine.state == .Sta6 else { throw StopServing() }
                guard contexts[pdv.contextID] != nil else {
                    throw DIMSEProtocolError("PDV on presentation context \(pdv.contextID), which was not accepted")
                }
                guard let event = try assembler.receive(pdv) else { return }
                try serve(event)
            }
        } catch is StopServing {
            return
        } catch let e as PDUError {
            endReason = "aborted: invalid P-DATA-TF: \(e)"
            apply(machine.handle(.Evt19, invalidPDUReason: e.reason))
        } catch {
            // A DIMSE protocol error: abort the association (as the service user).
            endReason = "aborted: \(error)"
            apply(machine.handle(.Evt15))
        }
    }

    func serve(_ event: MessageAssembler.Event) throws {
        switch event {
        case .command(.cEchoRQ(let rq), let ctx):
            echoes += 1
            reply(.cEchoRSP(CEchoRSP(messageIDBeingRespondedTo: rq.messageID, affectedSOPClassUID: rq.affectedSOPClassUID,
                                     status: .success)), on: ctx)
        case .command(let message, _):
            throw DIMSEProtocolError("unexpected \(message) from an SCU")
        case .commandWithDataSet(.cStoreRQ(let rq), let ctx):
            storeStarted = DispatchTime.now().uptimeNanoseconds
            storeContextID = ctx
            let context = contexts[ctx]!
            if rq.affectedSOPClassUID != context.abstractSyntax && !policy.acceptUnknownAbstractSyntaxes {
                mismatchedStore = (rq, "SOP class \(rq.affectedSOPClassUID) sent on a context for \(context.abstractSyntax)")
            } else {
                receiver = InstanceReceiver(staging: staging, request: rq, transferSyntax: UID(context.transferSyntax),
                                            peer: peer, routing: configuration.routing, refusal: storageRefusal)
            }
        case .commandWithDataSet(.nEventReportRQ(let rq), let ctx):
            eventReport = (rq, ctx, [])
        case .commandWithDataSet(let message, _):
            throw DIMSEProtocolError("unexpected \(message) with a data set")
        case .dataSetFragment(let data, let isLast) where eventReport != nil:
            eventReport!.bytes += data
            guard eventReport!.bytes.count <= Self.maximumEventReportLength else {
                throw DIMSEProtocolError("N-EVENT-REPORT data set longer than \(Self.maximumEventReportLength) bytes")
            }
            if isLast { answerEventReport() }
        case .dataSetFragment(let data, let isLast):
            bytes += data.count
            receiver?.append(data)
            guard isLast else { return }
            let ctx = storeContextID
            if let (rq, why) = mismatchedStore {
                mismatchedStore = nil
                failed += 1
                metrics.storeFailures.increment()
                logger.warning("C-STORE refused", metadata: ["sop_instance": "\(rq.affectedSOPInstanceUID)", "reason": "\(why)"])
                replyStore(rq, status: .dataSetDoesNotMatchSOPClass, comment: why, on: ctx)
                return
            }
            guard let r = receiver else { return }
            receiver = nil
            let (status, comment, path) = r.finish()
            if status.isSuccess {
                stored += 1
                metrics.imagesReceived.increment()
                metrics.bytesReceived.increment(by: Int64(r.dataSetBytes))
                logger.debug("stored", metadata: ["sop_instance": "\(r.request.affectedSOPInstanceUID)", "path": "\(path ?? "")"])
            } else {
                failed += 1
                metrics.storeFailures.increment()
                logger.warning("C-STORE failed", metadata: ["sop_instance": "\(r.request.affectedSOPInstanceUID)",
                                                            "status": "\(status)", "reason": "\(comment ?? "")"])
            }
            replyStore(r.request, status: status, comment: comment, on: ctx)
            if status.isSuccess {
                metrics.receiveTime.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - storeStarted))
            }
        }
    }

    /// A Storage Commitment result, handed to the pipeline; the answer says whether it was taken.
    func answerEventReport() {
        guard let (rq, ctx, data) = eventReport else { return }
        eventReport = nil
        func answer(_ status: DIMSEStatus) {
            reply(.nEventReportRSP(NEventReportRSP(messageIDBeingRespondedTo: rq.messageID, affectedSOPClassUID: rq.affectedSOPClassUID,
                                                   affectedSOPInstanceUID: rq.affectedSOPInstanceUID, eventTypeID: rq.eventTypeID,
                                                   status: status)), on: ctx)
        }
        guard rq.affectedSOPClassUID == StorageCommitment.sopClassUID, let handler = commitmentReports else {
            logger.warning("N-EVENT-REPORT refused", metadata: ["sop_class": "\(rq.affectedSOPClassUID)"])
            return answer(.noSuchSOPClass)
        }
        guard [StorageCommitment.allCommittedEventTypeID, StorageCommitment.someFailedEventTypeID].contains(rq.eventTypeID) else {
            return answer(.noSuchEventType)
        }
        let report: StorageCommitment.Report
        do {
            let ts = TransferSyntax.lookup(UID(contexts[ctx]?.transferSyntax ?? TransferSyntax.implicitVRLittleEndian.uid.rawValue))
            report = try StorageCommitment.Report.parse(try Part10File.readDataSet(bytes: data, transferSyntax: ts).dataSet)
        } catch {
            logger.warning("N-EVENT-REPORT not understood", metadata: ["error": "\(error)"])
            return answer(.processingFailure)
        }
        let status = handler(report, request?.callingAETitle ?? "")
        logger.info("storage commitment result", metadata: [
            "transaction": "\(report.transactionUID)", "committed": "\(report.committed.count)", "failed": "\(report.failed.count)",
            "status": "\(status)"])
        answer(status)
    }

    func replyStore(_ rq: CStoreRQ, status: DIMSEStatus, comment: String?, on ctx: UInt8) {
        reply(.cStoreRSP(CStoreRSP(messageIDBeingRespondedTo: rq.messageID, affectedSOPClassUID: rq.affectedSOPClassUID,
                                   affectedSOPInstanceUID: rq.affectedSOPInstanceUID, status: status,
                                   errorComment: status.isSuccess ? nil : comment)), on: ctx)
    }

    /// Sends a response through the state machine (P-DATA request: Evt9, DT-1).
    func reply(_ message: DIMSEMessage, on ctx: UInt8) {
        outgoing = (ctx, message.commandSet().encode())
        apply(machine.handle(.Evt9))
    }

    func logSummary() {
        let seconds = Date().timeIntervalSince(started)
        var metadata: Logger.Metadata = [
            "result": "\(endReason)", "stored": "\(stored)", "failed": "\(failed)", "echoes": "\(echoes)",
            "bytes": "\(bytes)", "seconds": "\(String(format: "%.3f", seconds))",
        ]
        if let abortSent { metadata["abort_sent"] = "\(abortSent)" }
        if endReason == "released" {
            logger.info("association ended", metadata: metadata)
        } else {
            logger.warning("association ended", metadata: metadata)
        }
    }
}

/// Ends the serving of a P-DATA-TF's PDVs once the association is gone.
private struct StopServing: Error {}

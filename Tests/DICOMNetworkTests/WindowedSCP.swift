import DICOMDIMSE
@testable import DICOMNetwork
import DICOMUpperLayer
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A scripted Storage SCP that accepts an Asynchronous Operations Window of `window` and answers
/// out of order: it collects C-STOREs until `window` are outstanding (or none more arrives for
/// `quiet` seconds, 0.2 by default), then answers them last first, each with `status(sopInstanceUID)`. With `abortAfter`
/// it aborts once that many requests have arrived, having answered only the first
/// `answeredBeforeAbort` of them. An association with no request for `idleTimeout` seconds is
/// closed (as Orthanc closes one after DicomScpTimeout). Serves associations one after another
/// until deinit.
final class WindowedSCP: @unchecked Sendable {
    struct Log {
        /// SOP Instance UIDs of the requests, in the order they arrived (every association).
        var received: [String] = []
        /// (SOP Instance UID, status) of the responses, in the order sent.
        var answered: [(String, UInt16)] = []
        /// Most requests outstanding at once.
        var mostOutstanding = 0
        var associations = 0
        /// The window each association's requestor proposed (nil: none).
        var proposed: [AsynchronousOperationsWindow?] = []
    }
    /// The log, shared with the serving thread.
    final class Recorder: Sendable {
        private let state = Mutex(Log())
        func withLock<R>(_ body: (inout Log) -> R) -> R { state.withLock { body(&$0) } }
    }
    let listenFD: Int32
    let port: Int
    let log = Recorder()

    init(window: UInt16, status: @escaping @Sendable (String) -> UInt16 = { _ in 0 }, abortAfter: Int? = nil,
         answeredBeforeAbort: Int = 0, idleTimeout: Double = 5, quiet: Double = 0.2) throws {
        let (fd, port) = FakeSCP.listenOnLoopback()
        listenFD = fd
        self.port = port
        let log = self.log
        Thread.detachNewThread {
            var aborted = abortAfter == nil
            while true {
                let conn = accept(fd, nil, nil)
                guard conn >= 0 else {
                    // Closed here, not in deinit: while this thread serves, the number must not
                    // be given to another test's listener, whose connections it would take.
                    close(fd)
                    return
                }
                let s = Socket(fd: conn, peerDescription: "scu", receiveBuffer: 1 << 20, sendBuffer: 1 << 20)
                Self.serve(PDUChannel(socket: s, limits: PDUHeader.Limits(maximumDataLength: 1 << 20)), window: window, status: status,
                           abortAfter: aborted ? nil : abortAfter, answeredBeforeAbort: answeredBeforeAbort,
                           idleTimeout: idleTimeout, quiet: quiet, log: log)
                aborted = true   // the abort falls on the first association only
                // As PS3.8 has an acceptor wait for the requestor to close after an A-ABORT: stop
                // writing and read what is still coming before closing. Closing with requests
                // unread sends a reset, which can take the last answers written with it off the
                // requestor's receive queue (the test saw an answered image counted unanswered).
                s.shutdownWrite()
                var scratch = [UInt8](repeating: 0, count: 1 << 16)
                while s.isReadable(within: 2), read(conn, &scratch, scratch.count) > 0 {}
                s.close()
            }
        }
    }

    /// The accept fails from now on, and the serving thread closes the socket.
    deinit {
        shutdown(listenFD, Int32(SHUT_RDWR))
    }

    static func serve(_ channel: PDUChannel, window: UInt16, status: @Sendable (String) -> UInt16, abortAfter: Int?,
                      answeredBeforeAbort: Int, idleTimeout: Double = 5, quiet: Double = 0.2, log: Recorder) {
        guard case .pdu(.associateRQ(let rq))? = try? channel.read(deadline: Socket.now() + 5, waiting: "rq") else { return }
        var info = UserInformation(maximumLength: 16384)
        info.asynchronousOperationsWindow = AsynchronousOperationsWindow(maximumInvoked: window, maximumPerformed: 1)
        let ac = AAssociateAC(calledAETitle: rq.calledAETitle, callingAETitle: rq.callingAETitle,
                              presentationContexts: rq.presentationContexts.map {
                                  PresentationContextAC(id: $0.id, result: .accepted, transferSyntax: $0.transferSyntaxes[0])
                              }, userInformation: info)
        log.withLock {
            $0.associations += 1
            $0.proposed.append(rq.userInformation.asynchronousOperationsWindow)
        }
        try? channel.send(.associateAC(ac))
        var assembler = MessageAssembler()
        var pending: [(CStoreRQ, UInt8)] = []
        var current: (CStoreRQ, UInt8)?
        var count = 0
        func answer(_ batch: [(CStoreRQ, UInt8)]) {
            for (rq, ctx) in batch {
                let code = status(rq.affectedSOPInstanceUID)
                let rsp = DIMSEMessage.cStoreRSP(CStoreRSP(messageIDBeingRespondedTo: rq.messageID, affectedSOPClassUID: rq.affectedSOPClassUID,
                                                           affectedSOPInstanceUID: rq.affectedSOPInstanceUID, status: DIMSEStatus(code),
                                                           errorComment: code == 0 ? nil : "refused by the test"))
                let bytes = rsp.commandSet().encode()
                try? bytes.withUnsafeBytes { try channel.sendFragments(contextID: ctx, isCommand: true, data: $0, peerMaximumLength: 0) }
                log.withLock { $0.answered.append((rq.affectedSOPInstanceUID, code)) }
            }
        }
        while true {
            // Answer when the window is full, or when the requestor has nothing more to send.
            if !pending.isEmpty && (pending.count >= Int(window) || !channel.socket.isReadable(within: quiet)) {
                answer(pending.reversed())
                pending = []
            }
            guard let incoming = try? channel.read(deadline: Socket.now() + idleTimeout, waiting: "requests") else { return }
            switch incoming {
            case .pData(let body):
                try? PDataTF.forEachValue(in: body) { pdv in
                    switch try assembler.receive(pdv) {
                    case .commandWithDataSet(.cStoreRQ(let rq), let ctx)?: current = (rq, ctx)
                    case .dataSetFragment(_, true)?:
                        guard let c = current else { return }
                        current = nil
                        pending.append(c)
                        count += 1
                        log.withLock {
                            $0.received.append(c.0.affectedSOPInstanceUID)
                            $0.mostOutstanding = max($0.mostOutstanding, pending.count)
                        }
                    default: break
                    }
                }
                if let abortAfter, count >= abortAfter {
                    answer(Array(pending.prefix(answeredBeforeAbort)))
                    try? channel.send(.abort(AAbort(source: .dulServiceUser)))
                    return
                }
            case .pdu(.releaseRQ):
                if !pending.isEmpty { answer(pending.reversed()) }
                try? channel.send(.releaseRP)
                return
            default: return
            }
        }
    }
}

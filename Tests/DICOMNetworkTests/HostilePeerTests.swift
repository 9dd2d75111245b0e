import DICOMCore
import DICOMDIMSE
import DICOMFile
@testable import DICOMNetwork
import DICOMUpperLayer
import Foundation
import Logging
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Peers that try to hold the node: by trickling, by not reading, by opening many connections,
/// and an SCP that answers wrongly or stops reading while the SCU sends.
@Suite struct HostilePeerTests {
    static func connect(_ port: Int) throws -> Socket { try Socket.connect(host: "127.0.0.1", port: port, timeout: 2) }

    /// True if the server closed the connection within `seconds` (it read end of stream).
    static func closedWithin(_ s: Socket, seconds: Double) -> Bool {
        var b = [UInt8](repeating: 0, count: 64 * 1024)
        let deadline = Socket.now() + seconds
        while Socket.now() < deadline {
            do {
                try b.withUnsafeMutableBytes { try s.readExactly(into: $0, count: 1, deadline: min(deadline, Socket.now() + 0.2), what: "t") }
            } catch NetworkError.closed {
                return true
            } catch {}
        }
        return false
    }

    @Test func aTricklingPeerIsClosedAtTheARTIMDeadline() throws {
        let f = try StorageSCPTests.Fixture { $0.artimTimeout = 1 }
        let s = try Self.connect(f.server.port)
        let start = Socket.now()
        // One byte of an A-ASSOCIATE-RQ header every 0.3 s: each read makes progress, but the
        // deadline is for the whole request.
        var closed = false
        for byte in [UInt8]([0x01, 0x00, 0x00, 0x00, 0x10, 0x00]) {
            do { try s.write([byte]) } catch { closed = true; break }
            Thread.sleep(forTimeInterval: 0.3)
        }
        closed = closed || Self.closedWithin(s, seconds: 3)
        #expect(closed)
        #expect(Socket.now() - start < 4)
    }

    @Test func aPeerThatNeverReadsIsCutOffAndOthersAreServed() throws {
        let f = try StorageSCPTests.Fixture { c in
            c.dimseTimeout = 1
            c.idleTimeout = 1
        }
        let a = try RequestorAssociation(RequestorAssociation.Parameters(
            host: "127.0.0.1", port: f.server.port, callingAETitle: "T", calledAETitle: "SENDIT",
            presentationContexts: [PresentationContextRQ(id: 1, abstractSyntax: UID.verification.rawValue, transferSyntaxes: ["1.2.840.10008.1.2"])]))
        // Flood C-ECHO requests and read none of the responses: the server's writes block.
        let echo = DIMSEMessage.cEchoRQ(CEchoRQ(messageID: 1)).commandSet().encode()
        let pdu = PDUEncoder.pDataHeader(contextID: 1, isCommand: true, isLast: true, dataLength: echo.count) + echo
        let flood = [UInt8](Array(repeating: pdu, count: 2000).joined())
        let start = Socket.now()
        var cutOff = false
        for _ in 0..<200 {
            do { try a.channel!.socket.write(flood) } catch { cutOff = true; break }
            if Socket.now() - start > 20 { break }
        }
        #expect(cutOff, "the server kept reading for \(Socket.now() - start) s")
        // Others are served meanwhile and after.
        let results = StorageSCU.send(paths: [try f.instance(sop: "1.2.3.4.60")], to: f.destination())
        #expect(results.first?.succeeded == true, "\(results)")
    }

    @Test func silentConnectionsBeyondThePendingLimitAreClosedAtOnce() throws {
        let f = try StorageSCPTests.Fixture { c in
            c.maximumAssociations = 2
            c.artimTimeout = 5
        }
        let first = try Self.connect(f.server.port), second = try Self.connect(f.server.port)
        Thread.sleep(forTimeInterval: 0.2)
        let third = try Self.connect(f.server.port)
        #expect(Self.closedWithin(third, seconds: 1))
        #expect(!Self.closedWithin(first, seconds: 0.3) && !Self.closedWithin(second, seconds: 0.3))
    }

    // MARK: the SCU against a misbehaving SCP

    @Test func theSCUAbortsOnAResponseToAnotherMessage() throws {
        let scp = try FakeSCP(.wrongMessageID)
        let a = try RequestorAssociation(RequestorAssociation.Parameters(
            host: "127.0.0.1", port: scp.port, callingAETitle: "T", calledAETitle: "FAKE",
            presentationContexts: [PresentationContextRQ(id: 1, abstractSyntax: UID.verification.rawValue, transferSyntaxes: ["1.2.840.10008.1.2"])]))
        do {
            _ = try a.echo()
            Issue.record("accepted a response to message 999")
        } catch {
            #expect("\(error)".contains("expected the response to message 1"))
        }
    }

    @Test func theSCUGivesUpOnAPeerThatStopsReading() throws {
        let scp = try FakeSCP(.neverReads)
        let dir = try ExternalTools.temporaryDirectory("hostile")
        defer { try? FileManager.default.removeItem(at: dir) }
        var ds = DataSet()
        ds.set(DataElement(tag: .sopClassUID, vr: .UI, string: UID.ctImageStorage.rawValue))
        ds.set(DataElement(tag: .sopInstanceUID, vr: .UI, string: "1.2.3.4.70"))
        ds.set(DataElement(tag: .pixelData, vr: .OW, bytes: [UInt8](repeating: 7, count: 16 << 20)))
        let path = dir.appendingPathComponent("big.dcm").path
        try Part10Writer.write(Part10File(dataSet: ds, transferSyntax: .explicitVRLittleEndian), to: path)
        var d = StorageSCU.Destination(host: "127.0.0.1", port: scp.port, calledAETitle: "FAKE", callingAETitle: "T")
        d.dimseTimeout = 1
        let start = Socket.now()
        let results = StorageSCU.send(paths: [path], to: d)
        #expect(results.first?.succeeded == false)
        #expect(results.first?.error?.contains("does not read") == true, "\(results)")
        #expect(Socket.now() - start < 6)
    }
}

/// A minimal SCP: accepts one association, then answers (or not) as `behaviour` says.
final class FakeSCP: @unchecked Sendable {
    enum Behaviour {
        case wrongMessageID, neverReads
        /// Reads a request (its command and its data set), then sends these messages, each with
        /// its data set if given; a `nil` message waits for a C-CANCEL-RQ first.
        case responses([(DIMSEMessage?, [UInt8]?)])
    }
    let listenFD: Int32
    let port: Int

    /// A listening socket on 127.0.0.1, on a free port.
    static func listenOnLoopback() -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(fd, 4)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }

    init(_ behaviour: Behaviour) throws {
        let (fd, port) = Self.listenOnLoopback()
        listenFD = fd
        self.port = port
        Thread.detachNewThread {
            let conn = accept(fd, nil, nil)
            guard conn >= 0 else { return }
            let s = Socket(fd: conn, peerDescription: "scu", receiveBuffer: 4096, sendBuffer: 4096)
            let channel = PDUChannel(socket: s, limits: PDUHeader.Limits(maximumDataLength: 1 << 20))
            guard case .pdu(.associateRQ(let rq))? = try? channel.read(deadline: Socket.now() + 5, waiting: "rq") else { return }
            let ac = AAssociateAC(calledAETitle: rq.calledAETitle, callingAETitle: rq.callingAETitle,
                                  presentationContexts: rq.presentationContexts.map {
                                      PresentationContextAC(id: $0.id, result: .accepted, transferSyntax: $0.transferSyntaxes[0])
                                  }, userInformation: UserInformation(maximumLength: 16384))
            try? channel.send(.associateAC(ac))
            switch behaviour {
            case .responses(let script):
                // The request: a command PDV, then (Q/R requests have one) the data set's.
                _ = try? channel.read(deadline: Socket.now() + 5, waiting: "command")
                _ = try? channel.read(deadline: Socket.now() + 5, waiting: "data set")
                for (message, dataSet) in script {
                    guard let message else {
                        _ = try? channel.read(deadline: Socket.now() + 5, waiting: "C-CANCEL-RQ")
                        continue
                    }
                    let cmd = message.commandSet().encode()
                    try? cmd.withUnsafeBytes { try channel.sendFragments(contextID: 1, isCommand: true, data: $0, peerMaximumLength: 0) }
                    if let dataSet {
                        try? dataSet.withUnsafeBytes { try channel.sendFragments(contextID: 1, isCommand: false, data: $0, peerMaximumLength: 0) }
                    }
                }
                _ = try? channel.read(deadline: Socket.now() + 5, waiting: "release")
                try? channel.send(.releaseRP)
            case .neverReads:
                Thread.sleep(forTimeInterval: 30)
            case .wrongMessageID:
                while case .pData? = try? channel.read(deadline: Socket.now() + 5, waiting: "rq") {
                    let rsp = DIMSEMessage.cEchoRSP(CEchoRSP(messageIDBeingRespondedTo: 999, affectedSOPClassUID: "1.2.840.10008.1.1",
                                                             status: .success)).commandSet().encode()
                    try? rsp.withUnsafeBytes { try channel.sendFragments(contextID: 1, isCommand: true, data: $0, peerMaximumLength: 0) }
                }
            }
            s.close()
        }
    }

    deinit { close(listenFD) }
}

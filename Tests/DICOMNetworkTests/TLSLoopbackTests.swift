@testable import DICOMNetwork
import DICOMCore
import DICOMUpperLayer
import Foundation
import Testing
import TestSupport

/// sendit's TLS listener and requestor talking to each other over loopback, with certificates
/// the openssl CLI makes for the suite: the transport under the same association code; a
/// certificate that does not verify, a plaintext client on the TLS port, a subject not allowed
/// for its calling AE title each end that connection only.
@Suite struct TLSLoopbackTests {
    /// A CA and leaf certificates (RSA 2048) in a folder of their own.
    final class Certificates: @unchecked Sendable {
        let dir: String
        init() throws {
            dir = try ExternalTools.temporaryDirectory("tls").path
            try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(dir)/ca.key", "-out", "\(dir)/ca.pem",
                         "-days", "2", "-subj", "/CN=test CA", "-addext", "basicConstraints=critical,CA:TRUE"])
            try leaf("server", cn: "localhost", san: "DNS:localhost,IP:127.0.0.1")
            try leaf("client-ok", cn: "modality-ok", san: nil)
            try leaf("client-bad", cn: "modality-bad", san: nil)
        }

        deinit { try? FileManager.default.removeItem(atPath: dir) }

        func openssl(_ arguments: [String]) throws {
            try ExternalTools.run("openssl", arguments)
        }

        func leaf(_ name: String, cn: String, san: String?) throws {
            try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(dir)/\(name).key", "-out", "\(dir)/\(name).csr",
                         "-subj", "/O=tests/CN=\(cn)"])
            try (san.map { "subjectAltName=\($0)\n" } ?? "").write(toFile: "\(dir)/\(name).ext", atomically: true, encoding: .utf8)
            try openssl(["x509", "-req", "-in", "\(dir)/\(name).csr", "-CA", "\(dir)/ca.pem", "-CAkey", "\(dir)/ca.key",
                         "-CAcreateserial", "-days", "2", "-out", "\(dir)/\(name).pem", "-extfile", "\(dir)/\(name).ext"])
        }

        var ca: String { "\(dir)/ca.pem" }
        func pem(_ name: String) -> String { "\(dir)/\(name).pem" }
        func key(_ name: String) -> String { "\(dir)/\(name).key" }

        func client(name: String? = nil, as leaf: String? = nil) throws -> TLSContextStore {
            try TLSContextStore(name: "test", client: TLSClientSettings(trust: .caBundle(ca), serverName: name,
                                                                           certificate: leaf.map(pem), key: leaf.map(key)))
        }
    }

    static func fixture(_ certs: Certificates, mutual: Bool = false) throws -> StorageSCPTests.Fixture {
        try StorageSCPTests.Fixture { c in
            c.tlsPort = 0
            c.tls = TLSServerSettings(certificate: certs.pem("server"), key: certs.key("server"),
                                      clientCA: mutual ? certs.ca : nil, clientCertificates: mutual ? .required : .none,
                                      subjects: mutual ? (try? TLSSubjectAETitles.parse("modality-ok->TESTSCU")) ?? TLSSubjectAETitles() : TLSSubjectAETitles())
        }
    }

    static func echo(_ f: StorageSCPTests.Fixture, tls: TLSContextStore?, port: Int? = nil) throws -> DIMSEStatusCheck {
        var p = RequestorAssociation.Parameters(host: "127.0.0.1", port: port ?? f.server.tlsPort, callingAETitle: "TESTSCU", calledAETitle: "SENDIT",
                                                presentationContexts: [PresentationContextRQ(id: 1, abstractSyntax: UID.verification.rawValue,
                                                                                             transferSyntaxes: ["1.2.840.10008.1.2"])])
        p.tls = tls
        p.artimTimeout = 5
        p.connectTimeout = 5
        do {
            let a = try RequestorAssociation(p)
            let status = try a.echo()
            try a.release()
            return .answered(status.isSuccess)
        } catch {
            return .failed(error.description)
        }
    }

    enum DIMSEStatusCheck: Equatable {
        case answered(Bool)
        case failed(String)
        var reason: String { if case .failed(let why) = self { return why } else { return "" } }
    }

    @Test func storesOverTLSAndRefusesWhatDoesNotVerify() throws {
        let certs = try Certificates()
        let f = try Self.fixture(certs)
        #expect(f.server.tlsPort > 0 && f.server.port > 0)
        var destination = f.destination()
        destination.port = f.server.tlsPort
        destination.tls = try certs.client()
        let paths = try (1...3).map { try f.instance(sop: "1.2.3.5.\($0)", pixels: $0 == 3 ? 400_000 : 64) }
        let results = StorageSCU.send(paths: paths, to: destination)
        #expect(results.allSatisfy { $0.succeeded }, "\(results)")
        #expect(try f.stored().count == 3)

        // The certificate is for localhost and 127.0.0.1, not for another name: refused, as a
        // TLS failure, nothing sent.
        let wrongName = try Self.echo(f, tls: try certs.client(name: "pacs.example.org"))
        #expect(wrongName.reason.contains("TLS: handshake failed: certificate verification failed") && wrongName.reason.contains("hostname mismatch"),
                "\(wrongName)")
        // A pin of another certificate.
        let other = try TLSContextStore(name: "t", client: TLSClientSettings(trust: .pinned(certs.pem("client-ok"))))
        #expect(try Self.echo(f, tls: other).reason.contains("not the pinned one"))
        // Clear text to the TLS port: that connection ends; the listener goes on.
        #expect(try Self.echo(f, tls: nil) != .answered(true))
        #expect(try Self.echo(f, tls: try certs.client()) == .answered(true))
        #expect(try Self.echo(f, tls: nil, port: f.server.port) == .answered(true))
        // A pinned certificate: the server's own.
        let pinned = try TLSContextStore(name: "t", client: TLSClientSettings(trust: .pinned(certs.pem("server"))))
        #expect(try Self.echo(f, tls: pinned) == .answered(true))
        // TLS to the clear-text port: no fallback, a failure.
        #expect(try Self.echo(f, tls: try certs.client(), port: f.server.port).reason.contains("TLS"))
    }

    @Test func mutualTLSMapsSubjectsToCallingAETitles() throws {
        let certs = try Certificates()
        let f = try Self.fixture(certs, mutual: true)
        #expect(try Self.echo(f, tls: try certs.client(as: "client-ok")) == .answered(true))
        // A valid certificate whose subject may not call as TESTSCU: rejected (calling AE title).
        let bad = try Self.echo(f, tls: try certs.client(as: "client-bad"))
        #expect(bad.reason.contains("rejected"), "\(bad)")
        // No certificate: the handshake fails.
        #expect(try Self.echo(f, tls: try certs.client()).reason.contains("TLS"))
        #expect(try Self.echo(f, tls: try certs.client(as: "client-ok")) == .answered(true))
    }

    @Test func reloadKeepsOpenAssociations() throws {
        let certs = try Certificates()
        let f = try Self.fixture(certs)
        var p = RequestorAssociation.Parameters(host: "127.0.0.1", port: f.server.tlsPort, callingAETitle: "TESTSCU", calledAETitle: "SENDIT",
                                                presentationContexts: [PresentationContextRQ(id: 1, abstractSyntax: UID.verification.rawValue,
                                                                                             transferSyntaxes: ["1.2.840.10008.1.2"])])
        p.tls = try certs.client()
        let open = try RequestorAssociation(p)
        let before = f.server.tlsContexts?.current
        try f.server.reloadTLS()
        #expect(f.server.tlsContexts?.current !== before)
        #expect(try open.echo() == .success)
        try open.release()
        #expect(try Self.echo(f, tls: try certs.client()) == .answered(true))
    }
}

import DICOMNetwork
import Foundation
@testable import sendit
import Testing
import TestSupport

/// The DICOM over TLS settings as `NodeConfiguration.resolve` checks them together: what the
/// listener needs once DICOM_TLS_PORT is set, the requestor's options per destination, and the
/// files read at once (certificates made by the openssl CLI).
@Suite struct TLSConfigurationTests {
    let root: String

    init() throws {
        root = try ExternalTools.temporaryDirectory("tls-config").path
        for name in ["a", "b"] {
            try ExternalTools.run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(root)/\(name).key",
                                              "-out", "\(root)/\(name).pem", "-days", "2", "-subj", "/CN=\(name)"])
        }
    }

    func resolve(_ settings: [Setting: String]) -> Result<NodeConfiguration, ConfigurationReport> {
        var all = settings
        all[.dataFolder] = root + "/data"
        all[.database] = root + "/sendit.db"
        all[.quarantineFolder] = root + "/var/quarantine"
        let values = SettingValues(file: "test.conf", text: NodeConfigurationTests.file(all), environment: [:])
        do { return .success(try NodeConfiguration.resolve(values)) } catch { return .failure(error) }
    }

    /// The names of the settings refused, or [] if it resolved.
    func refused(_ settings: [Setting: String]) -> [String] {
        if case .failure(let report) = resolve(settings) { return report.names.sorted() }
        return []
    }

    @Test func aListenerWithItsCertificateResolves() throws {
        let node = try resolve([.dicomTLSPort: "2762", .dicomTLSCert: root + "/a.pem", .dicomTLSKey: root + "/a.key",
                                .dicomTLSCA: root + "/b.pem", .dicomTLSClientCerts: "required",
                                .dicomTLSAESubjects: "b->MODALITY", .dicomTLSOnly: "true"]).get()
        #expect(node.server.tlsPort == 2762 && !node.server.plainListener)
        #expect(node.server.tls == TLSServerSettings(certificate: root + "/a.pem", key: root + "/a.key", clientCA: root + "/b.pem",
                                                     clientCertificates: .required, subjects: TLSSubjectAETitles(["b": ["MODALITY"]])))
        // Without DICOM_TLS_PORT there is no TLS listener.
        #expect(try resolve([:]).get().server.tlsPort == nil)
    }

    @Test func whatTheListenerNeedsIsChecked() {
        #expect(refused([.dicomTLSPort: "2762"]) == ["DICOM_TLS_CERT"])
        #expect(refused([.dicomTLSPort: "2762", .dicomTLSCert: root + "/a.pem"]) == ["DICOM_TLS_KEY"])
        #expect(refused([.dicomTLSPort: "2762", .dicomTLSCert: root + "/a.pem", .dicomTLSKey: root + "/a.key",
                         .dicomTLSClientCerts: "optional"]) == ["DICOM_TLS_CA"])
        #expect(refused([.dicomTLSPort: "2762", .dicomTLSCert: root + "/a.pem", .dicomTLSKey: root + "/a.key",
                         .dicomTLSAESubjects: "b->MODALITY"]) == ["DICOM_TLS_AE_SUBJECTS"])
        // The key of another certificate.
        #expect(refused([.dicomTLSPort: "2762", .dicomTLSCert: root + "/a.pem", .dicomTLSKey: root + "/b.key"]) == ["DICOM_TLS_CERT"])
        #expect(refused([.dicomTLSOnly: "true"]) == ["DICOM_TLS_ONLY"])
    }

    @Test func destinationsTakeTLSOptions() throws {
        let node = try resolve([.orthancTLS: "pin=\(root)/a.pem",
                                .extraDestinations: "pacs=PACS@pacs.example.org:2762 commitment tls:ca=\(root)/b.pem,cert=\(root)/a.pem,key=\(root)/a.key;"
                                    + "plain=P@h:104"]).get()
        func tls(_ name: String) -> TLSContextStore? {
            guard case .dicom(let d, _)? = node.destinations.first(where: { $0.name == name })?.target else { return nil }
            return d.tls
        }
        #expect(tls("orthanc")?.current.client == TLSClientSettings(trust: .pinned(root + "/a.pem")))
        #expect(tls("pacs")?.current.client == TLSClientSettings(trust: .caBundle(root + "/b.pem"), certificate: root + "/a.pem", key: root + "/a.key"))
        #expect(tls("plain") == nil)
        if case .dicom(_, .storageCommitment)? = node.destinations.first(where: { $0.name == "pacs" })?.target {} else {
            Issue.record("the verification before tls: is kept")
        }
        // A file that cannot be read, an option that does not exist, a key that is not the certificate's.
        #expect(refused([.orthancTLS: "ca=\(root)/missing.pem"]) == ["ORTHANC_TLS"])
        #expect(refused([.extraDestinations: "pacs=PACS@h:2762 tls:ca=\(root)/b.pem,colour=blue"]) == ["EXTRA_DESTINATIONS"])
        #expect(refused([.extraDestinations: "pacs=PACS@h:2762 tls:"]) == ["EXTRA_DESTINATIONS"])
        #expect(refused([.orthancTLS: "ca=system,cert=\(root)/a.pem,key=\(root)/b.key"]) == ["ORTHANC_TLS"])
    }

    @Test func retrievalSourcesTakeTLSOptions() throws {
        let node = try resolve([.retrieveSources: "pacs=PACS@pacs.example.org:2762 move tls:ca=\(root)/b.pem,cert=\(root)/a.pem,key=\(root)/a.key;"
                                    + "plain=P@h:104 get"]).get()
        let sources = node.retrieval.settings.sources
        let pacs = try #require(sources.first { $0.name == "pacs" })
        #expect(pacs.tls?.current.client == TLSClientSettings(trust: .caBundle(root + "/b.pem"), certificate: root + "/a.pem", key: root + "/a.key"))
        #expect(pacs.tls?.name == "retrieval source pacs" && pacs.method == .move)
        // The association towards the archive carries the context: no clear text.
        #expect(pacs.peer(callingAETitle: "SENDIT", timeout: 5).tls === pacs.tls)
        #expect(sources.first { $0.name == "plain" }?.tls == nil)
        #expect(refused([.retrieveSources: "pacs=PACS@h:2762 tls:ca=\(root)/missing.pem"]) == ["RETRIEVE_SOURCES"])
        #expect(refused([.retrieveSources: "pacs=PACS@h:2762 tls:ca=\(root)/b.pem,colour=blue"]) == ["RETRIEVE_SOURCES"])
        #expect(refused([.retrieveSources: "pacs=PACS@h:2762 tls:"]) == ["RETRIEVE_SOURCES"])
    }
}

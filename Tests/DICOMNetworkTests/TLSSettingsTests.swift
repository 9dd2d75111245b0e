@testable import DICOMNetwork
import Testing

/// The pure parts of DICOM over TLS: the requestor's options, the subject → AE title map, the
/// listener's consistency checks.
@Suite struct TLSSettingsTests {
    @Test func clientOptionsParse() throws {
        let s = try TLSClientSettings.parse("ca=/etc/ca.pem,name=pacs.example.org,cert=/c.pem,key=/k.pem")
        #expect(s == TLSClientSettings(trust: .caBundle("/etc/ca.pem"), serverName: "pacs.example.org", certificate: "/c.pem", key: "/k.pem"))
        #expect(s.description == "ca=/etc/ca.pem,name=pacs.example.org,cert=/c.pem,key=/k.pem")
        #expect(s.files == ["/etc/ca.pem", "/c.pem", "/k.pem"])
        #expect(try TLSClientSettings.parse("ca=system").trust == .system)
        #expect(try TLSClientSettings.parse(" pin=/p.pem ").trust == .pinned("/p.pem"))
        #expect(try TLSClientSettings.parse("pin=/p.pem").files == ["/p.pem"])
    }

    @Test(arguments: [
        ("", "is not key=value"),
        ("name=x", "needs ca=PATH"),
        ("ca=/a,pin=/b", "not both"),
        ("pin=/b,name=x", "no use with pin="),
        ("ca=/a,cert=/c", "go together"),
        ("ca=/a,ca=/b", "given twice"),
        ("ca=/a,colour=blue", "unknown TLS option"),
        ("ca=", "is not key=value"),
        ("ca=/a,,name=x", "is not key=value"),
    ])
    func clientOptionsRefused(_ text: String, _ why: String) {
        #expect(throws: TLSClientSettings.Refusal.self) { try TLSClientSettings.parse(text) }
        do {
            _ = try TLSClientSettings.parse(text)
        } catch {
            #expect(error.description.contains(why), "\(text): \(error)")
        }
    }

    @Test func noOptionsIsClearText() throws {
        #expect(try TLSClientSettings.make(ca: nil, pin: nil, name: nil, certificate: nil, key: nil) == nil)
        #expect(throws: TLSClientSettings.Refusal.self) { try TLSClientSettings.make(ca: nil, pin: nil, name: "x", certificate: nil, key: nil) }
        #expect(throws: TLSClientSettings.Refusal.self) { try TLSClientSettings.make(ca: "", pin: nil, name: nil, certificate: nil, key: nil) }
    }

    @Test func subjectMapNarrowsCallingAETitles() throws {
        let map = try TLSSubjectAETitles.parse("CN=ct1,O=Hospital->CT1,CT1B; pacs.example.org -> PACS ;")
        #expect(map.entries == ["CN=ct1,O=Hospital": ["CT1", "CT1B"], "pacs.example.org": ["PACS"]])
        // The whole subject, or the common name alone.
        #expect(map.allowedCallingAETitles(subject: "CN=ct1,O=Hospital", commonName: "ct1") == ["CT1", "CT1B"])
        #expect(map.allowedCallingAETitles(subject: "CN=pacs.example.org,O=Elsewhere", commonName: "pacs.example.org") == ["PACS"])
        // Not named, or no certificate: none.
        #expect(map.allowedCallingAETitles(subject: "CN=ct1,O=Other", commonName: "ct1") == [])
        #expect(map.allowedCallingAETitles(subject: nil, commonName: nil) == [])
        // No map: no restriction.
        #expect(try TLSSubjectAETitles.parse("").allowedCallingAETitles(subject: nil, commonName: nil) == nil)
        #expect(TLSSubjectAETitles().isEmpty)
    }

    @Test(arguments: ["CT1", "->CT1", "ct1->", "ct1->ABCDEFGHIJKLMNOPQ", "ct1->A\\B", "ct1->A;ct1->B"])
    func subjectMapRefused(_ text: String) {
        #expect(throws: TLSClientSettings.Refusal.self) { try TLSSubjectAETitles.parse(text) }
    }

    @Test func listenerSettingsMustHang() {
        var s = TLSServerSettings(certificate: "/c", key: "/k")
        #expect(s.problem == nil)
        s.clientCertificates = .required
        #expect(s.problem?.contains("CA bundle") == true)
        s.clientCA = "/ca"
        #expect(s.problem == nil)
        s.clientCertificates = .none
        s.subjects = TLSSubjectAETitles(["ct1": ["CT1"]])
        #expect(s.problem?.contains("client certificates") == true)
    }

    /// BCP 195's suites only (AEAD, forward secret), AES-128-GCM first in TLS 1.3 and 1.2 (a
    /// third cheaper per byte than AES-256-GCM, for both sides).
    @Test func aContextOffersAEADSuitesAES128GCMFirst() throws {
        let names = try TLSContext(client: TLSClientSettings(trust: .system)).cipherNames
        #expect(Array(names.prefix(3)) == ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"], "\(names)")
        let tls12 = names.dropFirst(3)
        #expect(tls12.first?.hasSuffix("AES128-GCM-SHA256") == true, "\(names)")
        #expect(!tls12.isEmpty && tls12.allSatisfy { ($0.contains("GCM") || $0.contains("CHACHA20")) && $0.contains("DHE") }, "\(names)")
    }

    @Test func aContextRefusesFilesThatAreNotThere() {
        #expect(throws: NetworkError.self) { try TLSContext(server: TLSServerSettings(certificate: "/nonexistent.pem", key: "/nonexistent.key")) }
        #expect(throws: NetworkError.self) { try TLSContext(client: TLSClientSettings(trust: .caBundle("/nonexistent.pem"))) }
        #expect(throws: NetworkError.self) { try TLSContext(client: TLSClientSettings(trust: .pinned("/nonexistent.pem"))) }
        #expect((try? TLSContext(client: TLSClientSettings(trust: .system))) != nil)
    }
}

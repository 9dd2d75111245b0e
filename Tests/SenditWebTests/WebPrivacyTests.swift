import DICOMCore
import DICOMFile
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SenditIndex
import SenditWeb
import Testing

/// What the pages and the API keep from whom: typed user names of failed logins, searched
/// values, quarantined files' paths, original values (SHOW_PHI).
@Suite struct WebPrivacyTests {
    /// A password typed into the user field: only admins see it on the Audit page and in the API.
    @Test func failedLoginNamesAreShownToAdminsOnly() async throws {
        let typed = "hunter2-typed-in-the-user-field"
        let fixture = try WebFixture(configuration: WebConfiguration(loginFailuresAllowed: 50))
        try await fixture.app().test(.router) { client in
            var stranger = WebClient(client)
            #expect(try await stranger.login(typed, "whatever").status == .unauthorized)
            #expect(try await stranger.login("operator1", "wrong password!").status == .unauthorized)
            for role in AccessRole.allCases {
                var browser = WebClient(client)
                try await browser.login(role.rawValue + "1")
                let page = try await browser.request("/audit"), api = try await browser.request("/api/v1/audit")
                for answer in [page, api] {
                    #expect(answer.status == .ok)
                    #expect(answer.body.contains(typed) == (role == .admin), "\(role)")
                    #expect(answer.body.contains("(hidden)") == (role != .admin), "\(role)")
                }
                let failed = try #require(api.json as? [[String: Any]]).filter { $0["action"] as? String == "login-failed" }
                #expect(failed.count == 2)
                if role != .admin { #expect(failed.allSatisfy { $0["target"] as? String == "(hidden)" }) }
            }
        }
        // The index keeps the name as typed (`sendit report` exports it).
        #expect(try fixture.database.auditTrail(limit: 50, before: nil, since: nil).contains { $0.target == typed })
    }

    /// A search by an original (page and API) is audited with who, from where and how many
    /// series matched; neither the value nor its digest is in the trail.
    @Test func searchesAreAuditedWithoutTheValue() async throws {
        let fixture = try WebFixture()
        try await fixture.app().test(.router) { client in
            var browser = WebClient(client)
            try await browser.login("viewer1")
            _ = try await browser.request("/series")
            #expect(try await browser.request("/series/search", method: .post, form: ["csrf": browser.csrf, "value": "ACC-ORIGINAL"]).status == .ok)
            let header: HTTPFields = [HTTPField.Name("X-CSRF-Token")!: browser.csrf, .contentType: "application/json"]
            #expect(try await browser.request("/api/v1/series/search", method: .post, headers: header, body: #"{"value": "ACC-OTHER"}"#).status == .ok)
        }
        let searches = try fixture.database.auditTrail(limit: 50, before: nil, since: nil).filter { $0.action == .search }
        #expect(searches.count == 2)
        #expect(searches.allSatisfy { $0.actor == "viewer1" && $0.target == "search by original patient ID / accession" })
        #expect(Set(searches.map(\.detail)) == ["1 series matched", "0 series matched"])
        let dump = try String(decoding: JSONEncoder().encode(fixture.database.auditTrail(limit: 50, before: nil, since: nil)), as: UTF8.self)
        for value in ["ACC-ORIGINAL", "ACC-OTHER", "digest-of-acc-original", "no-such-digest"] { #expect(!dump.contains(value), "\(value)") }
    }

    /// A quarantined file's name and folder can be a patient's name: admins see the name and
    /// where it is relative to QUARANTINE_FOLDER, never a full path; others its id and reason.
    @Test func quarantinedPathsAreShownToAdminsOnlyAndNeverWhole() async throws {
        let fixture = try WebFixture()
        let placement = QuarantinePlacement(exists: { _ in true }, target: { id, name in "/srv/sendit/var/quarantine/\(id)-\(name)" })
        _ = try fixture.database.recordImport([.quarantine(path: "/srv/drop/DOE^JANE/DOE_JANE_CT.dcm", reason: "not a DICOM Part 10 file")],
                                              placement: placement, sameDataSet: { _, _ in false }, firstStage: "deidentify",
                                              maxAttempts: 3, queueing: [], reason: "test", now: Date())
        let id = try #require(try fixture.database.quarantineList(limit: 5).first?.id)
        try await fixture.app().test(.router) { client in
            for role in AccessRole.allCases {
                var browser = WebClient(client)
                try await browser.login(role.rawValue + "1")
                let page = try await browser.request("/quarantine"), api = try await browser.request("/api/v1/quarantine")
                for answer in [page, api] {
                    #expect(answer.status == .ok)
                    #expect(answer.body.contains("not a DICOM Part 10 file"), "\(role)")
                    for whole in ["/srv/drop", "DOE^JANE/", "/srv/sendit"] { #expect(!answer.body.contains(whole), "\(role) \(whole)") }
                    #expect(answer.body.contains("DOE_JANE_CT") == (role == .admin), "\(role)")
                }
                let line = try #require((api.json as? [[String: Any]])?.first)
                #expect((line["id"] as? NSNumber)?.int64Value == id)
                #expect(line["movedTo"] as? String == (role == .admin ? "\(id)-DOE_JANE_CT.dcm" : nil))
                let schema = try #require(OpenAPISchemaCheck.responseSchema(path: "/quarantine", method: "get", status: 200))
                #expect(OpenAPISchemaCheck.check(try #require(api.json), schema) == [])
            }
        }
    }

    static let planted = ["Planted^Patient^Shown", "PHI-PID-8086", "19370521", "ACC-PLANTED-77"]

    /// The failed series' first received image, on disk with the planted originals.
    func plantOriginal(_ fixture: WebFixture) throws {
        var ds = DataSet()
        ds.set(DataElement(tag: .sopClassUID, vr: .UI, string: "1.2.840.10008.5.1.4.1.1.2"))
        ds.set(DataElement(tag: .sopInstanceUID, vr: .UI, string: "1.2.3.4.1.1"))
        ds.set(DataElement(tag: .accessionNumber, vr: .SH, string: Self.planted[3]))
        ds.set(DataElement(tag: .patientName, vr: .PN, string: Self.planted[0]))
        ds.set(DataElement(tag: .patientID, vr: .LO, string: Self.planted[1]))
        ds.set(DataElement(tag: .patientBirthDate, vr: .DA, string: Self.planted[2]))
        try FileManager.default.createDirectory(atPath: fixture.root + "/data", withIntermediateDirectories: true)
        try Part10Writer.write(Part10File(dataSet: ds, transferSyntax: .explicitVRLittleEndian), to: fixture.root + "/data/1.2.3.4.1.1.dcm")
    }

    func views(_ fixture: WebFixture) throws -> [AuditEntry] {
        try fixture.database.auditTrail(limit: 100, before: nil, since: nil).filter { $0.action == .viewOriginals }
    }

    /// SHOW_PHI=true: an admin sees the originals on the series page and in the API, each view
    /// audited; a series whose files are gone says so.
    @Test func showPHIShowsAdminsTheOriginalsAndAuditsEachView() async throws {
        var configuration = WebConfiguration(showPHI: true)
        configuration.loginFailuresAllowed = 50
        let fixture = try WebFixture(configuration: configuration)
        try plantOriginal(fixture)
        try await fixture.app().test(.router) { client in
            var admin = WebClient(client)
            try await admin.login("admin1")
            let page = try await admin.request("/series/1.2.3.4.1")
            for value in Self.planted { #expect(page.body.contains(value), "\(value)") }
            #expect(page.body.contains("SHOW_PHI is on"))
            let api = try await admin.request("/api/v1/series/1.2.3.4.1")
            let originals = try #require((api.json as? [String: Any])?["originals"] as? [String: Any])
            #expect(originals["onDisk"] as? Bool == true && originals["patientName"] as? String == Self.planted[0]
                    && originals["patientID"] as? String == Self.planted[1] && originals["patientBirthDate"] as? String == Self.planted[2]
                    && originals["accessionNumber"] as? String == Self.planted[3])
            let schema = try #require(OpenAPISchemaCheck.responseSchema(path: "/series/{uid}", method: "get", status: 200))
            #expect(OpenAPISchemaCheck.check(try #require(api.json), schema) == [])
            let gone = try await admin.request("/series/1.2.3.4.2")
            #expect(gone.body.contains("originals no longer on disk"))
        }
        let seen = try views(fixture)
        #expect(seen.count == 3)
        #expect(seen.filter { $0.detail == "viewed originals of series 1.2.3.4.1" && $0.target == "1.2.3.4.1" && $0.actor == "admin1" }.count == 2)
        #expect(seen.contains { $0.detail == "originals of series 1.2.3.4.2 no longer on disk" })
        // The trail names the series, never a value.
        let trail = try String(decoding: JSONEncoder().encode(fixture.database.auditTrail(limit: 100, before: nil, since: nil)), as: UTF8.self)
        for value in Self.planted { #expect(!trail.contains(value)) }
    }

    /// Operators and viewers with SHOW_PHI, and everyone without it, never see an original:
    /// the whole answers are searched for the planted values; nothing is audited.
    @Test func othersAndShowPHIOffNeverSeeTheOriginals() async throws {
        for (showPHI, roles) in [(true, [AccessRole.operator, .viewer]), (false, AccessRole.allCases)] {
            var configuration = WebConfiguration(showPHI: showPHI)
            configuration.loginFailuresAllowed = 50
            let fixture = try WebFixture(configuration: configuration)
            try plantOriginal(fixture)
            try await fixture.app().test(.router) { client in
                for role in roles {
                    var browser = WebClient(client)
                    try await browser.login(role.rawValue + "1")
                    for route in ["/series/1.2.3.4.1", "/api/v1/series/1.2.3.4.1", "/series", "/", "/audit", "/api/v1/audit"] {
                        let answer = try await browser.request(route)
                        #expect(answer.status == .ok, "\(route)")
                        for value in Self.planted { #expect(!answer.body.contains(value), "\(showPHI) \(role) \(route) \(value)") }
                        #expect(!answer.body.contains("originals"), "\(showPHI) \(role) \(route)")
                    }
                }
            }
            #expect(try views(fixture).isEmpty)
        }
    }
}

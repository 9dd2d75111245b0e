import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SenditIndex
import SenditWeb
import Testing

/// Retrieval jobs through the API: admins post a list and see its values and outcomes;
/// operators see the counts only; viewers nothing; every answer matches the OpenAPI document;
/// the audit trail names the job and counts, never a value.
@Suite struct WebRetrievalTests {
    func tokens(_ fixture: WebFixture) throws -> [AccessRole: HTTPFields] {
        var out: [AccessRole: HTTPFields] = [:]
        for role in AccessRole.allCases {
            let secret = Secrets.random()
            try fixture.database.addToken(APIToken(name: "r-\(role.rawValue)", role: role, digest: Secrets.digest(secret), createdAt: Date()),
                                          audit: AuditEntry(at: Date(), actor: "test", address: "-", action: .tokenAdded, target: "t"))
            out[role] = [.authorization: "Bearer \(secret)", .contentType: "application/json"]
        }
        return out
    }

    func conforms(_ answer: WebClient.Answer, _ path: String, _ method: String) throws {
        let schema = try #require(OpenAPISchemaCheck.responseSchema(path: path, method: method, status: Int(answer.status.code)),
                                  "\(path) \(answer.status.code) is not in the document")
        let json = try #require(answer.json, "\(path): not JSON")
        #expect(OpenAPISchemaCheck.check(json, schema) == [], "\(path)")
    }

    @Test func adminsPostAListAndSeeItsValuesOperatorsTheCounts() async throws {
        let fixture = try WebFixture()
        let auth = try tokens(fixture)
        try await fixture.app().test(.router) { client in
            var api = WebClient(client)
            let body = #"{"source": "pacs", "project": "lung", "kind": "accession", "list": "accession,research_id\nACCSECRET1,RSECRET1\nACCSECRET2,\n", "dates": "20200101-"}"#
            #expect(try await api.request("/api/v1/retrievals", method: .post, headers: auth[.operator]!, body: body).status == .forbidden)
            let elsewhere = body.replacingOccurrences(of: #""project": "lung""#, with: #""project": "gut""#)
            let refused = try await api.request("/api/v1/retrievals", method: .post, headers: auth[.admin]!, body: elsewhere)
            #expect(refused.status == .badRequest && refused.body.contains("no project gut") && !refused.body.contains("SECRET"))
            let created = try await api.request("/api/v1/retrievals", method: .post, headers: auth[.admin]!, body: body)
            #expect(created.status == .created)
            try conforms(created, "/retrievals", "post")
            let id = try #require((created.json as? [String: Any])?["job"] as? Int)
            #expect((created.json as? [String: Any])?["items"] as? Int == 2)

            let list = try await api.request("/api/v1/retrievals", headers: auth[.operator]!)
            #expect(list.status == .ok && !list.body.contains("SECRET"))
            try conforms(list, "/retrievals", "get")
            #expect(try await api.request("/api/v1/retrievals", headers: auth[.viewer]!).status == .forbidden)

            let counts = try await api.request("/api/v1/retrievals/\(id)", headers: auth[.operator]!)
            #expect(counts.status == .ok && !counts.body.contains("SECRET") && (counts.json as? [String: Any])?["items"] == nil)
            try conforms(counts, "/retrievals/{id}", "get")
            let full = try await api.request("/api/v1/retrievals/\(id)", headers: auth[.admin]!)
            #expect(full.body.contains("ACCSECRET1") && full.body.contains("RSECRET1"))
            try conforms(full, "/retrievals/{id}", "get")
            let missing = try await api.request("/api/v1/retrievals/999", headers: auth[.admin]!)
            #expect(missing.status == .notFound)
            try conforms(missing, "/retrievals/{id}", "get")

            #expect(try await api.request("/api/v1/retrievals/\(id)/pause", method: .post, headers: auth[.operator]!).status == .forbidden)
            let paused = try await api.request("/api/v1/retrievals/\(id)/pause", method: .post, headers: auth[.admin]!)
            #expect(paused.status == .ok)
            try conforms(paused, "/retrievals/{id}/pause", "post")
            #expect(try fixture.database.retrievalJob(id: Int64(id))?.job.paused == true)
            let resumed = try await api.request("/api/v1/retrievals/\(id)/resume", method: .post, headers: auth[.admin]!)
            try conforms(resumed, "/retrievals/{id}/resume", "post")
            #expect(try fixture.database.retrievalJob(id: Int64(id))?.job.paused == false)

            let trail = try fixture.database.auditTrail(limit: 20, before: nil, since: nil)
            #expect(trail.map(\.action).contains(.retrievalRequested) && trail.map(\.action).contains(.retrievalPaused))
            #expect(!trail.contains { $0.target.contains("SECRET") || $0.detail.contains("SECRET") })
        }
    }

    @Test func badRequestsAreRefusedWithoutRepeatingAValue() async throws {
        let fixture = try WebFixture()
        let auth = try tokens(fixture)
        try await fixture.app().test(.router) { client in
            var api = WebClient(client)
            for body in [#"{"source": "nowhere", "kind": "accession", "values": ["A1"]}"#,
                         #"{"source": "pacs", "kind": "mrn", "values": ["A1"]}"#,
                         #"{"source": "pacs", "kind": "accession", "values": ["SECRET*"]}"#,
                         #"{"source": "pacs", "project": "a b", "kind": "accession", "values": ["A1"]}"#,
                         #"{"source": "pacs", "kind": "accession", "values": ["A1"], "dates": "2020"}"#,
                         #"{"source": "pacs", "kind": "accession"}"#, "not json"] {
                let answer = try await api.request("/api/v1/retrievals", method: .post, headers: auth[.admin]!, body: body)
                #expect(answer.status == .badRequest, "\(body)")
                #expect(!answer.body.contains("SECRET"))
                try conforms(answer, "/retrievals", "post")
            }
        }
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SenditIndex
@testable import SenditWeb
import Testing

/// DNS rebinding and cross-site POSTs: a request addressed to a host name the node does not
/// answer to is refused (421) before anything else, and with the lockdown off a POST still
/// needs the page's CSRF token or an Origin naming this host.
@Suite struct WebHostTests {
    @Test func theAllowedHostsAreTheNodesOwnNamesAndIPLiterals() {
        let hosts = AllowedHosts(bindAddress: "0.0.0.0", machineNames: ["node7.lab.example", "node7"], allowed: ["Sendit.Example.org"])
        for allowed in [nil, "", "localhost", "LOCALHOST:8080", "127.0.0.1:8080", "[::1]:8080", "node7", "node7.lab.example.", "sendit.example.org",
                        "10.1.2.3:8080", "[fe80::1]"] {
            #expect(hosts.allows(allowed), "\(allowed ?? "nil")")
        }
        for refused in ["evil.example", "evil.example:8080", "localhost.evil.example", "127.0.0.1.evil.example", "0.0.0.0x", "a b", "node7:x",
                        "[::1", "sendit.example.org@evil.example"] {
            #expect(!hosts.allows(refused), "\(refused)")
        }
        #expect(AllowedHosts(bindAddress: "192.168.1.5", machineNames: [], allowed: []).allows("192.168.1.5:80"))
        #expect(AllowedHosts(bindAddress: "sendit.internal", machineNames: [], allowed: []).allows("sendit.internal:80"))
        #expect(AllowedHosts(bindAddress: "127.0.0.1", machineNames: [], allowed: ["*"]).allows("evil.example"))
    }

    /// A request with this Host header to the live app at `port`.
    static func request(_ port: Int, _ uri: String, host: String, method: HTTPRequest.Method = .get, headers: HTTPFields = [:],
                        form: String? = nil) async throws -> (status: HTTPResponse.Status, body: String) {
        try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
            var headers = headers
            if form != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
            let response = try await client.execute(TestClient.Request(uri, method: method, authority: host, headers: headers,
                                                                       body: form.map { ByteBuffer(string: $0) }))
            return (response.status, response.body.map { String(buffer: $0) } ?? "")
        }
    }

    @Test(arguments: [true, false])
    func aRequestForAnotherHostNameIsMisdirected(lockdown: Bool) async throws {
        var configuration = WebConfiguration(lockdownEnabled: lockdown, lockdownRole: .admin, loginFailuresAllowed: 3)
        configuration.allowedHosts = ["sendit.example.org"]
        let fixture = try WebFixture(configuration: configuration)
        try await fixture.app().test(.live) { client in
            let port = try #require(client.port)
            let page = try await Self.request(port, "/", host: "rebound.evil.example:\(port)")
            #expect(page.status == .misdirectedRequest)
            #expect(page.body.contains("HTTP_ALLOWED_HOSTS") && page.body.contains("rebound.evil.example"))
            let api = try await Self.request(port, "/api/v1/whoami", host: "rebound.evil.example")
            #expect(api.status == .misdirectedRequest)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(api.body.utf8)) as? [String: Any])
            #expect(json["status"] as? Int == 421 && (json["error"] as? String)?.contains("HTTP_ALLOWED_HOSTS") == true)
            let drop = try await Self.request(port, "/api/v1/series/1.2.3.4.2/drop", host: "rebound.evil.example", method: .post,
                                              headers: [.origin: "http://rebound.evil.example"])
            #expect(drop.status == .misdirectedRequest)
            // A markup-bearing host name is escaped on the page.
            #expect(try await Self.request(port, "/login", host: "<b>").body.contains("<b>") == false)
            // The node's own names answer.
            for host in ["127.0.0.1:\(port)", "localhost:\(port)", "sendit.example.org:\(port)"] {
                let answer = try await Self.request(port, "/login", host: host)
                #expect([.ok, .seeOther].contains(answer.status), "\(host)")
            }
            #expect(fixture.control.calls.withLock { $0 }.isEmpty)
        }
    }

    @Test func withTheLockdownOffAPostNeedsTheTokenOrOurOrigin() async throws {
        let fixture = try WebFixture(configuration: WebConfiguration(lockdownEnabled: false, lockdownRole: .operator, loginFailuresAllowed: 3))
        try await fixture.app().test(.router) { client in
            var browser = WebClient(client)
            // A cross-site form: no token, or another site's Origin or Referer.
            #expect(try await browser.request("/series/1.2.3.4.2/drop", method: .post, form: ["confirm": "yes"]).status == .forbidden)
            for header: HTTPFields in [[.origin: "http://rebound.evil.example"], [.origin: "null"], [.referer: "http://evil.example/x"],
                                       [.origin: "http://localhost.evil.example"]] {
                #expect(try await browser.request("/series/1.2.3.4.2/drop", method: .post, form: ["confirm": "yes"], headers: header).status == .forbidden)
                #expect(try await browser.request("/api/v1/series/1.2.3.4.2/drop", method: .post, headers: header).status == .forbidden)
            }
            #expect(try await browser.request("/api/v1/series/1.2.3.4.2/drop", method: .post,
                                              headers: [HTTPField.Name("X-CSRF-Token")!: "wrong"]).status == .forbidden)
            #expect(fixture.control.calls.withLock { $0 }.isEmpty)
            // Our own page carries the token (and no logout button: there is no session).
            let page = try await browser.request("/series/1.2.3.4.2")
            #expect(!browser.csrf.isEmpty && !page.body.contains("Log out"))
            #expect(try await browser.request("/series/1.2.3.4.2/drop", method: .post, form: ["confirm": "yes", "csrf": browser.csrf]).status == .ok)
            #expect(try await browser.request("/api/v1/series/1.2.3.4.2/release", method: .post,
                                              headers: [HTTPField.Name("X-CSRF-Token")!: browser.csrf]).status == .ok)
            // A script on this host, or curl saying so, may name our origin instead.
            #expect(try await browser.request("/api/v1/series/1.2.3.4.1/retry", method: .post, headers: [.origin: "http://localhost"]).status == .ok)
            #expect(try await browser.request("/series/1.2.3.4.1/retry", method: .post, headers: [.referer: "http://LOCALHOST/series/1.2.3.4.1"]).status == .ok)
            #expect(fixture.control.calls.withLock { $0 } == ["drop 1.2.3.4.2", "release 1.2.3.4.2", "retry 1.2.3.4.1", "retry 1.2.3.4.1"])
        }
    }
}

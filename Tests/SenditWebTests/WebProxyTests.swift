import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SenditIndex
@testable import SenditWeb
import Testing

/// TRUSTED_PROXIES: X-Forwarded-For and X-Forwarded-Proto count only from a trusted peer; the
/// client address they give is what the login limit, the audit trail and the log use, and a
/// proxy saying https makes the cookies Secure. (The live tests' peer is 127.0.0.1.)
@Suite struct WebProxyTests {
    static let xff = HTTPField.Name("X-Forwarded-For")!, proto = HTTPField.Name("X-Forwarded-Proto")!

    @Test func theClientIsTheRightMostUntrustedAddressFromATrustedPeerOnly() throws {
        let proxies = try TrustedProxies(["127.0.0.1", "10.0.0.0/8", "fd00::/8"])
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: ["6.6.6.6, 203.0.113.9, 10.1.1.1"], forwardedProto: ["https"]) == ("203.0.113.9", true))
        #expect(proxies.client(peer: "10.9.9.9", forwardedFor: ["6.6.6.6", "[2001:db8::7]:443"], forwardedProto: []) == ("2001:db8::7", false))
        #expect(proxies.client(peer: "::ffff:10.0.0.1", forwardedFor: ["203.0.113.9:5555"], forwardedProto: ["http, https"]) == ("203.0.113.9", true))
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: ["10.2.2.2, 10.1.1.1"], forwardedProto: ["http"]) == ("10.2.2.2", false))
        // Garbage stops the walk at the last address a trusted proxy vouched for.
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: ["6.6.6.6, junk, 10.1.1.1"], forwardedProto: []) == ("10.1.1.1", false))
        #expect(proxies.client(peer: "127.0.0.1", forwardedFor: [], forwardedProto: []) == ("127.0.0.1", false))
        // An untrusted peer: both headers ignored.
        #expect(proxies.client(peer: "192.0.2.1", forwardedFor: ["203.0.113.9"], forwardedProto: ["https"]) == ("192.0.2.1", false))
        #expect(TrustedProxies().client(peer: "127.0.0.1", forwardedFor: ["203.0.113.9"], forwardedProto: ["https"]) == ("127.0.0.1", false))
        for bad in ["10.0.0.0/33", "10.0.0.0/x", "fd00::/129", "example.org", "10.0.0.0/8/8"] {
            #expect(throws: TrustedProxies.Problem.self, "\(bad)") { try TrustedProxies([bad]) }
        }
        #expect(try TrustedProxies(["10.0.0.0/8"]).trusts("10.255.0.1") && !(try TrustedProxies(["10.0.0.0/8"]).trusts("11.0.0.1")))
        #expect(try TrustedProxies(["0.0.0.0/0"]).trusts("192.0.2.1"))
    }

    static func configuration(_ proxies: [String]) throws -> WebConfiguration {
        var configuration = WebConfiguration(loginFailuresAllowed: 3)
        configuration.trustedProxies = try TrustedProxies(proxies)
        return configuration
    }

    static func login(_ browser: inout WebClient, _ user: String, _ password: String, headers: HTTPFields) async throws -> WebClient.Answer {
        _ = try await browser.request("/login", headers: headers)
        return try await browser.request("/login", method: .post, form: ["user": user, "password": password, "csrf": browser.csrf, "next": "/"],
                                         headers: headers)
    }

    @Test func aSpoofedForwardedForFromAnUntrustedPeerDoesNotEscapeTheLoginLimit() async throws {
        let fixture = try WebFixture(configuration: try Self.configuration(["10.0.0.0/8"]))
        try await fixture.app().test(.live) { client in
            var browser = WebClient(client)
            for i in 1...3 {
                let answer = try await Self.login(&browser, "nobody\(i)", "wrong password", headers: [Self.xff: "203.0.113.\(i)"])
                #expect(answer.status == .unauthorized)
            }
            let blocked = try await Self.login(&browser, "admin1", WebFixture.password, headers: [Self.xff: "198.51.100.77", Self.proto: "https"])
            #expect(blocked.status == .tooManyRequests)
            let trail = try fixture.database.auditTrail(limit: 10, before: nil, since: nil)
            #expect(trail.filter { $0.action == .loginFailed }.map(\.address) == ["127.0.0.1", "127.0.0.1", "127.0.0.1"])
            // X-Forwarded-Proto from it is ignored too: no Secure cookie over plain HTTP.
            let form = try await browser.request("/login", headers: [Self.proto: "https"])
            #expect(form.headers[values: .setCookie].allSatisfy { !$0.contains("Secure") })
        }
    }

    @Test func behindATrustedProxyTheForwardedClientCountsAndHTTPSMakesCookiesSecure() async throws {
        let fixture = try WebFixture(configuration: try Self.configuration(["127.0.0.1", "10.0.0.0/8"]))
        try await fixture.app().test(.live) { client in
            var attacker = WebClient(client)
            for i in 1...3 {
                // The proxy appends the address it saw; the client wrote the left-most one.
                let headers: HTTPFields = [Self.xff: "127.0.0.\(i), 203.0.113.66, 10.1.1.1"]
                #expect(try await Self.login(&attacker, "nobody\(i)", "wrong password", headers: headers).status == .unauthorized)
            }
            #expect(try await Self.login(&attacker, "nobody", "wrong password", headers: [Self.xff: "203.0.113.66"]).status == .tooManyRequests)
            // Another client behind the same proxy is not blocked, and over HTTPS gets Secure cookies.
            var colleague = WebClient(client)
            let answer = try await Self.login(&colleague, "operator1", WebFixture.password,
                                              headers: [Self.xff: "198.51.100.5", Self.proto: "https"])
            #expect(answer.status == .seeOther)
            let cookie = try #require(answer.headers[values: .setCookie].first { $0.hasPrefix("sendit_session=") })
            #expect(cookie.contains("Secure"))
            // Over plain HTTP through the proxy: no Secure.
            var plain = WebClient(client)
            let plainAnswer = try await Self.login(&plain, "viewer1", WebFixture.password, headers: [Self.xff: "198.51.100.6", Self.proto: "http"])
            #expect(plainAnswer.headers[values: .setCookie].allSatisfy { !$0.contains("Secure") })
            _ = try await colleague.request("/series/1.2.3.4.1", headers: [Self.xff: "198.51.100.5"])
            #expect(try await colleague.request("/series/1.2.3.4.1/retry", method: .post, form: ["csrf": colleague.csrf],
                                                headers: [Self.xff: "198.51.100.5"]).status == .ok)
            let trail = try fixture.database.auditTrail(limit: 20, before: nil, since: nil)
            #expect(trail.filter { $0.action == .loginFailed }.map(\.address) == ["203.0.113.66", "203.0.113.66", "203.0.113.66"])
            #expect(trail.first { $0.action == .login && $0.actor == "operator1" }?.address == "198.51.100.5")
            #expect(trail.first { $0.action == .retry }?.address == "198.51.100.5")
        }
    }
}

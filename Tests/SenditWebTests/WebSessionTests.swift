import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SenditIndex
import SenditWeb
import Testing

/// Sessions end when nobody is there (a page's automatic refresh is not someone) and when what
/// they were granted no longer holds (a role changed, a password changed, a user removed, the
/// shared login's role changed at a restart).
@Suite struct WebSessionTests {
    /// The URL a page's `<meta http-equiv="refresh">` reloads.
    static func refreshURL(_ body: String) -> String? {
        guard let range = body.range(of: "http-equiv=\"refresh\" content=\"") else { return nil }
        let content = body[range.upperBound...].prefix { $0 != "\"" }
        guard let url = content.range(of: "url=") else { return nil }
        return String(content[url.upperBound...])
    }

    @Test func anAutoRefreshDoesNotKeepASessionAlive() async throws {
        let fixture = try WebFixture(configuration: WebConfiguration(sessionIdle: 600, sessionLifetime: 3600, loginFailuresAllowed: 3))
        try await fixture.app().test(.router) { client in
            var browser = WebClient(client)
            try await browser.login("viewer1")
            for page in ["/", "/staging", "/destinations"] {
                let url = try #require(Self.refreshURL(try await browser.request(page).body), "\(page)")
                #expect(url == page + "?auto-refresh=1")
            }
            // Left on the dashboard: only its refreshes come, every 250 s.
            fixture.advance(250)
            #expect(try await browser.request("/?auto-refresh=1").status == .ok)
            fixture.advance(250)
            #expect(try await browser.request("/?auto-refresh=1").status == .ok)
            fixture.advance(250)
            let ended = try await browser.request("/?auto-refresh=1")
            #expect(ended.status == .seeOther && ended.location?.hasPrefix("/login") == true, "SESSION_IDLE passed with only refreshes")
            // Someone there (a request of their own) does keep it alive.
            try await browser.login("viewer1")
            for _ in 0..<3 {
                fixture.advance(250)
                #expect(try await browser.request("/series").status == .ok)
            }
        }
    }

    static let audit = AuditEntry(at: Date(), actor: "test", address: "-", action: .userRemoved, target: "x")

    @Test func aSessionWhoseRoleIsNoLongerGrantedEnds() async throws {
        let fixture = try WebFixture()
        // A session of viewer1 as admin: the user's role changed since its login.
        let id = Secrets.random()
        try fixture.database.startSession(WebSession(digest: Secrets.digest(id), userName: "viewer1", role: .admin, csrfToken: Secrets.random(),
                                                     address: "-", createdAt: fixture.now, lastSeenAt: fixture.now,
                                                     expiresAt: fixture.now.addingTimeInterval(3600)), audit: Self.audit)
        try await fixture.app().test(.router) { client in
            var stale = WebClient(client)
            stale.cookies["sendit_session"] = id
            #expect(try await stale.request("/settings").status == .seeOther)
            #expect(try await stale.request("/api/v1/whoami").status == .unauthorized)
            let ended = try #require(try fixture.database.auditTrail(limit: 5, before: nil, since: nil).first { $0.action == .logout })
            #expect(ended.actor == "sendit" && ended.target == "viewer1" && ended.detail.contains("admin") && ended.detail.contains("now viewer"))
            // Logging in again gives the role granted now.
            var browser = WebClient(client)
            try await browser.login("viewer1")
            #expect((try await browser.request("/api/v1/whoami").json as? [String: Any])?["role"] as? String == "viewer")
        }
    }

    @Test func aPasswordChangeOrARemovalEndsTheUsersSessions() async throws {
        let fixture = try WebFixture()
        try await fixture.app().test(.router) { client in
            var operatorBrowser = WebClient(client), adminBrowser = WebClient(client)
            try await operatorBrowser.login("operator1")
            try await adminBrowser.login("admin1")
            #expect(try await operatorBrowser.request("/").status == .ok)
            #expect(try await adminBrowser.request("/").status == .ok)
            let hash = try Secrets.hashPassword("a new password for operator1")
            #expect(try fixture.database.changePassword(user: "operator1", passwordHash: hash, now: fixture.now, audit: Self.audit))
            #expect(try await operatorBrowser.request("/").status == .seeOther)
            #expect(try fixture.database.removeUser(named: "admin1", audit: Self.audit))
            #expect(try await adminBrowser.request("/").status == .seeOther)
            #expect(try await adminBrowser.login("admin1").status == .unauthorized)
        }
    }

    @Test func aSharedSessionLosesARoleThatLOCKDOWNROLENoLongerGivesAfterARestart() async throws {
        let fixture = try WebFixture(configuration: WebConfiguration(lockdownPasswords: ["seed shared password"], lockdownRole: .operator,
                                                                     loginFailuresAllowed: 3))
        let first = try await fixture.app().test(.router) { client async throws -> [String: String] in
            var browser = WebClient(client)
            #expect(try await browser.login("shared", "seed shared password").status == .seeOther)
            return browser.cookies
        }
        // The same settings after a restart: the session goes on.
        try await fixture.app().test(.router) { client in
            var browser = WebClient(client)
            browser.cookies = first
            let me = try await browser.request("/api/v1/whoami")
            #expect((me.json as? [String: Any])?["role"] as? String == "operator")
        }
        // LOCKDOWN_ROLE=viewer now: the operator session ends.
        fixture.configuration.lockdownRole = .viewer
        let second = try await fixture.app().test(.router) { client async throws -> [String: String] in
            var browser = WebClient(client)
            browser.cookies = first
            #expect(try await browser.request("/api/v1/whoami").status == .unauthorized)
            #expect(try await browser.request("/api/v1/series/1.2.3.4.1/retry", method: .post,
                                              headers: [HTTPField.Name("X-CSRF-Token")!: browser.csrf]).status == .unauthorized)
            #expect(try await browser.login("shared", "seed shared password").status == .seeOther)
            #expect((try await browser.request("/api/v1/whoami").json as? [String: Any])?["role"] as? String == "viewer")
            return browser.cookies
        }
        // No LOCKDOWN_PASSWORDS any more: the shared session ends.
        fixture.configuration.lockdownPasswords = []
        try await fixture.app().test(.router) { client in
            var browser = WebClient(client)
            browser.cookies = second
            let page = try await browser.request("/")
            #expect(page.status == .seeOther)
        }
        #expect(fixture.control.calls.withLock { $0 }.isEmpty)
    }
}

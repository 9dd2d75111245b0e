import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SenditIndex
import SenditWeb
import Testing

/// Every route, through Hummingbird's testing API, on a real SQLite index: with and without a
/// session, each role, wrong CSRF tokens, expired sessions, rate-limited logins, masked secrets,
/// JSON errors, and every API answer checked against the OpenAPI document.
@Suite struct WebRouteTests {
    static let pages = ["/", "/series", "/series/1.2.3.4.1", "/held", "/staging", "/destinations", "/quarantine", "/alerts", "/audit",
                        "/settings", "/metrics"]
    static let apiGets = ["/api/v1/whoami", "/api/v1/dashboard", "/api/v1/series", "/api/v1/series/1.2.3.4.1", "/api/v1/staging",
                          "/api/v1/destinations", "/api/v1/quarantine", "/api/v1/alerts", "/api/v1/audit", "/api/v1/settings",
                          "/api/v1/openapi.json"]
    static let posts = ["/series/1.2.3.4.1/retry", "/series/1.2.3.4.2/release", "/series/1.2.3.4.2/drop", "/staging/1.2.3.tmp1a/complete",
                        "/api/v1/series/1.2.3.4.1/retry", "/api/v1/series/1.2.3.4.2/release", "/api/v1/series/1.2.3.4.2/drop",
                        "/api/v1/staging/1.2.3.tmp1a/complete", "/destinations/orthanc/check", "/api/v1/destinations/orthanc/check"]

    @Test func withoutASessionEveryRouteIsRefusedButTheOpenOnes() async throws {
        let fixture = try WebFixture()
        try await fixture.app().test(.router) { client in
            var browser = WebClient(client)
            for page in Self.pages {
                let answer = try await browser.request(page)
                #expect(answer.status == .seeOther, "\(page)")
                #expect(answer.location?.hasPrefix("/login?next=") == true, "\(page)")
            }
            for route in Self.apiGets {
                let answer = try await browser.request(route)
                #expect(answer.status == .unauthorized, "\(route)")
                let body = try #require(answer.json as? [String: Any], "\(route)")
                #expect(body["status"] as? Int == 401 && body["error"] is String)
            }
            for route in Self.posts {
                let answer = try await browser.request(route, method: .post, form: ["confirm": "yes"])
                #expect([.seeOther, .unauthorized].contains(answer.status), "\(route)")
            }
            #expect(try await browser.request("/healthz").status == .ok)
            #expect(try await browser.request("/readyz").status == .ok)
            #expect(try await browser.request("/login").status == .ok)
            #expect(try await browser.request("/assets/sendit.css").status == .ok)
            // Nothing was done.
            #expect(fixture.control.calls.withLock { $0 }.isEmpty)
        }
    }

    @Test func aLoginSetsAStrictHttpOnlyCookieAndANewSessionId() async throws {
        let fixture = try WebFixture()
        try await fixture.app().test(.router) { client in
            var browser = WebClient(client)
            // A session id planted before the login (session fixation) is never adopted.
            browser.cookies["sendit_session"] = "planted-by-an-attacker"
            let answer = try await browser.login("viewer1", next: "/series")
            #expect(answer.status == .seeOther)
            #expect(answer.location == "/series")
            let cookie = try #require(answer.headers[values: .setCookie].first { $0.hasPrefix("sendit_session=") })
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"))
            #expect(!cookie.contains("Secure"))
            #expect(browser.cookies["sendit_session"] != "planted-by-an-attacker")
            #expect(try await browser.request("/series").status == .ok)
            var attacker = WebClient(client)
            attacker.cookies["sendit_session"] = "planted-by-an-attacker"
            #expect(try await attacker.request("/series").status == .seeOther)
        }
        var secure = try WebFixture()
        secure.configuration.secureCookies = true
        try await secure.app().test(.router) { client in
            var browser = WebClient(client)
            let answer = try await browser.login("viewer1")
            let cookie = try #require(answer.headers[values: .setCookie].first { $0.hasPrefix("sendit_session=") })
            #expect(cookie.contains("Secure"))
        }
    }

    @Test func nextAfterLoginStaysOnThisSite() async throws {
        let fixture = try WebFixture()
        try await fixture.app().test(.router) { client in
            for target in ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "/\t/evil.example/",
                           "/\n/evil.example", "/ /evil.example", "/x\\..\\\\evil.example"] {
                var browser = WebClient(client)
                let answer = try await browser.login("viewer1", next: target)
                #expect(answer.location == "/", "\(target)")
            }
        }
    }

    @Test func wrongPasswordsAreRefusedAndRateLimitedPerUserAndAddress() async throws {
        let fixture = try WebFixture()
        try await fixture.app().test(.router) { client in
            var browser = WebClient(client)
            for _ in 1...3 { #expect(try await browser.login("operator1", "wrong password!").status == .unauthorized) }
            // The limit holds even for the right password now.
            let limited = try await browser.login("operator1")
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] != nil)
            #expect(browser.cookies["sendit_session"] == nil)
            // Unknown users count too (the address is limited: every router test comes from "-").
            #expect(try await browser.login("admin1").status == .tooManyRequests)
            fixture.advance(16 * 60)
            #expect(try await browser.login("operator1").status == .seeOther)
            let trail = try fixture.database.auditTrail(limit: 100, before: nil, since: nil)
            // The three wrong passwords are recorded; the attempts refused by the limit are not
            // (a flood must not fill the audit trail).
            #expect(trail.filter { $0.action == .loginFailed }.count == 3)
            #expect(trail.filter { $0.action == .login }.count == 1)
        }
    }

    @Test func theLoginFormNeedsItsOwnCSRFToken() async throws {
        let fixture = try WebFixture()
        try await fixture.app().test(.router) { client in
            var browser = WebClient(client)
            let answer = try await browser.request("/login", method: .post,
                                                   form: ["user": "admin1", "password": WebFixture.password, "csrf": "guess"])
            #expect(answer.status == .forbidden)
            #expect(browser.cookies["sendit_session"] == nil)
        }
    }

    @Test func theLoginFormStaysValidWhileTheBrowserFetchesMore() async throws {
        let fixture = try WebFixture()
        try await fixture.app().test(.router) { client in
            var browser = WebClient(client)
            _ = try await browser.request("/login")
            let onScreen = browser.csrf
            // A browser asks for its favicon too; a stranger is sent to /login, which must not
            // make the form on screen stale.
            #expect(try await browser.request("/favicon.ico").location?.hasPrefix("/login") == true)
            _ = try await browser.request("/login?next=%2Ffavicon.ico")
            #expect(browser.cookies["sendit_login"] == onScreen)
            let answer = try await browser.request("/login", method: .post,
                                                   form: ["user": "admin1", "password": WebFixture.password, "csrf": onScreen, "next": "/"])
            #expect(answer.status == .seeOther && answer.location == "/")
            // A cookie not shaped like a token is never echoed into the form.
            var odd = WebClient(client)
            odd.cookies["sendit_login"] = "not-a-token"
            _ = try await odd.request("/login")
            #expect(odd.csrf != "not-a-token" && Secrets.looksRandom(odd.csrf))
        }
    }

    @Test func everyPageOpensForItsRolesAndActionsNeedAnOperator() async throws {
        let fixture = try WebFixture()
        try await fixture.app().test(.router) { client in
            for role in AccessRole.allCases {
                var browser = WebClient(client)
                #expect(try await browser.login(role.rawValue + "1").status == .seeOther)
                for page in Self.pages {
                    let answer = try await browser.request(page)
                    let expected: HTTPResponse.Status = page == "/settings" && role != .admin ? .forbidden : .ok
                    #expect(answer.status == expected, "\(role) \(page)")
                }
                _ = try await browser.request("/series/1.2.3.4.1")
                let retry = try await browser.request("/series/1.2.3.4.1/retry", method: .post, form: ["csrf": browser.csrf])
                #expect(retry.status == (role == .viewer ? .forbidden : .ok), "\(role) retry")
            }
            #expect(fixture.control.calls.withLock { $0 } == ["retry 1.2.3.4.1", "retry 1.2.3.4.1"])
        }
    }

    /// The Alerts page: each alert's summary, whether it holds, its webhooks' progress and last
    /// error, for every role.
    @Test func theAlertsPageShowsEachAlertAndItsWebhooks() async throws {
        let fixture = try WebFixture()
        try await fixture.app().test(.router) { client in
            var browser = WebClient(client)
            try await browser.login("viewer1")
            let page = try await browser.request("/alerts")
            #expect(page.status == .ok)
            for text in ["series-failed:1", "series 1 (CT) is FAILED: 1 of 2 images FAILED", "holds", "1 sent",
                         "1 still tried", "HTTP 503"] {
                #expect(page.body.contains(text), "\(text)")
            }
        }
    }

    @Test func aPostWithoutTheRightCSRFTokenIsRefused() async throws {
        let fixture = try WebFixture()
        try await fixture.app().test(.router) { client in
            var browser = WebClient(client)
            try await browser.login("admin1")
            for token in [nil, "", "wrong", String(repeating: "a", count: 43)] {
                var form = ["confirm": "yes"]
                form["csrf"] = token
                #expect(try await browser.request("/series/1.2.3.4.2/release", method: .post, form: form).status == .forbidden)
                #expect(try await browser.request("/api/v1/series/1.2.3.4.2/release", method: .post).status == .forbidden)
            }
            #expect(fixture.control.calls.withLock { $0 }.isEmpty)
            _ = try await browser.request("/series/1.2.3.4.2")
            // Release needs its confirmation box as well.
            #expect(try await browser.request("/series/1.2.3.4.2/release", method: .post, form: ["csrf": browser.csrf]).status == .badRequest)
            #expect(try await browser.request("/series/1.2.3.4.2/release", method: .post, form: ["csrf": browser.csrf, "confirm": "yes"]).status == .ok)
            let header: HTTPFields = [HTTPField.Name("X-CSRF-Token")!: browser.csrf]
            #expect(try await browser.request("/api/v1/series/1.2.3.4.2/drop", method: .post, headers: header).status == .ok)
            #expect(fixture.control.calls.withLock { $0 } == ["release 1.2.3.4.2", "drop 1.2.3.4.2"])
        }
    }

    @Test func sessionsExpireWhenIdleAtTheirLifetimeAndAtLogout() async throws {
        var configuration = WebConfiguration(sessionIdle: 600, sessionLifetime: 3600)
        configuration.loginFailuresAllowed = 3
        let fixture = try WebFixture(configuration: configuration)
        try await fixture.app().test(.router) { client in
            var browser = WebClient(client)
            try await browser.login("viewer1")
            fixture.advance(599)
            #expect(try await browser.request("/").status == .ok)
            fixture.advance(601)
            #expect(try await browser.request("/").status == .seeOther)
            try await browser.login("viewer1")
            for _ in 0..<8 {   // 4,000 s, never 600 s idle
                fixture.advance(500)
                _ = try await browser.request("/")
            }
            #expect(try await browser.request("/").status == .seeOther, "past SESSION_LIFETIME")
            try await browser.login("viewer1")
            let cookie = try #require(browser.cookies["sendit_session"])
            _ = try await browser.request("/")
            #expect(try await browser.request("/logout", method: .post, form: ["csrf": browser.csrf]).status == .seeOther)
            var replay = WebClient(client)
            replay.cookies["sendit_session"] = cookie
            #expect(try await replay.request("/").status == .seeOther, "a logged-out session id must not work again")
            let actions = try fixture.database.auditTrail(limit: 100, before: nil, since: nil).map(\.action)
            #expect(actions.contains(.logout))
        }
    }

    @Test func tokensReachTheAPIWithTheirRoleAndNoCSRF() async throws {
        let fixture = try WebFixture()
        let secrets = Dictionary(uniqueKeysWithValues: AccessRole.allCases.map { ($0, Secrets.random()) })
        for role in AccessRole.allCases {
            let secret = secrets[role]!
            try fixture.database.addToken(APIToken(name: "t-\(role.rawValue)", role: role, digest: Secrets.digest(secret), createdAt: Date()),
                                          audit: AuditEntry(at: Date(), actor: "test", address: "-", action: .tokenAdded, target: "t"))
        }
        try await fixture.app().test(.router) { client in
            var api = WebClient(client)
            func bearer(_ role: AccessRole) -> HTTPFields { [.authorization: "Bearer \(secrets[role]!)"] }
            #expect(try await api.request("/api/v1/series", headers: bearer(.viewer)).status == .ok)
            let refused = try await api.request("/api/v1/series/1.2.3.4.1/retry", method: .post, headers: bearer(.viewer))
            #expect(refused.status == .forbidden)
            #expect((refused.json as? [String: Any])?["status"] as? Int == 403)
            #expect(try await api.request("/api/v1/series/1.2.3.4.1/retry", method: .post, headers: bearer(.operator)).status == .ok)
            #expect(try await api.request("/api/v1/settings", headers: bearer(.operator)).status == .forbidden)
            #expect(try await api.request("/api/v1/settings", headers: bearer(.admin)).status == .ok)
            #expect(try await api.request("/api/v1/series", headers: [.authorization: "Bearer not-a-token"]).status == .unauthorized)
            let trail = try fixture.database.auditTrail(limit: 10, before: nil, since: nil)
            #expect(trail.first?.actor == "token:t-operator" && trail.first?.action == .retry)
        }
    }

    @Test func everyAPIAnswerMatchesTheOpenAPIDocument() async throws {
        let fixture = try WebFixture()
        let secret = Secrets.random()
        try fixture.database.addToken(APIToken(name: "admin", role: .admin, digest: Secrets.digest(secret), createdAt: Date()),
                                      audit: AuditEntry(at: Date(), actor: "test", address: "-", action: .tokenAdded, target: "admin"))
        try await fixture.app().test(.router) { client in
            var api = WebClient(client)
            let auth: HTTPFields = [.authorization: "Bearer \(secret)"]
            let cases: [(String, HTTPRequest.Method, String, Int)] = [
                ("/api/v1/whoami", .get, "/whoami", 200), ("/api/v1/dashboard", .get, "/dashboard", 200),
                ("/api/v1/series", .get, "/series", 200), ("/api/v1/series?status=FAILED&limit=1", .get, "/series", 200),
                ("/api/v1/series?status=NOPE", .get, "/series", 400),
                ("/api/v1/series/1.2.3.4.1", .get, "/series/{uid}", 200), ("/api/v1/series/9.9", .get, "/series/{uid}", 404),
                ("/api/v1/staging", .get, "/staging", 200), ("/api/v1/quarantine", .get, "/quarantine", 200),
                ("/api/v1/audit", .get, "/audit", 200), ("/api/v1/settings", .get, "/settings", 200),
                ("/api/v1/alerts", .get, "/alerts", 200),
                ("/api/v1/series/1.2.3.4.1/retry", .post, "/series/{uid}/retry", 200),
                ("/api/v1/series/1.9.9/release", .post, "/series/{uid}/release", 409),
                ("/api/v1/staging/x/complete", .post, "/staging/{name}/complete", 200),
                ("/api/v1/destinations", .get, "/destinations", 200),
                ("/api/v1/destinations/orthanc/check", .post, "/destinations/{name}/check", 200),
                ("/api/v1/destinations/nowhere/check", .post, "/destinations/{name}/check", 404),
            ]
            for (uri, method, path, status) in cases {
                let answer = try await api.request(uri, method: method, headers: auth)
                #expect(answer.status.code == status, "\(uri)")
                let schema = try #require(OpenAPISchemaCheck.responseSchema(path: path, method: method == .get ? "get" : "post", status: status),
                                          "\(path) \(status) is not in the document")
                let json = try #require(answer.json, "\(uri): not JSON")
                #expect(OpenAPISchemaCheck.check(json, schema) == [], "\(uri)")
            }
            let paged = try await api.request("/api/v1/series?limit=1", headers: auth)
            let next = try #require((paged.json as? [String: Any])?["next"] as? Int)
            let second = try await api.request("/api/v1/series?limit=1&before=\(next)", headers: auth)
            #expect(((second.json as? [String: Any])?["series"] as? [Any])?.count == 1)
            #expect(try await api.request("/api/v1/nothing", headers: auth).status == .notFound)
            // Every series says its project, and the list filters by it.
            let all = ((try await api.request("/api/v1/series", headers: auth).json as? [String: Any])?["series"] as? [[String: Any]]) ?? []
            #expect(!all.isEmpty && all.allSatisfy { $0["project"] as? String == "default" })
            let none = (try await api.request("/api/v1/series?project=lung", headers: auth).json as? [String: Any])?["series"] as? [Any]
            #expect(none?.isEmpty == true)
        }
    }

    @Test func valuesFromTheIndexAreEscapedAndSecretsMasked() async throws {
        let fixture = try WebFixture()
        try await fixture.app().test(.router) { client in
            var browser = WebClient(client)
            try await browser.login("admin1")
            let series = try await browser.request("/series/1.2.3.4.1")
            #expect(!series.body.contains("<script>"))
            #expect(series.body.contains("&lt;script&gt;"))
            let dashboard = try await browser.request("/")
            #expect(!dashboard.body.contains("<script>"))
            #expect(dashboard.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            #expect(dashboard.headers[.cacheControl] == "no-store")
            let destinations = try await browser.request("/destinations")
            #expect(destinations.body.contains("&lt;b&gt;refused&lt;/b&gt;") && !destinations.body.contains("<b>refused"))
            let settings = try await browser.request("/settings")
            #expect(settings.body.contains("********"))
        }
    }

    @Test func oddPathsAndBodiesAreRefusedCleanly() async throws {
        let fixture = try WebFixture()
        try await fixture.app().test(.router) { client in
            var browser = WebClient(client)
            for path in ["/assets/../../etc/passwd", "/assets/%2e%2e/%2e%2e/etc/passwd", "/assets/sendit.css/../../x"] {
                let answer = try await browser.request(path)
                #expect(answer.status == .notFound || answer.status == .seeOther, "\(path)")
                #expect(!answer.body.contains("root:"))
            }
            try await browser.login("operator1")
            let big = String(repeating: "a", count: 200_000)
            let answer = try await browser.request("/series/1.2.3.4.1/retry", method: .post, form: ["csrf": browser.csrf, "x": big])
            #expect(answer.status == .contentTooLarge)
            #expect(fixture.control.calls.withLock { $0 }.isEmpty)
        }
    }

    @Test func theLockdownOffOpensThePagesWithABanner() async throws {
        var configuration = WebConfiguration(lockdownEnabled: false, lockdownRole: .viewer)
        configuration.loginFailuresAllowed = 3
        let fixture = try WebFixture(configuration: configuration)
        try await fixture.app().test(.router) { client in
            var browser = WebClient(client)
            let page = try await browser.request("/")
            #expect(page.status == .ok)
            #expect(page.body.contains("The lockdown is off"))
            #expect(try await browser.request("/settings").status == .forbidden)
        }
    }

    @Test func theSharedPasswordLogsInWithItsRole() async throws {
        var configuration = WebConfiguration(lockdownPasswords: ["seed shared password"], lockdownRole: .operator)
        configuration.loginFailuresAllowed = 3
        let fixture = try WebFixture(configuration: configuration)
        try await fixture.app().test(.router) { client in
            var browser = WebClient(client)
            #expect(try await browser.login("shared", "seed shared password").status == .seeOther)
            let me = try await browser.request("/api/v1/whoami")
            #expect((me.json as? [String: Any])?["role"] as? String == "operator")
            var other = WebClient(client)
            #expect(try await other.login("viewer1", "seed shared password").status == .unauthorized)
        }
    }

    @Test func aSearchFindsASeriesByItsOriginalAccessionWithoutShowingIt() async throws {
        let fixture = try WebFixture()
        try await fixture.app().test(.router) { client in
            var browser = WebClient(client)
            try await browser.login("viewer1")
            _ = try await browser.request("/series")
            let found = try await browser.request("/series/search", method: .post, form: ["csrf": browser.csrf, "value": "ACC-ORIGINAL"])
            #expect(found.status == .ok)
            #expect(found.body.contains("1 series match") && found.body.contains(fixture.failedSeries))
            #expect(!found.body.contains(fixture.heldSeries))
            #expect(!found.body.contains("ACC-ORIGINAL"), "the searched original must not be shown back")
            let none = try await browser.request("/series/search", method: .post, form: ["csrf": browser.csrf, "value": "ACC-OTHER"])
            #expect(none.body.contains("0 series match"))
            let header: HTTPFields = [HTTPField.Name("X-CSRF-Token")!: browser.csrf, .contentType: "application/json"]
            var api = browser
            let answer = try await api.request("/api/v1/series/search", method: .post, headers: header, body: #"{"value": "ACC-ORIGINAL"}"#)
            let json = try #require(answer.json)
            let schema = try #require(OpenAPISchemaCheck.responseSchema(path: "/series/search", method: "post", status: 200))
            #expect(OpenAPISchemaCheck.check(json, schema) == [])
            #expect(((json as? [String: Any])?["series"] as? [Any])?.count == 1)
        }
    }

    @Test func readyzAnswersWithoutALoginAndIgnoresDestinations() async throws {
        let fixture = try WebFixture()
        try await fixture.app().test(.router) { client in
            var browser = WebClient(client)
            let answer = try await browser.request("/readyz")
            #expect(answer.status == .ok)
            let body = try #require(answer.json as? [String: Any])
            #expect(body["ready"] as? Bool == true)
            #expect((body["destinations"] as? [[String: Any]])?.first?["ok"] as? Bool == false)
        }
    }
}

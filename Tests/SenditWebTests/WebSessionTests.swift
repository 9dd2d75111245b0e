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
}

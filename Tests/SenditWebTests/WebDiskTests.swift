import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SenditWeb
import Testing

/// Free space below DISK_MIN_FREE, as the web app shows it: a banner on the dashboard, `diskLow`
/// in the API's dashboard (valid against the OpenAPI document, absent when fine), and /readyz
/// not ready with the "disk" check's reason.
@Suite struct WebDiskTests {
    static let reason = "free disk space below DISK_MIN_FREE: data folder /data <b> has 1.0 MB free of 64.0 MB, needs 40.0 MB"

    @Test func aLowDiskShowsABannerTheReasonInTheAPIAndTakesReadinessDown() async throws {
        let fixture = try WebFixture()
        try await fixture.app().test(.router) { client in
            var browser = WebClient(client)
            try await browser.login("viewer1")
            var page = try await browser.request("/")
            #expect(!page.body.contains("Disk space low"))
            var api = try await browser.request("/api/v1/dashboard")
            #expect(((api.json as? [String: Any])?["live"] as? [String: Any])?.keys.contains("diskLow") == false)
            #expect(try await browser.request("/readyz").status == .ok)

            fixture.control.diskLow.withLock { $0 = Self.reason }
            page = try await browser.request("/")
            #expect(page.body.contains("Disk space low: new associations are refused"))
            #expect(page.body.contains("data folder /data &lt;b&gt; has 1.0 MB free"), "the reason, escaped")
            api = try await browser.request("/api/v1/dashboard")
            let live = try #require((api.json as? [String: Any])?["live"] as? [String: Any])
            #expect(live["diskLow"] as? String == Self.reason)
            let schema = try #require(OpenAPISchemaCheck.responseSchema(path: "/dashboard", method: "get", status: 200))
            #expect(OpenAPISchemaCheck.check(try #require(api.json), schema) == [])
            let ready = try await browser.request("/readyz")
            #expect(ready.status == .serviceUnavailable)
            let body = try #require(ready.json as? [String: Any])
            #expect(body["ready"] as? Bool == false)
            let disk = (body["checks"] as? [[String: Any]])?.first { $0["name"] as? String == "disk" }
            #expect(disk?["ok"] as? Bool == false && disk?["detail"] as? String == Self.reason)
        }
    }
}

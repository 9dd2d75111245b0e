import Foundation
import Hummingbird
import SenditIndex

/// The Alerts page and `/api/v1/alerts`: the latest alerts the node queued (ALERT_WEBHOOK_URLS),
/// each with its summary, whether its condition still holds, and how many webhooks took it or
/// are still being tried (with the last error). Alert bodies carry no original value (coded IDs,
/// counts, masked reasons), so the page shows them to every role.
extension WebApp {
    static let alertsShown = 200

    func addAlertRoutes(_ router: Router<WebRequestContext>) {
        router.get("/alerts") { _, context -> Response in
            let alerts = try overview.recentAlerts(limit: Self.alertsShown)
            let rows = alerts.map { a -> HTML in
                let delivery: HTML = a.pending == 0 ? "\(a.delivered) sent"
                    : "\(a.delivered) sent, <strong>\(a.pending) still tried</strong>"
                return """
                    <tr><td>\(Layout.time(a.createdAt))</td><td>\(a.kind)</td><td><code>\(a.key)</code></td>\
                    <td>\(Self.alertSummary(a.body))</td><td>\(a.clearedAt.map { "cleared \(Layout.time($0))" } ?? "holds")</td>\
                    <td>\(delivery)</td><td>\(a.lastError ?? "")</td></tr>
                    """
            }
            return WebResponses.html(Layout.page(frame(context, current: "/alerts", refresh: 30), title: "Alerts", """
                <p>What the node told its webhooks (ALERT_WEBHOOK_URLS): one alert per condition \
                (a series FAILED or HELD, a destination down, the disk low, a restart after a crash), \
                retried until each webhook takes it. The latest \(Self.alertsShown).</p>
                <table><thead><tr><th>When</th><th>Kind</th><th>Condition</th><th>Summary</th><th>Now</th><th>Webhooks</th><th>Last error</th></tr></thead>
                <tbody>\(Layout.rows(rows, columns: 7, empty: "No alert yet (alerts are queued only when ALERT_WEBHOOK_URLS is set)."))</tbody></table>
                """))
        }
    }

    /// The summary line of an alert's JSON body (empty if the body is not the expected JSON).
    static func alertSummary(_ body: String) -> String {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] else { return "" }
        return object["summary"] as? String ?? ""
    }
}

import Foundation
import Hummingbird
import SenditIndex

/// The Destinations page: per destination, what waits, what is retried (next try, last
/// fault), what was refused and why, what is done; and a check button (C-ECHO, or a credentials
/// check for Cloud Storage) for operators. The same under /api/v1/destinations.
extension WebApp {
    func addDestinationRoutes(_ router: Router<WebRequestContext>) {
        router.get("/destinations") { _, context -> Response in
            WebResponses.html(Layout.page(frame(context, current: "/destinations", refresh: 30), title: "Destinations",
                                          destinations(try control.deliverySummary(), context, checked: nil)))
        }
        router.post("/destinations/:name/check") { request, context -> Response in
            if let refused = refusal(.operator, request, context) { return refused }
            let result = control.check(destination: context.parameters.get("name") ?? "")
            return WebResponses.html(Layout.page(frame(context, current: "/destinations"), title: "Destinations",
                                                 destinations(try control.deliverySummary(), context, checked: result)))
        }
        router.get("/api/v1/destinations") { _, _ -> Response in
            WebResponses.json(try control.deliverySummary().destinations)
        }
        router.post("/api/v1/destinations/:name/check") { request, context -> Response in
            if let refused = refusal(.operator, request, context) { return refused }
            let name = context.parameters.get("name") ?? ""
            guard try control.deliverySummary().destinations.contains(where: { $0.name == name }) else {
                return WebResponses.jsonError(.notFound, "no destination \(name)")
            }
            return WebResponses.json(control.check(destination: name))
        }
    }

    func destinations(_ summary: DeliverySummary, _ context: WebRequestContext, checked: DestinationCheck?) -> HTML {
        let canCheck = context.identity?.role.allows(.operator) ?? false
        let csrf = context.identity?.csrfToken ?? ""
        var note: HTML = ""
        if let c = checked {
            note = "<p class=\"\(c.ok ? "ok" : "error")\" role=\"status\">\(c.destination): \(c.detail) (\(c.milliseconds) ms)</p>"
        }
        let sections = summary.destinations.map { d -> HTML in
            let button: HTML = canCheck ? """
                <form method="post" action="/destinations/\(d.name)/check" class="inline"><input type="hidden" name="csrf" value="\(csrf)">\
                <button type="submit">Check now</button></form>
                """ : ""
            let retrying = d.retrying.map { r -> HTML in
                "<tr><td><a class=\"uid\" href=\"\(Self.seriesLink(r.seriesInstanceUID, project: r.project))\">\(r.seriesInstanceUID)</a></td><td class=\"n\">\(r.images)</td><td class=\"n\">\(r.attempts)</td><td>\(Layout.date(r.nextAttemptAt))</td><td>\(r.lastError)</td></tr>"
            }
            let refusals = (d.refusals + d.skipReasons).map { "<tr><td>\($0.reason)</td><td class=\"n\">\($0.images)</td></tr>" as HTML }
            let health: HTML = d.retrying.isEmpty ? "<span class=\"ok\">no retries</span>"
                : "<span class=\"error\">\(d.retrying.count) series retrying; last fault: \(d.retrying.first?.lastError ?? "?")</span>"
            return """
                <h2>\(d.name) <code>\(d.address)</code></h2><p>\(health) \(button)</p>
                <table><tbody><tr><td>queued</td><td class="n">\(d.queued)</td></tr><tr><td>sent, not yet verified</td><td class="n">\(d.sent)</td></tr>
                <tr><td>done</td><td class="n">\(d.done)</td></tr><tr><td>failed</td><td class="n">\(d.failed)</td></tr>
                <tr><td>skipped</td><td class="n">\(d.skipped)</td></tr><tr><td>cleaned up since</td><td class="n">\(d.cleanedUp)</td></tr>
                <tr><td>series whose send job gave up</td><td class="n">\(d.failedJobs)</td></tr></tbody></table>
                \(retrying.isEmpty ? "" : "<h3>Retrying</h3><table><thead><tr><th>Series</th><th class=\"n\">Images</th><th class=\"n\">Attempts</th><th>Next try</th><th>Last fault</th></tr></thead><tbody>\(retrying)</tbody></table>" as HTML)
                \(refusals.isEmpty ? "" : "<h3>Refused or skipped</h3><table><thead><tr><th>Why</th><th class=\"n\">Images</th></tr></thead><tbody>\(refusals)</tbody></table>" as HTML)
                """
        }
        let none: HTML = summary.destinations.isEmpty ? "<p>No destination is enabled (SEND_TO_ORTHANC, EXTRA_DESTINATIONS): de-identified series stay in the outbox.</p>" : ""
        return "\(note)\(none)\(sections)"
    }
}

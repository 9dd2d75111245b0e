import Foundation
import Hummingbird
import SenditIndex

/// Finding series by a patient ID or an accession number, original or coded. An original is
/// matched by its keyed digest (the index keeps no original in clear) and never shown back:
/// the search goes by POST (so it is in no URL, history or log), and the answer names only how
/// many series matched and which.
extension WebApp {
    func addSearchRoutes(_ router: Router<WebRequestContext>) {
        router.post("/series/search") { _, context -> Response in
            let value = String((context.form["value"] ?? "").prefix(200))
            let page = try search(value, context)
            let found: HTML = "<p>\(page.series.count) series match the value searched for (original or coded patient ID or accession number).</p>"
            return WebResponses.html(Layout.page(frame(context, current: "/series"), title: "Search",
                                                 "\(searchForm(context))\(found)\(seriesTable(page, query: [:]))"))
        }
        router.post("/api/v1/series/search") { request, context -> Response in
            struct Body: Decodable { let value: String }
            var value = context.form["value"]
            if value == nil, let body = try? JSONDecoder().decode(Body.self, from: Data(buffer: try await request.body.collect(upTo: 64 * 1024))) {
                value = body.value
            }
            guard let value, !value.trimmingCharacters(in: .whitespaces).isEmpty else {
                return WebResponses.jsonError(.badRequest, "give the value to search for: {\"value\": \"…\"}")
            }
            return WebResponses.json(try search(String(value.prefix(200)), context))
        }
    }

    /// The series a value matches; each search is in the audit trail with who, from where and
    /// how many series matched, never the value searched for nor its digest.
    func search(_ value: String, _ context: WebRequestContext) throws -> SeriesListPage {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return SeriesListPage(series: [], next: nil) }
        var filter = SeriesFilter(limit: 500)
        filter.searchDigests = control.searchDigests(trimmed)
        filter.codedValue = trimmed
        let page = try overview.seriesList(filter)
        audit(context, .search, target: "search by original patient ID / accession", detail: "\(page.series.count) series matched")
        return page
    }

    func searchForm(_ context: WebRequestContext) -> HTML {
        """
        <form class="filters" method="post" action="/series/search"><input type="hidden" name="csrf" value="\(context.identity?.csrfToken ?? "")">
        <label>Patient ID or accession number (original or coded) <input name="value" autocomplete="off" required></label>
        <button type="submit">Find</button></form>
        """
    }
}

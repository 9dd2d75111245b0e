import Foundation
import Hummingbird
import SenditIndex

/// The JSON API under /api/v1: the pages' data and actions (the actions are in
/// WebApp+Actions), for a session or an API token; errors as `{"error": …, "status": …}`;
/// described by /api/v1/openapi.json (`OpenAPIDocument`), which the tests check every answer against.
extension WebApp {
    struct Whoami: Encodable {
        let name: String
        let role: String
    }

    struct DashboardAnswer: Encodable {
        let figures: DashboardFigures
        let live: LiveFigures
    }

    struct SettingAnswer: Encodable {
        let key: String
        let value: String
    }

    func addAPIRoutes(_ router: Router<WebRequestContext>) {
        let api = router.group("/api/v1")
        api.get("openapi.json") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(string: OpenAPIDocument.json)))
        }
        api.get("whoami") { _, context -> Response in
            WebResponses.json(Whoami(name: context.identity?.actor ?? "-", role: context.identity?.role.rawValue ?? "-"))
        }
        api.get("dashboard") { _, _ -> Response in
            WebResponses.json(DashboardAnswer(figures: try overview.dashboard(since: now().addingTimeInterval(-24 * 3600)),
                                              live: control.liveFigures()))
        }
        api.get("series") { request, _ -> Response in
            do {
                return WebResponses.json(try overview.seriesList(try SeriesQuery.filter(SeriesQuery.parameters(request))))
            } catch let invalid as SeriesQuery.Invalid {
                return WebResponses.jsonError(.badRequest, invalid.description)
            }
        }
        api.get("series/:uid") { request, context -> Response in
            let uid = context.parameters.get("uid") ?? ""
            guard let detail = try overview.seriesDetail(seriesInstanceUID: uid, project: Self.project(request)) else {
                return WebResponses.jsonError(.notFound, "no series \(uid) in the index")
            }
            return WebResponses.json(SeriesAnswer(detail: detail, originals: try originals(uid, project: detail.project, context)))
        }
        api.get("staging") { _, _ -> Response in WebResponses.json(control.stagingFolders()) }
        api.get("quarantine") { _, context -> Response in
            WebResponses.json(QuarantineView.shown(try overview.quarantineList(limit: 500), to: context.identity?.role ?? .viewer))
        }
        api.get("alerts") { _, _ -> Response in WebResponses.json(try overview.recentAlerts(limit: Self.alertsShown)) }
        api.get("audit") { request, context -> Response in
            let before = request.uri.queryParameters["before"].flatMap { Int64(String($0)) }
            return WebResponses.json(AuditView.shown(try access.auditTrail(limit: 200, before: before, since: nil),
                                                     to: context.identity?.role ?? .viewer))
        }
        api.get("settings") { request, context -> Response in
            if let refused = refusal(.admin, request, context) { return refused }
            return WebResponses.json(control.settings().map { SettingAnswer(key: $0.key, value: $0.value) })
        }
        // Anything else under /api/ is a JSON 404, not the router's empty one.
        api.get("**") { _, _ -> Response in WebResponses.jsonError(.notFound, "no such API route") }
        api.post("**") { _, _ -> Response in WebResponses.jsonError(.notFound, "no such API route") }
    }
}

import Foundation
import Hummingbird
import SenditIndex

/// The actions, for operators and admins: retry, release and drop held images (each confirmed
/// on the page), force-complete a study in staging. Each is recorded in the audit trail with
/// who, from where and what, whether it worked or not. The same actions under /api/v1 answer
/// in JSON.
extension WebApp {
    enum Action: String, CaseIterable {
        case retry, release, drop

        var audit: AuditEntry.Action {
            switch self {
            case .retry: .retry
            case .release: .release
            case .drop: .drop
            }
        }
    }

    func addActionRoutes(_ router: Router<WebRequestContext>) {
        for action in Action.allCases {
            router.post("/series/:uid/\(action.rawValue)") { request, context -> Response in
                let uid = context.parameters.get("uid") ?? ""
                if action != .retry, context.form["confirm"] != "yes" {
                    return WebResponses.page(status: .badRequest, title: "Not confirmed", message: "Tick the confirmation box to \(action.rawValue) the held images.")
                }
                let project = Self.project(request)
                let page = project.map { Self.seriesLink(uid, project: $0) } ?? "/series/\(uid)"
                return respond(request, context, page: page) { try perform(action, uid: uid, project: project, context) }
            }
            router.post("/api/v1/series/:uid/\(action.rawValue)") { request, context -> Response in
                let uid = context.parameters.get("uid") ?? ""
                return respond(request, context, page: nil) { try perform(action, uid: uid, project: Self.project(request), context) }
            }
        }
        router.post("/staging/:name/complete") { request, context -> Response in
            let name = context.parameters.get("name") ?? ""
            return respond(request, context, page: "/staging") { try forceComplete(name, context) }
        }
        router.post("/api/v1/staging/:name/complete") { request, context -> Response in
            let name = context.parameters.get("name") ?? ""
            return respond(request, context, page: nil) { try forceComplete(name, context) }
        }
    }

    struct ActionResult: Encodable {
        let ok: Bool
        let message: String
    }

    /// Runs an action needing the operator role; a page goes back to `page` with the outcome, the
    /// API answers `{"ok": true, "message": …}` or a JSON error.
    private func respond(_ request: Request, _ context: WebRequestContext, page: String?, _ body: () throws -> String) -> Response {
        if let refused = refusal(.operator, request, context) { return refused }
        do {
            let message = try body()
            guard let page else { return WebResponses.json(ActionResult(ok: true, message: message)) }
            return WebResponses.html(Layout.page(frame(context, current: ""), title: "Done", """
                <p>\(message)</p><p><a href="\(page)">Back</a></p>
                """))
        } catch {
            let message = "\(error)"
            guard page != nil else { return WebResponses.jsonError(.conflict, message) }
            return WebResponses.page(status: .conflict, title: "Not done", message: message)
        }
    }

    /// `project`: the series of that project (nil: retry in every project holding the UID;
    /// release and drop refuse a UID held in several projects).
    private func perform(_ action: Action, uid: String, project: String?, _ context: WebRequestContext) throws -> String {
        let target = project.map { "\(uid) (project \($0))" } ?? uid
        do {
            let message = switch action {
            case .retry: try control.retry(seriesInstanceUID: uid, project: project)
            case .release: try control.release(seriesInstanceUID: uid, project: project, drop: false)
            case .drop: try control.release(seriesInstanceUID: uid, project: project, drop: true)
            }
            audit(context, action.audit, target: target, detail: message)
            return message
        } catch {
            audit(context, action.audit, target: target, detail: "refused: \(error)")
            throw error
        }
    }

    private func forceComplete(_ name: String, _ context: WebRequestContext) throws -> String {
        do {
            let message = try control.forceComplete(stagingFolder: name)
            audit(context, .forceComplete, target: name, detail: message)
            return message
        } catch {
            audit(context, .forceComplete, target: name, detail: "refused: \(error)")
            throw error
        }
    }
}

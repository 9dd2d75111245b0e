import Foundation
import Hummingbird
import HTTPTypes
import SenditIndex

/// Every request passes here first. It works out who is asking (a session cookie, an API
/// bearer token, or anyone when the lockdown is off), lets the few open paths through, sends
/// anyone else to the login page (or a 401 in JSON under /api/), and refuses a POST whose CSRF
/// token is missing or wrong. What each route needs beyond a login (a role) the route says.
struct AccessMiddleware: RouterMiddleware {
    typealias Context = WebRequestContext

    let configuration: WebConfiguration
    let access: any AccessStore
    let now: @Sendable () -> Date

    /// Paths anyone may open: the health checks, the login form and the shipped assets.
    static func isOpen(_ path: String, metricsPublic: Bool) -> Bool {
        path == "/healthz" || path == "/readyz" || path == "/login" || path.hasPrefix("/assets/")
            || (metricsPublic && path == "/metrics")
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request, context = context
        context.identity = try identify(request)
        let path = request.uri.path
        let isAPI = path.hasPrefix("/api/")
        if context.identity == nil && !Self.isOpen(path, metricsPublic: configuration.metricsPublic) {
            if isAPI { return WebResponses.jsonError(.unauthorized, "log in or give an API token (Authorization: Bearer …)") }
            return WebResponses.redirect(to: "/login?next=" + WebResponses.percentEncoded(Self.safeNext(request.uri.description)))
        }
        if request.method == .post {
            let body = try await request.collectBody(upTo: context.maxUploadSize)
            let contentType = request.headers[.contentType] ?? ""
            if contentType.hasPrefix("application/x-www-form-urlencoded") {
                context.form = Self.parseForm(String(buffer: body))
            }
            // A browser session must prove the POST came from our own page; an API token is
            // never sent by a browser on its own, so it needs no such proof. The login form is
            // checked against its pre-session token by its route.
            if case .session(_, let expected) = context.identity?.via, path != "/login" {
                let given = request.headers[HTTPField.Name("X-CSRF-Token")!] ?? context.form["csrf"] ?? ""
                guard Secrets.constantTimeEqual(given, expected) else {
                    return isAPI ? WebResponses.jsonError(.forbidden, "missing or wrong CSRF token")
                        : WebResponses.page(status: .forbidden, title: "Refused", message: "The form was stale or not ours (CSRF token). Go back, reload and try again.")
                }
            }
        }
        var response = try await next(request, context)
        WebResponses.secure(&response.headers, cacheable: path.hasPrefix("/assets/"))
        return response
    }

    private func identify(_ request: Request) throws -> WebIdentity? {
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
            let secret = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
            guard let token = try access.useToken(digest: Secrets.digest(secret), now: now()) else { return nil }
            return WebIdentity(name: token.name, role: token.role, via: .token)
        }
        if let id = request.cookies[SessionCookie.name]?.value, !id.isEmpty,
           let session = try access.resumeSession(digest: Secrets.digest(id), idle: configuration.sessionIdle, now: now()) {
            return WebIdentity(name: session.userName, role: session.role, via: .session(digest: session.digest, csrfToken: session.csrfToken))
        }
        if !configuration.lockdownEnabled {
            return WebIdentity(name: "anyone", role: configuration.lockdownRole, via: .lockdownOff)
        }
        return nil
    }

    /// Where to go after logging in: a path on this site only (never `//host` or a scheme).
    /// Browsers drop tabs and newlines from a URL and read `\` as `/`, so any control
    /// character or backslash anywhere refuses the target (`/\t/evil.example` would become
    /// `//evil.example`).
    static func safeNext(_ target: String) -> String {
        guard target.hasPrefix("/"), !target.hasPrefix("//"),
              !target.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || $0 == "\\" || $0.properties.isWhitespace })
        else { return "/" }
        return target
    }

    static func parseForm(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            guard let key = parts.first else { continue }
            out[decode(key)] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return out
    }
}

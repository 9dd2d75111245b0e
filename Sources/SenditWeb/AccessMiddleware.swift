import Foundation
import Hummingbird
import HTTPTypes
import SenditIndex

/// Every request passes here first. It works out who is asking (a session cookie, an API
/// bearer token, or anyone when the lockdown is off), lets the few open paths through, sends
/// anyone else to the login page (or a 401 in JSON under /api/), and refuses a POST whose CSRF
/// token is missing or wrong. What each route needs beyond a login (a role) the route says.
/// Before all that, a request addressed to a host name this node does not answer to
/// (`AllowedHosts`: DNS rebinding) gets 421. With the lockdown off a POST still proves it came
/// from our own page: the process's CSRF token the pages carry, or an Origin (or Referer)
/// naming the host it was sent to.
struct AccessMiddleware: RouterMiddleware {
    typealias Context = WebRequestContext

    let configuration: WebConfiguration
    let access: any AccessStore
    let now: @Sendable () -> Date
    let hosts: AllowedHosts
    /// The lockdown-off identity's CSRF token: random, for this process's life.
    let processToken: String

    /// Paths anyone may open: the health checks, the login form and the shipped assets.
    static func isOpen(_ path: String, metricsPublic: Bool) -> Bool {
        path == "/healthz" || path == "/readyz" || path == "/login" || path.hasPrefix("/assets/")
            || (metricsPublic && path == "/metrics")
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request, context = context
        let path = request.uri.path
        let isAPI = path.hasPrefix("/api/")
        // A second Host header arrives as a plain field (the first is the authority).
        guard hosts.allows(request.head.authority), request.headers[HTTPField.Name("Host")!] == nil else {
            return Self.misdirected(request.head.authority ?? "", isAPI: isAPI)
        }
        let forwarded = configuration.trustedProxies.client(peer: context.address, forwardedFor: request.headers[values: Self.forwardedFor],
                                                            forwardedProto: request.headers[values: Self.forwardedProto])
        context.address = forwarded.address
        context.secure = configuration.secureCookies || forwarded.https
        context.identity = try identify(request, address: context.address)
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
            let given = request.headers[HTTPField.Name("X-CSRF-Token")!] ?? context.form["csrf"] ?? ""
            let proven: Bool = switch context.identity?.via {
            case .session(_, let expected) where path != "/login": Secrets.constantTimeEqual(given, expected)
            case .lockdownOff(let expected) where path != "/login":
                Secrets.constantTimeEqual(given, expected) || Self.isSameOrigin(request)
            default: true
            }
            guard proven else {
                return isAPI ? WebResponses.jsonError(.forbidden, "missing or wrong CSRF token")
                    : WebResponses.page(status: .forbidden, title: "Refused", message: "The form was stale or not ours (CSRF token). Go back, reload and try again.")
            }
        }
        var response = try await next(request, context)
        WebResponses.secure(&response.headers, cacheable: path.hasPrefix("/assets/"))
        return response
    }

    private func identify(_ request: Request, address: String) throws -> WebIdentity? {
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
            let secret = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
            guard let token = try access.useToken(digest: Secrets.digest(secret), now: now()) else { return nil }
            return WebIdentity(name: token.name, role: token.role, via: .token)
        }
        if let id = request.cookies[SessionCookie.name]?.value, !id.isEmpty,
           let session = try access.resumeSession(digest: Secrets.digest(id), idle: configuration.sessionIdle, now: now(),
                                                  touch: request.uri.queryParameters[Substring(Layout.autoRefresh)] == nil),
           try stillGranted(session, address: address) {
            return WebIdentity(name: session.userName, role: session.role, via: .session(digest: session.digest, csrfToken: session.csrfToken))
        }
        if !configuration.lockdownEnabled {
            return WebIdentity(name: "anyone", role: configuration.lockdownRole, via: .lockdownOff(csrfToken: processToken))
        }
        return nil
    }

    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
    static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")!

    /// Whether the session's role is the one its user is granted now; if not (a role changed,
    /// the user removed, LOCKDOWN_ROLE or LOCKDOWN_PASSWORDS changed at a restart) the session
    /// ends here, recorded in the audit trail.
    private func stillGranted(_ session: WebSession, address: String) throws -> Bool {
        let granted = try grantedRole(session.userName)
        guard granted != session.role else { return true }
        let now = granted.map { "now \($0.rawValue)" } ?? "no longer a user"
        try access.endSession(digest: session.digest, audit: AuditEntry(
            at: self.now(), actor: "sendit", address: address, action: .logout, target: session.userName,
            detail: "session ended: it had the role \(session.role.rawValue), \(session.userName) is \(now)"))
        return false
    }

    /// The role `name` logs in with now: a user's own, else the shared login's while
    /// LOCKDOWN_PASSWORDS are set; nil when there is neither.
    private func grantedRole(_ name: String) throws -> AccessRole? {
        if let user = try access.user(named: name) { return user.role }
        if name == WebApp.sharedUser, !configuration.lockdownPasswords.isEmpty { return configuration.lockdownRole }
        return nil
    }

    /// The answer to a request for a host name this node does not answer to.
    static func misdirected(_ authority: String, isAPI: Bool) -> Response {
        let shown = String(authority.prefix(100))
        let message = "This node does not answer to the host name \"\(shown)\". If the name is this node's, add it to HTTP_ALLOWED_HOSTS."
        var response = isAPI ? WebResponses.jsonError(.misdirectedRequest, message)
            : WebResponses.page(status: .misdirectedRequest, title: "Wrong host name", message: message)
        WebResponses.secure(&response.headers, cacheable: false)
        return response
    }

    /// Whether the request's Origin (or, without one, its Referer) names the host it was sent
    /// to: the browser says the page that sent it was ours.
    static func isSameOrigin(_ request: Request) -> Bool {
        guard let authority = request.head.authority?.lowercased(), !authority.isEmpty else { return false }
        let claimed = request.headers[.origin] ?? request.headers[.referer] ?? ""
        for scheme in ["http://", "https://"] where claimed.lowercased().hasPrefix(scheme) {
            let rest = claimed.dropFirst(scheme.count)
            return rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }.lowercased() == authority
        }
        return false
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

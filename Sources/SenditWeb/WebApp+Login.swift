import Foundation
import Hummingbird
import HummingbirdBcrypt
import SenditIndex

/// Logging in and out. A login mints a new session id (a cookie set before it is never
/// adopted), checks the form's own CSRF token (double-submitted in a cookie), and counts
/// failures per address and per user (`LoginThrottle`). The shared LOCKDOWN_PASSWORDS log in as
/// the user `shared` with LOCKDOWN_ROLE.
extension WebApp {
    static let sharedUser = "shared"

    func addLoginRoutes(_ router: Router<WebRequestContext>) {
        router.get("/login") { request, context -> Response in
            if context.identity != nil { return WebResponses.redirect(to: "/") }
            return loginForm(next: request.uri.queryParameters["next"].map(String.init) ?? "/", message: nil, status: .ok, request, context)
        }
        router.post("/login") { request, context -> Response in
            try await login(request, context)
        }
        router.post("/logout") { _, context -> Response in
            if case .session(let digest, _) = context.identity?.via {
                try access.endSession(digest: digest, audit: AuditEntry(at: now(), actor: context.identity!.actor,
                                                                        address: context.address, action: .logout, target: context.identity!.name))
            }
            var response = WebResponses.redirect(to: "/login")
            response.setCookie(SessionCookie.cleared(SessionCookie.name, secure: context.secure))
            return response
        }
    }

    /// The login form and its CSRF cookie. A browser that already holds a well-formed login
    /// cookie keeps its token: a browser fetches more than the page (its favicon, a second tab),
    /// each redirected here, and a new token each time would make the form on screen stale.
    func loginForm(next: String, message: String?, status: HTTPResponse.Status, _ request: Request, _ context: WebRequestContext) -> Response {
        let held = request.cookies[SessionCookie.loginName]?.value ?? ""
        let token = Secrets.looksRandom(held) ? held : Secrets.random()
        let note: HTML = message.map { "<p class=\"error\" role=\"alert\">\($0)</p>" } ?? ""
        let banner: HTML = configuration.lockdownEnabled ? "" : "<p class=\"banner\">The lockdown is off.</p>"
        var response = WebResponses.html(Layout.bare(title: "Log in", body: """
            <main class="login"><h1>sendit</h1>\(banner)\(note)
            <form method="post" action="/login">
            <input type="hidden" name="csrf" value="\(token)"><input type="hidden" name="next" value="\(AccessMiddleware.safeNext(next))">
            <label>User <input name="user" autocomplete="username" required autofocus></label>
            <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
            <button type="submit">Log in</button></form></main>
            """), status: status)
        response.setCookie(SessionCookie.make(SessionCookie.loginName, value: token, secure: context.secure, maxAge: 3600))
        return response
    }

    private func login(_ request: Request, _ context: WebRequestContext) async throws -> Response {
        let form = context.form
        let next = AccessMiddleware.safeNext(form["next"] ?? "/")
        let user = String((form["user"] ?? "").prefix(64)), password = form["password"] ?? ""
        let expected = request.cookies[SessionCookie.loginName]?.value ?? ""
        guard !expected.isEmpty, Secrets.constantTimeEqual(form["csrf"] ?? "", expected) else {
            return loginForm(next: next, message: "The form was stale; try again.", status: .forbidden, request, context)
        }
        let at = now()
        func failed(_ detail: String, status: HTTPResponse.Status, message: String) -> Response {
            audit(context, .loginFailed, target: user, detail: detail)
            // The log names a user only if there is one: a name that is not may be a password
            // typed into the wrong field (the audit trail shows it to admins only).
            let known = user == Self.sharedUser || ((try? access.user(named: user)) ?? nil) != nil
            logger.notice("login failed", metadata: ["user": "\(known ? user : "(not a user)")", "address": "\(context.address)", "why": "\(detail)"])
            return loginForm(next: next, message: message, status: status, request, context)
        }
        if let until = throttle.blockedUntil(address: context.address, user: user, now: at) {
            // Refused before any password check, and recorded nowhere: a flood of blocked
            // attempts must not fill the audit trail, the log or the disk (the failures that
            // led here are recorded).
            let wait = Int(until.timeIntervalSince(at).rounded(.up))
            var response = loginForm(next: next, message: "Too many failed logins; try again in \(wait) s.", status: .tooManyRequests, request, context)
            response.headers[.retryAfter] = String(wait)
            return response
        }
        guard let role = try authenticate(user: user, password: password) else {
            throttle.recordFailure(address: context.address, user: user, now: at)
            return failed("wrong user or password", status: .unauthorized, message: "Wrong user or password.")
        }
        throttle.recordSuccess(user: user)
        // A new id at every login: a cookie planted before (session fixation) is never adopted.
        if case .session(let old, _) = context.identity?.via { try access.endSession(digest: old, audit: nil) }
        let id = Secrets.random()
        let session = WebSession(digest: Secrets.digest(id), userName: user, role: role, csrfToken: Secrets.random(),
                                 address: context.address, createdAt: at, lastSeenAt: at,
                                 expiresAt: at.addingTimeInterval(configuration.sessionLifetime))
        try access.startSession(session, audit: AuditEntry(at: at, actor: user, address: context.address, action: .login, target: user,
                                                          detail: role.rawValue))
        var response = WebResponses.redirect(to: next)
        response.setCookie(SessionCookie.make(SessionCookie.name, value: id, secure: context.secure))
        response.setCookie(SessionCookie.cleared(SessionCookie.loginName, secure: context.secure))
        return response
    }

    /// The role this user and password log in with, or nil. Always one bcrypt check, so the
    /// time does not tell whether a user exists.
    func authenticate(user: String, password: String) throws -> AccessRole? {
        if let stored = try access.user(named: user) {
            return Secrets.verifyPassword(password, hash: stored.passwordHash) ? stored.role : nil
        }
        _ = Secrets.verifyPassword(password, hash: Self.dummyHash)
        if user == Self.sharedUser, configuration.lockdownPasswords.contains(where: { Secrets.constantTimeEqual($0, password) }) {
            return configuration.lockdownRole
        }
        return nil
    }

    /// A bcrypt hash of a random secret nobody knows, checked when the user does not exist.
    static let dummyHash = Bcrypt.hash(Secrets.random(), cost: Secrets.bcryptCost)
}

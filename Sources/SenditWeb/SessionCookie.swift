import Foundation
import Hummingbird

/// The session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's page
/// sends it), Secure under HTTPS, path /, no Max-Age (it ends with the browser or the session,
/// whichever is first).
enum SessionCookie {
    static let name = "sendit_session"
    /// The login form's own CSRF token, before there is a session.
    static let loginName = "sendit_login"

    static func make(_ name: String, value: String, secure: Bool, maxAge: Int? = nil) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: secure, httpOnly: true, sameSite: .strict)
    }

    static func cleared(_ name: String, secure: Bool) -> Cookie {
        Cookie(name: name, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .strict)
    }
}

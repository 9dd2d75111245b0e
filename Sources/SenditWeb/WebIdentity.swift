import SenditIndex

/// Who is asking: a logged-in user (session), an API token, or anyone when the lockdown is off.
public struct WebIdentity: Sendable, Equatable {
    public enum Via: Sendable, Equatable {
        /// A browser session: its digest (to end it) and the CSRF token its POSTs must carry.
        case session(digest: String, csrfToken: String)
        case token
        /// The lockdown is off: anyone, whose POSTs carry this process's CSRF token (or an
        /// Origin naming this host).
        case lockdownOff(csrfToken: String)
    }

    public var name: String
    public var role: AccessRole
    public var via: Via

    /// How the audit trail names the actor.
    public var actor: String {
        switch via {
        case .token: "token:" + name
        case .session, .lockdownOff: name
        }
    }

    public var csrfToken: String? {
        switch via {
        case .session(_, let token), .lockdownOff(let token): token
        case .token: nil
        }
    }
}

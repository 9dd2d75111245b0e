/// What a web user or API token may do (docs/operations.md, users): a `viewer` reads, an
/// `operator` also retries, releases, drops and force-completes, an `admin` does everything
/// (users, tokens, the settings page, original values when SHOW_PHI is on).
public enum AccessRole: String, CaseIterable, Codable, Sendable, Comparable {
    case viewer
    case `operator`
    case admin

    private var rank: Int {
        switch self {
        case .viewer: 0
        case .operator: 1
        case .admin: 2
        }
    }

    public static func < (a: AccessRole, b: AccessRole) -> Bool { a.rank < b.rank }

    /// Whether this role includes what `required` may do.
    public func allows(_ required: AccessRole) -> Bool { self >= required }
}

import SenditIndex

/// The audit trail as a reader may see it. A failed login's target is the user name as typed,
/// and people type passwords into the user field: only admins see it; everyone else sees
/// "(hidden)". (`sendit report` exports the trail unchanged: whoever runs it holds the index.)
enum AuditView {
    static let hidden = "(hidden)"

    static func shown(_ entries: [AuditEntry], to role: AccessRole) -> [AuditEntry] {
        guard role != .admin else { return entries }
        return entries.map { entry in
            var entry = entry
            if entry.action == .loginFailed { entry.target = hidden }
            return entry
        }
    }
}

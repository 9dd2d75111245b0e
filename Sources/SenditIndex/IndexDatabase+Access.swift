import Foundation
internal import GRDB

/// Users, tokens, sessions and the audit trail (`AccessStore`), each method one transaction.
extension IndexDatabase: AccessStore {
    // MARK: users

    public func addUser(_ user: WebUser, audit: AuditEntry) throws {
        try writer.write { db in
            guard try Row.fetchOne(db, sql: "SELECT 1 FROM webUser WHERE name = ?", arguments: [user.name]) == nil else {
                throw AccessError.exists(user.name)
            }
            try db.execute(sql: """
                INSERT INTO webUser (name, role, passwordHash, createdAt, updatedAt) VALUES (?, ?, ?, ?, ?)
                """, arguments: [user.name, user.role.rawValue, user.passwordHash, user.createdAt, user.updatedAt])
            try insertAudit(db, audit)
        }
    }

    public func users() throws -> [WebUser] {
        try writer.read { db in try Row.fetchAll(db, sql: "SELECT * FROM webUser ORDER BY name").compactMap(webUser) }
    }

    public func user(named name: String) throws -> WebUser? {
        try writer.read { db in try Row.fetchOne(db, sql: "SELECT * FROM webUser WHERE name = ?", arguments: [name]).flatMap(webUser) }
    }

    public func removeUser(named name: String, audit: AuditEntry) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM webUser WHERE name = ?", arguments: [name])
            guard db.changesCount > 0 else { return false }
            try db.execute(sql: "DELETE FROM webSession WHERE userName = ?", arguments: [name])
            try insertAudit(db, audit)
            return true
        }
    }

    public func changePassword(user name: String, passwordHash: String, now: Date, audit: AuditEntry) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: "UPDATE webUser SET passwordHash = ?, updatedAt = ? WHERE name = ?", arguments: [passwordHash, now, name])
            guard db.changesCount > 0 else { return false }
            try db.execute(sql: "DELETE FROM webSession WHERE userName = ?", arguments: [name])
            try insertAudit(db, audit)
            return true
        }
    }

    private func webUser(_ row: Row) -> WebUser? {
        guard let role = AccessRole(rawValue: row["role"]) else { return nil }
        return WebUser(name: row["name"], role: role, passwordHash: row["passwordHash"], createdAt: row["createdAt"],
                       updatedAt: row["updatedAt"])
    }

    // MARK: API tokens

    public func addToken(_ token: APIToken, audit: AuditEntry) throws {
        try writer.write { db in
            guard try Row.fetchOne(db, sql: "SELECT 1 FROM apiToken WHERE name = ?", arguments: [token.name]) == nil else {
                throw AccessError.exists(token.name)
            }
            try db.execute(sql: "INSERT INTO apiToken (name, role, digest, createdAt, lastUsedAt) VALUES (?, ?, ?, ?, ?)",
                           arguments: [token.name, token.role.rawValue, token.digest, token.createdAt, token.lastUsedAt])
            try insertAudit(db, audit)
        }
    }

    public func tokens() throws -> [APIToken] {
        try writer.read { db in try Row.fetchAll(db, sql: "SELECT * FROM apiToken ORDER BY name").compactMap(apiToken) }
    }

    public func useToken(digest: String, now: Date) throws -> APIToken? {
        // A read first: every API request asks, and a write would queue it behind the pipeline's
        // write transactions; the write comes at most once a minute per token.
        guard var token = try writer.read({ db in
            try Row.fetchOne(db, sql: "SELECT * FROM apiToken WHERE digest = ?", arguments: [digest]).flatMap(apiToken)
        }) else { return nil }
        if token.lastUsedAt.map({ now.timeIntervalSince($0) >= 60 }) ?? true {
            let still = try writer.write { db in
                try db.execute(sql: "UPDATE apiToken SET lastUsedAt = ? WHERE name = ? AND digest = ?", arguments: [now, token.name, digest])
                return db.changesCount == 1
            }
            guard still else { return nil }   // removed meanwhile
            token.lastUsedAt = now
        }
        return token
    }

    public func removeToken(named name: String, audit: AuditEntry) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM apiToken WHERE name = ?", arguments: [name])
            guard db.changesCount > 0 else { return false }
            try insertAudit(db, audit)
            return true
        }
    }

    private func apiToken(_ row: Row) -> APIToken? {
        guard let role = AccessRole(rawValue: row["role"]) else { return nil }
        return APIToken(name: row["name"], role: role, digest: row["digest"], createdAt: row["createdAt"], lastUsedAt: row["lastUsedAt"])
    }

    // MARK: sessions

    public func startSession(_ session: WebSession, audit: AuditEntry) throws {
        try writer.write { db in
            // Sessions that ended long ago go at each login, so the table stays small.
            try db.execute(sql: "DELETE FROM webSession WHERE expiresAt < ?", arguments: [session.createdAt])
            try db.execute(sql: """
                INSERT INTO webSession (digest, userName, role, csrfToken, address, createdAt, lastSeenAt, expiresAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [session.digest, session.userName, session.role.rawValue, session.csrfToken, session.address,
                                 session.createdAt, session.lastSeenAt, session.expiresAt])
            try insertAudit(db, audit)
        }
    }

    public func resumeSession(digest: String, idle: TimeInterval, now: Date, touch: Bool) throws -> WebSession? {
        // A read first, as for tokens: a page view writes only when the idle clock moves (every
        // few seconds per session) or the session ended.
        guard let row = try writer.read({ db in try Row.fetchOne(db, sql: "SELECT * FROM webSession WHERE digest = ?", arguments: [digest]) }),
              let role = AccessRole(rawValue: row["role"]) else { return nil }
        var session = WebSession(digest: row["digest"], userName: row["userName"], role: role, csrfToken: row["csrfToken"],
                                 address: row["address"], createdAt: row["createdAt"], lastSeenAt: row["lastSeenAt"],
                                 expiresAt: row["expiresAt"])
        guard now < session.expiresAt, now.timeIntervalSince(session.lastSeenAt) < idle else {
            try writer.write { db in try db.execute(sql: "DELETE FROM webSession WHERE digest = ?", arguments: [digest]) }
            return nil
        }
        // The idle clock is kept to the second: one write per session per few seconds.
        if touch, now.timeIntervalSince(session.lastSeenAt) >= 5 {
            let still = try writer.write { db in
                try db.execute(sql: "UPDATE webSession SET lastSeenAt = ? WHERE digest = ?", arguments: [now, digest])
                return db.changesCount == 1
            }
            guard still else { return nil }   // ended meanwhile (logout, password change)
            session.lastSeenAt = now
        }
        return session
    }

    public func endSession(digest: String, audit: AuditEntry?) throws {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM webSession WHERE digest = ?", arguments: [digest])
            if db.changesCount > 0, let audit { try insertAudit(db, audit) }
        }
    }

    // MARK: the audit trail

    public func recordAudit(_ entry: AuditEntry) throws {
        try writer.write { db in try insertAudit(db, entry) }
    }

    public func auditTrail(limit: Int, before: Int64?, since: Date?) throws -> [AuditEntry] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM audit WHERE id < ? AND at >= ? ORDER BY id DESC LIMIT ?
                """, arguments: [before ?? Int64.max, since ?? Date.distantPast, limit]).compactMap { row in
                guard let action = AuditEntry.Action(rawValue: row["action"]) else { return nil }
                return AuditEntry(id: row["id"], at: row["at"], actor: row["actor"], address: row["address"], action: action,
                                  target: row["target"], detail: row["detail"])
            }
        }
    }

    func insertAudit(_ db: Database, _ entry: AuditEntry) throws {
        try db.execute(sql: "INSERT INTO audit (at, actor, address, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [entry.at, entry.actor, entry.address, entry.action.rawValue, entry.target, entry.detail])
    }
}

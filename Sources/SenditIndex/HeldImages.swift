import Foundation
internal import GRDB

/// What a person does with HELD images (`sendit release`): release them, or drop them (FAILED,
/// never sent). One transaction.
///
/// An image is HELD for one of two reasons, and release undoes only that one:
/// - a burned-in rule held it (de-identify stage): released, it is de-identified with the rules
///   skipped for it (the PHI gate still checks);
/// - its study was seen with another patient (identify stage, `identityHold`): released, it goes
///   back to NEW and is identified as its own patient, never with the other patient's
///   identifiers; the burned-in rules still apply to it. An image whose very series already has
///   another patient's identifiers cannot be given its own (one series, one set of
///   identifiers): it is refused, and may only be dropped.
public enum HeldImages {
    public struct Outcome: Sendable {
        public var images = 0
        public var seriesQueued = 0
        /// UIDs that named no HELD image.
        public var unmatched: [String] = []
        /// HELD images that cannot be released, each with why (SOPInstanceUID: reason).
        public var refused: [String] = []
    }

    /// `project`: only that project's images (nil: the one project holding them; a UID held in
    /// several projects is refused, naming them).
    public static func release(_ database: any IndexStore, uids: [String], project: String? = nil, drop: Bool, reason: String,
                               maxAttempts: Int, now: Date = Date()) throws -> Outcome {
        try database.releaseHeld(uids: uids, project: project, drop: drop, reason: reason, maxAttempts: maxAttempts, now: now)
    }

    /// `uids`: SOPInstanceUIDs or SeriesInstanceUIDs.
    static func releaseSQLite(_ database: IndexDatabase, uids: [String], project: String?, drop: Bool, reason: String,
                               maxAttempts: Int, now: Date = Date()) throws -> Outcome {
        try database.writer.write { db in
            var outcome = Outcome()
            var toDeidentify = Set<Int64>(), toIdentify = Set<Int64>()
            for uid in uids {
                let rows = try Row.fetchAll(db, sql: """
                    SELECT i.id, i.seriesId, i.sopInstanceUID, h.kind, s.project FROM image AS i JOIN series AS s ON s.id = i.seriesId
                    LEFT JOIN identityHold AS h ON h.imageId = i.id AND h.releasedAt IS NULL
                    WHERE i.status = \(ImageStatus.held.sql) AND (i.sopInstanceUID = ?1 OR s.seriesInstanceUID = ?1)
                    AND (?2 IS NULL OR s.project = ?2)
                    """, arguments: [uid, project])
                if rows.isEmpty { outcome.unmatched.append(uid) }
                // Held in several projects and none named: each project's images are looked at
                // (and released) for that project; nothing is done until one is named.
                let projects = Set(rows.map { $0[4] as String })
                if project == nil && projects.count > 1 {
                    outcome.refused.append("\(uid): held in projects \(projects.sorted().joined(separator: ", ")); name one (--project, or ?project= on the web)")
                    continue
                }
                for row in rows {
                    let id: Int64 = row[0], seriesId: Int64 = row[1], sop: String = row[2], identityKind: String? = row[3]
                    if drop {
                        try ImageTransition.moveImage(db, imageId: id, from: .held, to: .failed, reason: "dropped by hand: \(reason)", at: now)
                    } else if identityKind == IdentityHold.Kind.series.rawValue {
                        outcome.refused.append("\(sop): its series already has the identifiers of another patient; "
                                               + "it cannot be given its own (drop it with --drop, or have it sent again under a SeriesInstanceUID of its own)")
                        continue
                    } else if identityKind != nil {
                        try db.execute(sql: "UPDATE identityHold SET releasedAt = ? WHERE imageId = ?", arguments: [now, id])
                        try ImageTransition.moveImage(db, imageId: id, from: .held, to: .new,
                                                      reason: "released by hand: \(reason) (to be identified as its own patient)", at: now)
                        toIdentify.insert(seriesId)
                    } else {
                        try db.execute(sql: "INSERT OR REPLACE INTO released (imageId, reason, at) VALUES (?, ?, ?)", arguments: [id, reason, now])
                        try ImageTransition.moveImage(db, imageId: id, from: .held, to: .processing, reason: "released by hand: \(reason)", at: now)
                        toDeidentify.insert(seriesId)
                    }
                    outcome.images += 1
                }
            }
            for id in toIdentify.sorted() {
                try SQLiteJobQueue.enqueue(db, seriesId: id, stage: "identify", maxAttempts: maxAttempts, now: now,
                                     reason: "images held for another patient's study released")
            }
            for id in toDeidentify.sorted() {
                try SQLiteJobQueue.enqueue(db, seriesId: id, stage: "deidentify", maxAttempts: maxAttempts, now: now, reason: "held images released")
            }
            outcome.seriesQueued = toIdentify.union(toDeidentify).count
            return outcome
        }
    }
}

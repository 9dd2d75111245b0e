import Foundation
internal import GRDB

/// Why images are held for their patient (`identityHold.kind`): their study was seen with
/// another patient (a person may release them to be identified as their own patient), or their
/// very series already has another patient's identifiers (they may only be dropped).
public enum IdentityHold {
    public enum Kind: String, Sendable { case study, series }
}

/// A series' identifiers as the identify stage stored them (`seriesIdentifiers`), with the
/// keyed digest of the patient they were given for (nil: given by a sendit before v5-identity).
public struct SeriesIdentifiers: Sendable, Equatable {
    public let seriesId: Int64
    public let json: String
    public var patientDigest: String?

    public init(seriesId: Int64, json: String, patientDigest: String?) {
        self.seriesId = seriesId
        self.json = json
        self.patientDigest = patientDigest
    }
}

/// A code recorded against the keyed digest of its original (see `IdentifierCodes`).
public struct IdentifierClaim: Sendable {
    public let kind: IdentifierCodes.Kind
    public let code: String
    public let original: String

    public init(_ kind: IdentifierCodes.Kind, code: String, original: String) {
        self.kind = kind
        self.code = code
        self.original = original
    }
}

/// What identifying a series starts from: one of its PROCESSING images (nil: none left),
/// its study's StudyInstanceUID, and the identifiers of every series of its study (its own
/// included), oldest first.
public struct IdentifyInput: Sendable {
    public let samplePath: String?
    public let studyInstanceUID: String
    public let studyIdentifiers: [SeriesIdentifiers]

    public init(samplePath: String?, studyInstanceUID: String, studyIdentifiers: [SeriesIdentifiers]) {
        self.samplePath = samplePath
        self.studyInstanceUID = studyInstanceUID
        self.studyIdentifiers = studyIdentifiers
    }
}

/// The identify stage's reads and writes, each one transaction.
extension IndexDatabase {
    /// The row id of the series' study.
    public func studyId(ofSeries seriesId: Int64) throws -> Int64? {
        try writer.read { db in try Int64.fetchOne(db, sql: "SELECT studyId FROM series WHERE id = ?", arguments: [seriesId]) }
    }

    public func identifyInput(seriesId: Int64) throws -> IdentifyInput {
        try writer.read { db in
            IdentifyInput(
                samplePath: try String.fetchOne(db, sql: """
                    SELECT path FROM image WHERE seriesId = ? AND status = \(ImageStatus.processing.sql) ORDER BY id LIMIT 1
                    """, arguments: [seriesId]),
                studyInstanceUID: try String.fetchOne(db, sql: """
                    SELECT st.studyInstanceUID FROM study AS st JOIN series AS s ON s.studyId = st.id WHERE s.id = ?
                    """, arguments: [seriesId]) ?? "?",
                studyIdentifiers: try Row.fetchAll(db, sql: """
                    SELECT si.seriesId, si.json, si.patientDigest FROM seriesIdentifiers AS si JOIN series AS s ON s.id = si.seriesId
                    WHERE s.studyId = (SELECT studyId FROM series WHERE id = ?) ORDER BY si.createdAt, si.seriesId
                    """, arguments: [seriesId]).map { SeriesIdentifiers(seriesId: $0[0], json: $0[1], patientDigest: $0[2]) })
        }
    }

    /// Whether a person released the series' images held because their study was seen with
    /// another patient, for this patient (keyed digest).
    public func identityReleased(seriesId: Int64, patientDigest: String) throws -> Bool {
        try writer.read { db in
            try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM identityHold AS h JOIN image AS i ON i.id = h.imageId
                WHERE i.seriesId = ? AND h.patientDigest = ? AND h.kind = ? AND h.releasedAt IS NOT NULL)
                """, arguments: [seriesId, patientDigest, IdentityHold.Kind.study.rawValue]) ?? false
        }
    }

    /// Stores a series' identifiers (unless it has some), recording new codes against their
    /// originals first. Throws `IdentifierCodes.Refusal`, storing nothing, when another original
    /// holds a code.
    public func storeIdentifiers(seriesId: Int64, json: String, patientDigest: String, claims: [IdentifierClaim],
                                 reason: String, now: Date) throws {
        try writer.write { db in
            for claim in claims {
                try IdentifierCodes.claim(db, kind: claim.kind, code: claim.code, original: claim.original, at: now)
            }
            try db.execute(sql: "INSERT OR IGNORE INTO seriesIdentifiers (seriesId, json, createdAt, patientDigest) VALUES (?, ?, ?, ?)",
                           arguments: [seriesId, json, now, patientDigest])
            try EventRecord(entity: "series", entityId: seriesId, from: nil, to: "IDENTIFIED", reason: reason, at: now).insert(db)
        }
    }

    /// Holds the series' PROCESSING images for a person, recording the patient they are of.
    @discardableResult
    public func holdForIdentity(seriesId: Int64, kind: IdentityHold.Kind, patientDigest: String, reason: String,
                                now: Date) throws -> Int {
        try writer.write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO identityHold (imageId, patientDigest, kind, heldAt, releasedAt)
                SELECT id, ?, ?, ?, NULL FROM image WHERE seriesId = ? AND status = \(ImageStatus.processing.sql)
                """, arguments: [patientDigest, kind.rawValue, now, seriesId])
            let held = try ImageTransition.move(db, seriesId: seriesId, from: [.processing], to: .held, reason: reason, at: now)
            try EventRecord(entity: "series", entityId: seriesId, from: nil, to: ImageStatus.held.rawValue, reason: reason, at: now).insert(db)
            return held
        }
    }

    /// Records the patient of identifiers an earlier sendit gave (a row without a digest), and
    /// their codes against their originals. Throws `IdentifierCodes.Refusal` as `storeIdentifiers`.
    public func adoptIdentifiers(seriesId: Int64, patientDigest: String, claims: [IdentifierClaim], now: Date) throws {
        try writer.write { db in
            for claim in claims {
                try IdentifierCodes.claim(db, kind: claim.kind, code: claim.code, original: claim.original, at: now)
            }
            try db.execute(sql: "UPDATE seriesIdentifiers SET patientDigest = ? WHERE seriesId = ? AND patientDigest IS NULL",
                           arguments: [patientDigest, seriesId])
        }
    }

    /// The paths of the series' first images (by row id).
    public func imagePaths(seriesId: Int64, limit: Int) throws -> [String] {
        try writer.read { db in
            try String.fetchAll(db, sql: "SELECT path FROM image WHERE seriesId = ? ORDER BY id LIMIT ?", arguments: [seriesId, limit])
        }
    }
}

import Foundation
internal import GRDB

/// The `identifierCode` table: every patient and study code sendit gave, with the keyed digest
/// of the original it stands for (never the original). A code that another original already
/// holds is refused: at 75 bits (the local pseudonymizer's codes) that cannot happen by chance,
/// so it means a bug or an identifiers service that merges patients or studies. Rows outlive
/// clean-up, so a code stays unique for as long as the index lives.
public enum IdentifierCodes {
    public enum Kind: String, Sendable { case patient, study }

    /// Two originals wanted one code.
    public struct Refusal: Error, CustomStringConvertible {
        public let kind: Kind
        public let code: String
        public var description: String {
            "\(kind.rawValue) code \(code) was already given to another \(kind.rawValue); two originals never share a code "
                + "(a bug, or an identifiers service that merges them): refused"
        }
    }

    /// Records, inside the caller's transaction, that `code` stands for `original` (a keyed
    /// digest); the same original again is a no-op. Throws `Refusal` when another original
    /// holds the code.
    ///
    /// `sharedOnPurpose` is the hook for a lookup table (a later issue) that maps several
    /// originals to one code on purpose (one patient known under two IDs): its codes are let
    /// through, not recorded. Nothing passes true today.
    static func claim(_ db: Database, kind: Kind, code: String, original: String, at: Date,
                             sharedOnPurpose: Bool = false) throws {
        if sharedOnPurpose { return }
        try db.execute(sql: "INSERT OR IGNORE INTO identifierCode (kind, code, originalDigest, createdAt) VALUES (?, ?, ?, ?)",
                       arguments: [kind.rawValue, code, original, at])
        let holder = try String.fetchOne(db, sql: "SELECT originalDigest FROM identifierCode WHERE kind = ? AND code = ?",
                                         arguments: [kind.rawValue, code])
        if holder != original { throw Refusal(kind: kind, code: code) }
    }
}

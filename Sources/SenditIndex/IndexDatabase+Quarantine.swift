import Foundation
internal import GRDB

/// The quarantine's rows: recorded (with `moved` false) before the file is moved, marked once
/// it was. Each public method one transaction.
extension IndexDatabase {
    /// Records a file to quarantine, inside the caller's transaction (an import's: see
    /// `recordImport`). Returns nil, recording nothing, if the file is gone (another importer
    /// moved it) or already has a row that is pending or left it in place.
    func recordQuarantine(_ db: Database, path: String, reason: String, placement: QuarantinePlacement, now: Date) throws -> QuarantineRecord? {
        let source = path as NSString
        let fileName = source.lastPathComponent
        let parent = source.deletingLastPathComponent
        guard placement.exists(path) else { return nil }
        let known = try QuarantineRecord.filter(Column("folder") == parent && Column("fileName") == fileName
                                                && (Column("moved") == false || Column("movedTo") == "")).fetchCount(db)
        guard known == 0 else { return nil }
        var row = QuarantineRecord(fileName: fileName, folder: parent, movedTo: "", reason: reason, moved: false, at: now)
        try row.insert(db)
        row.movedTo = placement.target(row.id ?? 0, fileName)
        try row.update(db)
        try EventRecord(entity: "quarantine", entityId: row.id, from: nil, to: ImageStatus.quarantined.rawValue,
                        reason: "\(path): \(reason)", at: now).insert(db)
        return row
    }

    /// The rows whose file is not moved yet.
    public func pendingQuarantineMoves() throws -> [QuarantineRecord] {
        try writer.read { db in try QuarantineRecord.filter(Column("moved") == false).fetchAll(db) }
    }

    /// Marks a row's move done: `movedTo` where the file went (empty: left in place, `reason`
    /// then says why).
    public func finishQuarantineMove(id: Int64?, movedTo: String, reason: String) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE quarantine SET moved = 1, movedTo = ?, reason = ? WHERE id = ?", arguments: [movedTo, reason, id])
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
import CSystem
import Foundation
import GRDB

/// The quarantine folder: files that could not be imported, each moved to `<folder>/<row
/// id>-<file name>` with a `quarantine` row saying where it came from and why. The row is
/// committed first (with `moved` false), then the file is moved and the row marked; start-up
/// finishes moves a kill interrupted. So a quarantined file always has its row, and a file is
/// never quarantined twice.
public struct Quarantine: Sendable {
    public let folder: String

    public init(folder: String) throws {
        self.folder = folder
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    /// Records a file to quarantine, inside the caller's transaction, unless a move of the same
    /// file is already pending. Returns the row.
    @discardableResult
    public func record(_ db: Database, path: String, reason: String, now: Date) throws -> QuarantineRecord {
        let source = path as NSString
        let fileName = source.lastPathComponent
        let parent = source.deletingLastPathComponent
        if let pending = try QuarantineRecord.filter(Column("folder") == parent && Column("fileName") == fileName
                                                      && Column("moved") == false).fetchOne(db) {
            return pending
        }
        var row = QuarantineRecord(fileName: fileName, folder: parent, movedTo: "", reason: reason, moved: false, at: now)
        try row.insert(db)
        let id = row.id ?? 0
        row.movedTo = folder + "/\(id)-" + String(decoding: fileName.utf8.prefix(200), as: UTF8.self)
        try row.update(db)
        try EventRecord(entity: "quarantine", entityId: row.id, from: nil, to: ImageStatus.quarantined.rawValue,
                        reason: "\(path): \(reason)", at: now).insert(db)
        return row
    }

    /// Carries out the pending moves (after the import committed, or at start-up). A source that
    /// is gone was moved before a kill; the row is marked either way. Returns how many moved.
    @discardableResult
    public func finishPendingMoves(_ database: IndexDatabase) throws -> Int {
        let pending = try database.writer.read { db in
            try QuarantineRecord.filter(Column("moved") == false).fetchAll(db)
        }
        var moved = 0
        for row in pending {
            if FileIdentity(path: row.sourcePath) != nil {
                try Quarantine.move(row.sourcePath, to: row.movedTo)
                moved += 1
            }
            try database.writer.write { db in
                try db.execute(sql: "UPDATE quarantine SET moved = 1 WHERE id = ?", arguments: [row.id])
            }
        }
        return moved
    }

    /// rename(2); across file systems, copy, sync and unlink. Never replaces an existing file.
    static func move(_ from: String, to: String) throws {
        if sendit_rename_noreplace(from, to) == 0 { return }
        let e = errno
        guard e == EXDEV || e == EINVAL || e == ENOSYS else {
            throw QuarantineError(message: "cannot move \(from) to \(to): \(String(cString: strerror(e)))")
        }
        if FileIdentity(path: to) != nil {
            throw QuarantineError(message: "cannot move \(from) to \(to): the target exists")
        }
        let source = URL(fileURLWithPath: from), target = URL(fileURLWithPath: to)
        try FileManager.default.copyItem(at: source, to: target)
        let fd = open(to, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
        try FileManager.default.removeItem(at: source)
    }
}

public struct QuarantineError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

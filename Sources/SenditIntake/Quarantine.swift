#if canImport(Glibc)
import Glibc
#endif
import CSenditSystem
import Foundation
import SenditIndex

/// The quarantine folder: files that could not be imported, each moved to `<folder>/<row
/// id>-<file name>` with a `quarantine` row saying where it came from and why. The row is
/// committed first (with `moved` false), then the file is moved and the row marked; start-up
/// finishes moves a kill interrupted. So a quarantined file always has its row, and a file is
/// never quarantined twice. A file that cannot be moved (a read-only source, say) stays where
/// it is; its row says so, and it is not recorded again.
public struct Quarantine: Sendable {
    public let folder: String

    public init(folder: String) throws {
        self.folder = folder
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    /// The quarantine folder's rules, as the index applies them while it records a row.
    public var placement: QuarantinePlacement {
        QuarantinePlacement(exists: { FileIdentity(path: $0) != nil }, target: { [self] id, name in target(id: id, fileName: name) })
    }

    func target(id: Int64, fileName: String, attempt: Int = 1) -> String {
        folder + "/\(id)" + (attempt > 1 ? "-\(attempt)" : "") + "-" + String(decoding: fileName.utf8.prefix(200), as: UTF8.self)
    }

    /// What finishing the pending moves did.
    public struct MoveReport: Sendable {
        public var moved = 0
        /// Files left where they are, with why (their rows say so too).
        public var leftInPlace: [String] = []
    }

    /// Carries out the pending moves (after the import committed, or at start-up), one row at a
    /// time: a problem with one file never stops the others. A source that is gone was moved
    /// before a kill. A taken target name gets another. A source that cannot be moved stays
    /// where it is: its row gets an empty `movedTo` and the reason.
    @discardableResult
    public func finishPendingMoves(_ database: any IndexStore) -> MoveReport {
        var report = MoveReport()
        guard let pending = try? database.pendingQuarantineMoves()
        else { return report }
        for var row in pending {
            var note: String? = nil
            if FileIdentity(path: row.sourcePath) != nil {
                var attempt = 1
                while true {
                    do {
                        try Quarantine.move(row.sourcePath, to: row.movedTo)
                        report.moved += 1
                    } catch let error as QuarantineError where error.code == EEXIST && attempt < 100 {
                        attempt += 1
                        row.movedTo = target(id: row.id ?? 0, fileName: row.fileName, attempt: attempt)
                        continue
                    } catch {
                        note = "\(error)"
                    }
                    break
                }
            }
            let movedTo = note == nil ? row.movedTo : ""
            let reason = note.map { row.reason + " (left in place: \($0))" } ?? row.reason
            if let note { report.leftInPlace.append("\(row.sourcePath): \(note)") }
            try? database.finishQuarantineMove(id: row.id, movedTo: movedTo, reason: reason)
        }
        return report
    }

    /// rename(2), never replacing a file. Across file systems: a copy under a temporary name
    /// in the quarantine folder, synced, renamed into place, then the source removed.
    static func move(_ from: String, to: String) throws {
        if sendit_rename_noreplace(from, to) == 0 { return }
        let e = errno
        guard e == EXDEV || e == EINVAL || e == ENOSYS else { throw QuarantineError(code: e, from: from, to: to) }
        if FileIdentity(path: to) != nil { throw QuarantineError(code: EEXIST, from: from, to: to) }
        if e != EXDEV, rename(from, to) == 0 { return }   // a file system without RENAME_NOREPLACE
        let temporary = to + ".part"
        unlink(temporary)
        do {
            try FileManager.default.copyItem(atPath: from, toPath: temporary)
        } catch {
            unlink(temporary)
            throw QuarantineError(code: EIO, from: from, to: to, detail: "\(error.localizedDescription)")
        }
        let fd = open(temporary, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
        guard rename(temporary, to) == 0 else { throw QuarantineError(code: errno, from: from, to: to) }
        guard unlink(from) == 0 else { throw QuarantineError(code: errno, from: from, to: to, detail: "copied, but the source cannot be removed") }
    }
}

public struct QuarantineError: Error, CustomStringConvertible {
    public let code: Int32
    public let message: String

    public init(message: String) {
        code = 0
        self.message = message
    }

    init(code: Int32, from: String, to: String, detail: String? = nil) {
        self.code = code
        message = "cannot move \(from) to \(to): " + (detail ?? String(cString: strerror(code)))
    }

    public var description: String { message }
}

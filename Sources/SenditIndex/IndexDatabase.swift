#if canImport(Glibc)
import Glibc
#endif
import Foundation
internal import GRDB
import Synchronization

/// The SQLite index (one file, WAL): studies, series, images with their statuses, the job
/// queue, the events that record every status change, the quarantine, and the other copies of
/// imported instances (duplicates and superseded files, which clean-up must remove too: they
/// hold the same PHI). Migrations are named
/// and frozen: a released one is never edited; a change is a new migration.
public final class IndexDatabase: IndexStore {
    /// The database handle: only this module reads and writes it, each intent one transaction.
    let writer: DatabasePool
    public let path: String

    public init(path: String) throws {
        self.path = path
        Self.createPrivately(path)
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        // A commit is on disk when it returns, power failure included (WAL's default, NORMAL,
        // may lose the last commits): a quarantine row must not be lost after its file moved.
        // secure_delete FAST: a row's old bytes are zeroed in its page when it is changed or
        // deleted (no extra I/O), so a value taken out of a row does not linger beside it.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL; PRAGMA secure_delete = FAST") }
        writer = try DatabasePool(path: path, configuration: configuration)
        let applied = try writer.read { try IndexDatabase.migrator.appliedIdentifiers($0) }
        try IndexDatabase.migrator.migrate(writer)
        // The pages "v11-identifiers-coded" rewrote replace the old ones in the database file
        // now, not at some later checkpoint.
        if !applied.isEmpty && !applied.contains("v11-identifiers-coded") {
            try writer.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        }
    }

    /// A new index file is made mode 0600 before SQLite opens it: it holds the received files'
    /// paths, UIDs and keyed digests. SQLite gives its `-wal` and `-shm` files the database
    /// file's mode, and the `.lock` file is made 0600 too. An existing file keeps its mode.
    static func createPrivately(_ path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 { close(fd) }   // else it exists (or cannot be made: SQLite says why)
    }

    private let lockFD = Mutex<Int32>(-1)

    /// Takes an exclusive lock on `<database>.lock` for a serving node: while it is held, no
    /// other sendit runs jobs on this database, so every job still marked running belongs to a
    /// process that is gone. Fails at once if another node holds it.
    public func lockForServing() throws {
        let lockPath = path + ".lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw DatabaseLockError(message: "cannot open \(lockPath): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw DatabaseLockError(message: "the database \(path) is in use by another sendit serve")
        }
        lockFD.withLock { $0 = fd }
    }

    public func unlock() {
        lockFD.withLock {
            if $0 >= 0 { close($0) }
            $0 = -1
        }
    }
}

public struct DatabaseLockError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

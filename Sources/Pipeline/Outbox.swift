#if canImport(Glibc)
import Glibc
#endif
import Crypto
import DICOMFile
import Deidentify
import Foundation
import SenditIntake

/// The outbox: de-identified copies, `<outbox>/<new SeriesInstanceUID>/<new SOPInstanceUID>.dcm`.
/// A copy is written under a temporary name in `<outbox>/.incoming`, synced, checked by the PHI
/// gate, and only then renamed into its series folder. So every file under a series folder
/// passed the gate; a kill leaves at most a temporary file, removed at the next start.
public struct Outbox: Sendable {
    public let folder: String
    public var sync = true
    /// With `sync`: the folders a placement changed are not synced by `place` but returned in
    /// `Placed.unsyncedFolders`, for the caller to sync once for many copies (`syncFolders`)
    /// before it records them. The copy's own bytes are always synced before its rename.
    public var syncsFoldersLater = false

    public init(folder: String, sync: Bool = true) throws {
        self.folder = folder
        self.sync = sync
        try FileManager.default.createDirectory(atPath: folder + "/.incoming", withIntermediateDirectories: true)
    }

    /// A project's own outbox, `<outbox>/projects/<name>` (the same settings): one study may be
    /// in two projects at once, and both may de-identify it to the same UIDs (both keeping the
    /// UIDs, or one identifiers service answering both), yet each copy stays its project's.
    /// (No SeriesInstanceUID is `projects`: the series folders cannot collide with it.)
    public func forProject(_ name: String) throws -> Outbox {
        var own = try Outbox(folder: folder + "/projects/" + name, sync: sync)
        own.syncsFoldersLater = syncsFoldersLater
        // The new folders' entries on disk before any copy is recorded in them.
        if sync { try Outbox.syncFolders([folder, folder + "/projects", own.folder]) }
        return own
    }

    /// Removes temporary files a stop left behind. Returns how many.
    @discardableResult
    public func removeLeftovers() -> Int {
        let incoming = folder + "/.incoming"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: incoming)) ?? []
        for name in names { unlink(incoming + "/" + name) }
        return names.count
    }

    public struct Placed: Sendable {
        public let path: String
        public let size: Int64
        /// Folders whose entries changed and are not yet on disk (see `syncsFoldersLater`).
        public var unsyncedFolders: [String] = []
    }

    /// Syncs folders, each once. Throws if one cannot be synced: what was renamed into it is
    /// not known to be on disk.
    public static func syncFolders<S: Sequence>(_ folders: S) throws where S.Element == String {
        for folder in Set(folders) {
            let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else { throw OutboxError(message: "cannot open \(folder) to sync it: \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            guard fsync(fd) == 0 else { throw OutboxError(message: "cannot sync \(folder): \(String(cString: strerror(errno)))") }
        }
    }

    /// Writes `output`, lets `gate` check the written bytes, then moves it into place
    /// (replacing an earlier copy of the same instance). A gate hit removes the file and throws.
    public func place(_ output: Deidentifier.Output, gate: PHIGate) throws -> Placed {
        let temporary = folder + "/.incoming/\(UUID().uuidString).part"
        defer { unlink(temporary) }
        try Part10Writer.write(output.file, to: temporary, options: Part10Writer.Options(sync: sync))
        // The gate searches the names the copy will have, not the temporary one.
        let name = Outbox.safeName(output.seriesInstanceUID) + "/" + Outbox.safeName(output.sopInstanceUID) + ".dcm"
        try gate.check(path: temporary, finalName: name)
        let seriesFolder = folder + "/" + Outbox.safeName(output.seriesInstanceUID)
        let newFolder = FileIdentity(path: seriesFolder) == nil
        if newFolder { try FileManager.default.createDirectory(atPath: seriesFolder, withIntermediateDirectories: true) }
        let final = folder + "/" + name
        guard rename(temporary, final) == 0 else {
            throw OutboxError(message: "cannot move a de-identified copy to \(final): \(String(cString: strerror(errno)))")
        }
        // The rename is on disk before the index says DONEPROCESSING (a power cut must not
        // leave the row without its copy): synced here, or by the caller before it records.
        // Here, the outbox itself only when the series folder was made now. A caller syncing
        // later always gets the outbox too: the placement that made the series folder may
        // belong to an attempt that failed, or to a batch recorded after this one.
        let changed = sync ? (newFolder || syncsFoldersLater ? [seriesFolder, self.folder] : [seriesFolder]) : []
        if !syncsFoldersLater { try Outbox.syncFolders(changed) }
        let size = FileIdentity(path: final).map { Int64($0.size) } ?? 0
        return Placed(path: final, size: size, unsyncedFolders: syncsFoldersLater ? changed : [])
    }

    /// New UIDs are `2.25.<digits>`; anything else (a malformed UID kept by the Retain UIDs
    /// option) becomes `x` and its SHA-256: distinct UIDs never share a file (a cut-down hex
    /// form did, when two long UIDs began alike).
    static func safeName(_ uid: String) -> String {
        let ok = !uid.isEmpty && uid.utf8.count <= 64 && uid.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E }
            && uid.first != "."
        if ok { return uid }
        return "x" + SHA256.hash(data: Array(uid.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

public struct OutboxError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

#if canImport(Glibc)
import Glibc
#endif
import CSenditSystem
import DICOMFile
import DICOMNetwork
import Foundation

/// The instances of this node's own retrievals that were answered before they were synced
/// (`InstanceDurability.withItsStudy`; which ones: `deferral`). They go into a retrieval folder
/// of their study, apart from pushed instances, marked unsynced by `.incoming/<folder>.unsynced`
/// (made durable before the first of them enters). Before the retrieval records its study
/// (`syncRetrievedStudy`) and before such a folder is finished (`finishQuietFolders`), the
/// folder is sealed (the study's next unsynced instances go to a new folder), synced (one
/// syncfs), and its marker removed durably. So a marker found after a crash names a folder
/// none of whose instances a recorded retrieval counts on, and whose files may be anything a
/// power failure left (cut at an element boundary, zeros where data never reached the disk,
/// and still parsing whole): `lockAndRecover` discards the folder whole; the retrieval, which
/// did not record the study, asks for it again.
extension StagingArea {
    static let unsyncedSuffix = ".unsynced"

    public func durability(of arrival: InstanceArrival) -> InstanceDurability {
        guard sync, let deferral else { return .beforeSuccess }
        return deferral(arrival)
    }

    func unsyncedMarker(_ name: String) -> String { incomingFolder + "/" + name + StagingArea.unsyncedSuffix }

    /// Under the lock: marks a folder unsynced (its marker made durable) unless it is already.
    func markUnsyncedLocked(_ name: String) throws {
        guard !unsynced.contains(name) else { return }
        let marker = unsyncedMarker(name)
        let fd = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileStoreError(code: errno, what: "cannot create \(marker)") }
        close(fd)
        try StagingArea.syncDirectory(incomingFolder)
        unsynced.insert(name)
    }

    /// Under the lock: the unsynced folders whose names pass `include`, sealed: a retrieval
    /// folder among them stops taking instances, so a sync that follows covers all they hold.
    func sealUnsyncedLocked(where include: (String) -> Bool) -> [String] {
        let names = unsynced.filter(include).sorted()
        for name in names {
            if let key = StagingArea.studyKey(ofStagingFolder: name), retrievalFolders[key] == name { retrievalFolders[key] = nil }
        }
        return names
    }

    /// Syncs sealed folders, then removes their markers and makes that durable: only then may a
    /// retrieval record their study or the intake finish them. A marker that cannot be removed
    /// keeps its folder marked (and unfinished), and throws. `.incoming` is synced even when
    /// nothing was sealed: a marker that another thread (the intake finishing a quiet folder)
    /// removed under the lock before the seal may not be durable yet, and the caller is about
    /// to record the study.
    func syncSealed(_ names: [String]) throws {
        if !names.isEmpty { try syncFolders(names.map { dataFolder + "/" + $0 }) }
        let failed = lock.withLock { () -> [(String, Int32)] in
            var failed: [(String, Int32)] = []
            // One another thread unmarked meanwhile is no longer in `unsynced`: its unlink is done.
            for name in names where unsynced.contains(name) {
                if unlink(unsyncedMarker(name)) == 0 || errno == ENOENT {
                    unsynced.remove(name)
                } else {
                    failed.append((name, errno))
                }
            }
            return failed
        }
        try StagingArea.syncDirectory(incomingFolder)
        if let (name, code) = failed.first {
            throw FileStoreError(code: code, what: "cannot remove \(unsyncedMarker(name)) (\(failed.count) marker(s) in all)")
        }
    }

    /// Makes the instances of a study that this node's retrieval placed unsynced durable, with
    /// their folder: called when the retrieval's C-MOVE or C-GET ended, before the index records
    /// how. Instances placed before the call are covered (the move's sub-operations all ended
    /// before its final response); one placed during it goes to a new folder, marked unsynced.
    /// `project`: the retrieval's (as `expectInstances`).
    public func syncRetrievedStudy(studyInstanceUID: String, project: String? = nil) throws {
        let key = StagingArea.key(study: studyInstanceUID, project: routing == nil ? nil : project)
        let sealed = lock.withLock { sealUnsyncedLocked { StagingArea.studyKey(ofStagingFolder: $0) == key } }
        guard sync else { return }
        try syncSealed(sealed)
    }

    /// Seals, syncs and unmarks the unsynced folders that `finishQuietFolders` is about to
    /// finish. One whose sync fails stays marked (and unfinished), to be tried again.
    func syncQuietUnsynced(stableAge: TimeInterval, now: Date, errors: inout [FileStoreError]) {
        let quiet = lock.withLock {
            sealUnsyncedLocked { name in lastArrival[name].map { now.timeIntervalSince($0) >= stableAge } ?? false }
        }
        guard !quiet.isEmpty else { return }
        do {
            try syncSealed(quiet)
        } catch let e as FileStoreError {
            errors.append(e)
        } catch {
            errors.append(FileStoreError(code: EIO, what: "cannot sync staging folders: \(error)"))
        }
    }

    /// At start-up, under the data folder's lock: each folder a marker names is discarded whole
    /// (its files into `discarded`): they were never all synced, and no recorded retrieval
    /// counts on them. Then the markers go. A marker without its folder (finished, or never
    /// made) is removed.
    func recoverUnsynced() throws {
        var markers: [String] = [], emptied: [String] = []
        for marker in try FileManager.default.contentsOfDirectory(atPath: incomingFolder) where marker.hasSuffix(StagingArea.unsyncedSuffix) {
            markers.append(marker)
            let name = String(marker.dropLast(StagingArea.unsyncedSuffix.count))
            let folder = dataFolder + "/" + name
            var isFolder: ObjCBool = false
            guard let key = StagingArea.studyKey(ofStagingFolder: name),
                  FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else { continue }
            // Whatever is there goes (a stray sub-folder too: the node must still start).
            for file in try FileManager.default.contentsOfDirectory(atPath: folder) {
                do {
                    try FileManager.default.removeItem(atPath: folder + "/" + file)
                } catch {
                    throw FileStoreError(code: EIO, what: "cannot remove \(folder)/\(file): \(error)")
                }
                discarded.append(folder + "/" + file)
            }
            rmdir(folder)
            emptied.append(name)
            lock.withLock { forgetLocked(name, key: key) }
        }
        guard !markers.isEmpty else { return }
        if !emptied.isEmpty { try StagingArea.syncDirectory(dataFolder) }
        for marker in markers { unlink(incomingFolder + "/" + marker) }
        try StagingArea.syncDirectory(incomingFolder)
    }

    /// Makes folders' files and the folders durable: one syncfs of their file system (it writes
    /// out and flushes everything of it, one cache flush in all), or where there is none, an
    /// fsync of each file and folder.
    static func syncFileSystem(_ folders: [String]) throws {
        guard let first = folders.first else { return }
        let fd = open(first, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileStoreError(code: errno, what: "cannot open \(first)") }
        let result = sendit_syncfs(fd), failure = errno
        close(fd)
        if result == 0 { return }
        guard failure == ENOSYS else { throw FileStoreError(code: failure, what: "cannot sync the file system of \(first)") }
        for folder in folders {
            for file in try FileManager.default.contentsOfDirectory(atPath: folder) {
                let path = folder + "/" + file
                let f = open(path, O_RDONLY | O_CLOEXEC)
                guard f >= 0 else { throw FileStoreError(code: errno, what: "cannot open \(path)") }
                defer { close(f) }
                guard fsync(f) == 0 else { throw FileStoreError(code: errno, what: "cannot sync \(path)") }
            }
            try syncDirectory(folder)
        }
    }
}

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
/// (made durable before the first of them enters). Such a folder is synced (one syncfs) and its
/// marker removed before the retrieval records its study (`syncRetrievedStudy`) and before it
/// is finished (`finishQuietFolders`). After a crash, `lockAndRecover` keeps of a marked folder
/// the instances that survived whole and syncs them; the retrieval asks for the study again
/// (it was not recorded), and what comes again replaces them under the same names.
extension StagingArea {
    static let unsyncedSuffix = ".unsynced"

    public func durability(of arrival: InstanceArrival) -> InstanceDurability {
        guard sync, let deferral else { return .beforeSuccess }
        return deferral(arrival)
    }

    func unsyncedMarker(_ name: String) -> String { incomingFolder + "/" + name + StagingArea.unsyncedSuffix }

    /// Under the lock: marks a folder unsynced (its marker made durable) unless it is already.
    func markUnsyncedLocked(_ name: String) throws {
        guard unsynced[name] == nil else { return }
        let marker = unsyncedMarker(name)
        let fd = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileStoreError(code: errno, what: "cannot create \(marker)") }
        close(fd)
        try StagingArea.syncDirectory(incomingFolder)
        unsynced[name] = 0
    }

    /// Under the lock: the folder's instances are durable; its marker goes. Not synced: a marker
    /// that comes back after a crash only has a folder of whole, synced instances checked again.
    func unmarkLocked(_ name: String) {
        unsynced[name] = nil
        unlink(unsyncedMarker(name))
    }

    /// Makes the instances of a study that this node's retrieval placed unsynced durable, with
    /// their folder: called when the retrieval's C-MOVE or C-GET ended, before the index records
    /// how. Instances placed before the call are covered (the move's sub-operations all ended
    /// before its final response). `project`: the retrieval's (as `expectInstances`).
    public func syncRetrievedStudy(studyInstanceUID: String, project: String? = nil) throws {
        let key = StagingArea.key(study: studyInstanceUID, project: routing == nil ? nil : project)
        let pending = lock.withLock { unsynced.filter { StagingArea.studyKey(ofStagingFolder: $0.key) == key } }
        guard !pending.isEmpty else { return }
        try syncFolders(pending.keys.sorted().map { dataFolder + "/" + $0 })
        lock.withLock {
            // One that received more meanwhile (a second retrieval of the study) stays marked.
            for (name, arrivals) in pending where unsynced[name] == arrivals { unmarkLocked(name) }
        }
    }

    /// Syncs the unsynced folders that `finishQuietFolders` is about to finish; returns each
    /// synced one's arrival count at the sync (only those may be finished: nothing new since).
    func syncQuietUnsynced(stableAge: TimeInterval, now: Date, errors: inout [FileStoreError]) -> [String: Int] {
        let quiet = lock.withLock {
            unsynced.filter { name, _ in lastArrival[name].map { now.timeIntervalSince($0) >= stableAge } ?? false }
        }
        guard !quiet.isEmpty else { return [:] }
        do {
            try syncFolders(quiet.keys.sorted().map { dataFolder + "/" + $0 })
            return quiet
        } catch let e as FileStoreError {
            errors.append(e)
        } catch {
            errors.append(FileStoreError(code: EIO, what: "cannot sync staging folders: \(error)"))
        }
        return [:]
    }

    /// At start-up, under the data folder's lock: each folder a marker names keeps the instances
    /// that are whole (they parse to the end, and are the instance their name says), the others
    /// are removed (into `discarded`); then they are synced and the markers removed. A marker
    /// without its folder (finished, or never made) is removed.
    func recoverUnsynced() throws {
        var checked: [String] = []
        for marker in try FileManager.default.contentsOfDirectory(atPath: incomingFolder) where marker.hasSuffix(StagingArea.unsyncedSuffix) {
            let name = String(marker.dropLast(StagingArea.unsyncedSuffix.count))
            let folder = dataFolder + "/" + name
            var isFolder: ObjCBool = false
            guard StagingArea.studyKey(ofStagingFolder: name) != nil,
                  FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
                unlink(incomingFolder + "/" + marker)
                continue
            }
            for file in try FileManager.default.contentsOfDirectory(atPath: folder) where !StagingArea.isWholeInstance(folder + "/" + file, named: file) {
                unlink(folder + "/" + file)
                discarded.append(folder + "/" + file)
            }
            checked.append(name)
        }
        guard !checked.isEmpty else { return }
        try syncFolders(checked.map { dataFolder + "/" + $0 })
        lock.withLock { for name in checked { unmarkLocked(name) } }
    }

    /// Whether a file of a retrieval folder is a whole instance under its own name.
    static func isWholeInstance(_ path: String, named name: String) -> Bool {
        guard name.hasSuffix(".dcm"), let file = try? Part10File.read(path: path, options: checkOptions),
              !file.warnings.contains(where: \.isTruncation),
              let sop = file.dataSet.string(.sopInstanceUID), !sop.isEmpty,
              sop == file.fileMetaInformation.string(.mediaStorageSOPInstanceUID),
              file.dataSet.string(.sopClassUID) == file.fileMetaInformation.string(.mediaStorageSOPClassUID)
        else { return false }
        return fileName(for: sop) + ".dcm" == name
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

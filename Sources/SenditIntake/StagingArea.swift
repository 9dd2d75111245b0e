#if canImport(Glibc)
import Glibc
#endif
import CSenditSystem
import DICOMCore
import DICOMFile
import DICOMNetwork
import Foundation

/// The data folder as the receiver fills it (docs/design.md, data flow):
///   <data>/.incoming/<random>.part              instances being received
///   <data>/<study-key>.tmp<suffix>/<sop>.dcm     complete instances of a study still arriving
/// A folder whose extension starts with "tmp" is unfinished; the intake finishes it
/// (`finishQuietFolders`). The receiver (`DICOMNetwork`) reaches it through `InstanceStaging`,
/// so these rules live here alone.
public final class StagingArea: InstanceStaging, @unchecked Sendable {
    public let dataFolder: String
    public let incomingFolder: String
    /// fdatasync each instance (and its folder) before it is acknowledged.
    public let sync: Bool
    /// The receiver's routing (nil: no projects); recovery routes what it finds with it. Set
    /// before `lockAndRecover`.
    public var routing: (any InstanceRouting)?
    let lock = NSLock()
    /// Staging folder name per study key, for studies with a folder in progress.
    private var folders: [String: String] = [:]
    /// The folder per study key that takes the instances of this node's own retrievals
    /// acknowledged before they were synced (`InstanceDurability.withItsStudy`): never the
    /// folder of pushed instances, so a folder marked unsynced holds nothing a sender handed over.
    var retrievalFolders: [String: String] = [:]
    /// Folders (by name) holding instances not yet synced. Each has its marker
    /// `.incoming/<name>.unsynced`, made durable before the first such instance entered, and
    /// removed durably only once the whole folder was synced (`StagingArea+StudySync`).
    var unsynced: Set<String> = []
    /// Which received instances are synced with their study (`sendit serve` with retrieval:
    /// `RetrievalDurabilityRule` over the retrievals running); nil: every one before Success.
    public var deferral: (@Sendable (InstanceArrival) -> InstanceDurability)?
    /// Makes the files of folders and the folders durable (`syncFolders`); tests record it.
    var syncFolders: ([String]) throws -> Void = StagingArea.syncFileSystem
    /// Every staging folder to finish (by name), with when it last received an instance (at
    /// start-up: its newest file's modification time), for stable-age completion. Holds the
    /// folders in `folders` and any others of the same study left by an earlier run.
    var lastArrival: [String: Date] = [:]
    /// Studies (by key) whose number of instances is known (a retrieval's C-FIND): the
    /// instances arrived since (and found in its staging folder then), until it is complete.
    private var expected: [String: (count: Int, arrived: Set<String>)] = [:]

    /// Collect the instances placed (acknowledged ones only: never a retrieval's unsynced
    /// ones) for `drainLanded`, so the intake indexes them before their study is quiet.
    public var collectsLanded = false
    /// A re-sent instance is placed beside the earlier copy (`<sop>.resent-<hex>.dcm`), never
    /// over it: the earlier copy may be indexed already and read by a stage at that moment. The
    /// folder's import decides between the two as for any folder (the same data set: a
    /// duplicate; another: it replaces the earlier). Set with `collectsLanded`, and while any
    /// image is indexed from a staging folder.
    public var keepsReplacedAside = false
    private var landed: [String] = []

    /// `.resent-<arrival>-<random>`: the arrival time in nanoseconds, zero-padded, so that the
    /// folder's import (which takes files in name order, the later replacing the earlier when
    /// their data sets differ) ends with the copy received last, as a replacement in place did.
    static func resentSuffix(now: Date = Date()) -> String {
        let nanoseconds = UInt64(max(0, now.timeIntervalSince1970) * 1e9)
        let digits = String(nanoseconds)
        return ".resent-" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + "-"
            + String(UInt32.random(in: 0...UInt32.max), radix: 16)
    }

    /// The paths of the instances placed since the last call, in order (`collectsLanded`).
    public func drainLanded() -> [String] {
        lock.withLock {
            defer { landed = [] }
            return landed
        }
    }

    /// What start-up found in .incoming: complete instances moved into their staging folders,
    /// and incomplete ones removed.
    public internal(set) var recovered: [String] = []
    public internal(set) var discarded: [String] = []

    public init(dataFolder: String, sync: Bool = true) throws {
        self.dataFolder = dataFolder
        self.sync = sync
        incomingFolder = dataFolder + "/.incoming"
        try FileManager.default.createDirectory(atPath: incomingFolder, withIntermediateDirectories: true)
        // Staging folders left by an earlier run are reused for their studies, and their stable
        // clock restarts from their newest file. Folders of other writers are not ours to finish.
        for name in try FileManager.default.contentsOfDirectory(atPath: dataFolder) {
            if let key = StagingArea.studyKey(ofStagingFolder: name) {
                let newest = StagingArea.newestModification(dataFolder + "/" + name)
                lastArrival[name] = newest
                // A folder marked unsynced holds a retrieval's instances, never all synced:
                // `lockAndRecover` discards it whole; it takes nothing meanwhile.
                if FileManager.default.fileExists(atPath: unsyncedMarker(name)) { continue }
                // Two folders of one study (a crash between finishing and a new arrival, say):
                // the newer takes the study's next instances; both are finished when quiet.
                if let other = folders[key], let otherNewest = lastArrival[other], otherNewest >= newest { continue }
                folders[key] = name
            }
        }
    }

    /// The study key of a folder named as this receiver names its staging folders
    /// (`<key>.tmp<1-8 lowercase hex digits>`, the key a UID, `x<hex>` or `no-uid`), else nil.
    /// With projects, the key starts with the project's name and a `+` (`<project>+<key>`), so
    /// instances of one study routed to two projects are staged (and imported) apart.
    public static func studyKey(ofStagingFolder name: String) -> String? {
        guard let range = name.range(of: ".tmp", options: .backwards) else { return nil }
        var key = name[..<range.lowerBound]
        let whole = key, suffix = name[range.upperBound...]
        guard (1...8).contains(suffix.count), suffix.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        if let plus = key.firstIndex(of: "+") {
            guard RoutingPolicy.isValidProjectName(String(key[..<plus])) else { return nil }
            key = key[key.index(after: plus)...]
        }
        let isHashName = key.count > 1 && key.hasPrefix("x") && key.dropFirst().allSatisfy { $0.isHexDigit && !$0.isUppercase }
        guard key == "no-uid" || isHashName || UID(String(key)).isValid else { return nil }
        return String(whole)
    }

    /// The staging key of a study for a project (nil: the node has no projects).
    static func key(study: String?, project: String?) -> String {
        let key = StagingArea.fileName(for: study)
        return project.map { $0 + "+" + key } ?? key
    }

    func forgetLocked(_ name: String, key: String) {
        lastArrival[name] = nil
        if folders[key] == name { folders[key] = nil }
        if retrievalFolders[key] == name { retrievalFolders[key] = nil }
        if unsynced.remove(name) != nil { unlink(unsyncedMarker(name)) }
    }

    /// Renames a folder without replacing an existing one: renameat2(RENAME_NOREPLACE), or on a
    /// file system without it (NFS, some FUSE mounts: EINVAL), mkdir of the target (which fails
    /// if it exists) and a rename onto that empty folder. Returns 0 or the errno.
    static func renameNoReplace(_ from: String, _ to: String) -> Int32 {
        if sendit_rename_noreplace(from, to) == 0 { return 0 }
        let e = errno
        guard e == EINVAL || e == ENOSYS else { return e }
        guard mkdir(to, 0o750) == 0 else { return errno }
        if rename(from, to) == 0 { return 0 }
        let failure = errno
        rmdir(to)
        return failure
    }

    /// The latest modification time of a folder and the files in it.
    static func newestModification(_ folder: String) -> Date {
        var newest = modificationTime(folder) ?? 0
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
            newest = max(newest, modificationTime(folder + "/" + name) ?? 0)
        }
        return Date(timeIntervalSince1970: newest)
    }

    private static func modificationTime(_ path: String) -> Double? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
    }

    /// A staging folder finished: renamed from `from` to `to`.
    public struct FinishedFolder: Equatable, Sendable {
        public let from: String
        public let to: String
    }

    /// The studies still arriving: each staging folder's name, the instances in it so far and
    /// when the last arrived (for the web page's staging list).
    public func foldersInProgress() -> [(name: String, images: Int, lastArrival: Date)] {
        let folders = lock.withLock { lastArrival }
        return folders.sorted { $0.value > $1.value }.map { name, last in
            let count = (try? FileManager.default.contentsOfDirectory(atPath: dataFolder + "/" + name).count) ?? 0
            return (name, count, last)
        }
    }

    /// Marks a staging folder quiet, so that the intake's next pass finishes it now rather than
    /// at the stable age (force-complete); false if there is no such folder in progress.
    @discardableResult
    public func expedite(_ name: String) -> Bool {
        lock.withLock {
            guard lastArrival[name] != nil else { return false }
            lastArrival[name] = .distantPast
            return true
        }
    }

    /// Expects `count` instances of a study (a retrieval): once that many different instances
    /// have arrived (counting those already in its staging folder), the folder is marked quiet
    /// as `expedite` does, so the intake finishes it at its next pass rather than at the stable
    /// age. Returns true when that is already the case. `count` 0 or less: nothing is expected.
    @discardableResult
    /// `project`: the retrieval's; on a node with projects (`routing` set) the study's
    /// instances are staged under it.
    public func expectInstances(studyInstanceUID: String, count: Int, project: String? = nil) -> Bool {
        let key = StagingArea.key(study: studyInstanceUID, project: routing == nil ? nil : project)
        return lock.withLock {
            guard count > 0 else {
                expected[key] = nil
                return false
            }
            var arrived = Set<String>()
            for name in [folders[key], retrievalFolders[key]].compactMap({ $0 }) {
                for file in (try? FileManager.default.contentsOfDirectory(atPath: dataFolder + "/" + name)) ?? []
                where file.hasSuffix(".dcm") && !file.contains(".resent-") {
                    arrived.insert(String(file.dropLast(4)))
                }
            }
            expected[key] = (count, arrived)
            return completeLocked(key)
        }
    }

    /// Forgets what `expectInstances` expected of a study (its retrieval ended).
    public func forgetExpectedInstances(studyInstanceUID: String, project: String? = nil) {
        let key = StagingArea.key(study: studyInstanceUID, project: routing == nil ? nil : project)
        lock.withLock { expected[key] = nil }
    }

    /// Under the lock: if the study's expected instances have all arrived, marks its folders
    /// quiet and forgets the expectation; true if so.
    private func completeLocked(_ key: String) -> Bool {
        guard let e = expected[key], e.arrived.count >= e.count else { return false }
        expected[key] = nil
        for name in [folders[key], retrievalFolders[key]].compactMap({ $0 }) where lastArrival[name] != nil {
            lastArrival[name] = .distantPast
        }
        return true
    }

    /// Finishes every staging folder that has received nothing for `stableAge` seconds: renames
    /// `<key>.tmpX` to `<key>` (or `<key>-2`, `-3`, … if an earlier folder of the study is still
    /// there; never replacing one) atomically, under the lock, so no instance can be moved into
    /// it meanwhile; the study's next instance starts a new staging folder. Errors are returned
    /// with the folder they concern; the folder stays as it is, to be tried again.
    ///
    /// A quiet folder holding instances not yet synced (a retrieval's) is sealed (what arrives
    /// for its study meanwhile goes to a new folder), synced outside the lock and its marker
    /// removed durably first; one whose sync failed stays as it is, to be tried again.
    ///
    /// `renames`: when instances may be indexed before their study is quiet, what records each
    /// rename in the index (`willRename` before it, `didRename` after it) and keeps their paths
    /// valid meanwhile; nil: the folders are only renamed.
    public func finishQuietFolders(stableAge: TimeInterval, now: Date = Date(),
                                   renames: StagingRenames? = nil) -> (finished: [FinishedFolder], errors: [FileStoreError]) {
        var errors: [FileStoreError] = []
        syncQuietUnsynced(stableAge: stableAge, now: now, errors: &errors)
        guard let renames else { return (finishQuietLocked(stableAge: stableAge, now: now, errors: &errors), errors) }
        // The quiet folders are sealed under the lock (what arrives for their studies meanwhile
        // starts new folders); the index's records and the renames are done outside it, so no
        // receiver waits on the database; and only when a folder is due does a rename hold back
        // the stages reading originals.
        let due = lock.withLock { () -> [(name: String, key: String)] in
            var due: [(name: String, key: String)] = []
            for (name, last) in lastArrival.sorted(by: { $0.key < $1.key }) where now.timeIntervalSince(last) >= stableAge {
                guard let key = StagingArea.studyKey(ofStagingFolder: name), !unsynced.contains(name) else { continue }
                if folders[key] == name { folders[key] = nil }
                if retrievalFolders[key] == name { retrievalFolders[key] = nil }
                due.append((name, key))
            }
            return due
        }
        guard !due.isEmpty else { return ([], errors) }
        let finished = renames.paths.renaming { () -> ([FinishedFolder], [(from: String, to: String)]) in
            var finished: [FinishedFolder] = [], renamed: [(from: String, to: String)] = []
            for (name, key) in due {
                let from = dataFolder + "/" + name
                var attempt = 1
                while true {
                    let to = dataFolder + "/" + key + (attempt == 1 ? "" : "-\(attempt)")
                    do {
                        try renames.willRename(from, to)
                    } catch {
                        errors.append(FileStoreError(code: EIO, what: "cannot record the finishing of \(from) in the index: \(error)"))
                        break
                    }
                    let e = StagingArea.renameNoReplace(from, to)
                    if e == 0 {
                        // Readers find the files under the new name from now on, recorded or not.
                        renamed.append((from, to))
                        lock.withLock { forgetLocked(name, key: key) }
                        do {
                            // The rename durable before the index says it happened.
                            if sync { try StagingArea.syncDirectory(dataFolder) }
                            try renames.didRename(from, to)
                            finished.append(FinishedFolder(from: from, to: to))
                        } catch {
                            errors.append(FileStoreError(code: EIO, what: "\(from) finished as \(to), not yet recorded in the index "
                                                         + "(retried): \(error)"))
                        }
                        break
                    }
                    if (e == EEXIST || e == ENOTEMPTY) && attempt < 10_000 {
                        attempt += 1
                        continue
                    }
                    if e == ENOENT {
                        lock.withLock { forgetLocked(name, key: key) }
                        do { try renames.didNotRename(from) } catch {}
                    } else {
                        errors.append(FileStoreError(code: e, what: "cannot finish staging folder \(from)"))
                    }
                    break
                }
            }
            return (finished, renamed)
        }
        return (finished, errors)
    }

    private func finishQuietLocked(stableAge: TimeInterval, now: Date, errors: inout [FileStoreError]) -> [FinishedFolder] {
        var finished: [FinishedFolder] = []
        lock.lock()
        defer { lock.unlock() }
        for (name, last) in lastArrival.sorted(by: { $0.key < $1.key }) {
            guard now.timeIntervalSince(last) >= stableAge, let key = StagingArea.studyKey(ofStagingFolder: name) else { continue }
            // Never finished before its instances are durable (`syncQuietUnsynced` did that
            // for the quiet ones it could, and removed their markers).
            if unsynced.contains(name) { continue }
            let from = dataFolder + "/" + name
            var attempt = 1
            while true {
                let to = dataFolder + "/" + key + (attempt == 1 ? "" : "-\(attempt)")
                let e = StagingArea.renameNoReplace(from, to)
                if e == 0 {
                    finished.append(FinishedFolder(from: from, to: to))
                    forgetLocked(name, key: key)
                    break
                }
                if (e == EEXIST || e == ENOTEMPTY) && attempt < 10_000 {
                    attempt += 1
                    continue
                }
                if e == ENOENT {
                    forgetLocked(name, key: key)
                } else {
                    errors.append(FileStoreError(code: e, what: "cannot finish staging folder \(from)"))
                }
                break
            }
        }
        if sync && !finished.isEmpty {
            do { try StagingArea.syncDirectory(dataFolder) } catch let e as FileStoreError { errors.append(e) } catch {}
        }
        return finished
    }

    private var lockFD: Int32 = -1

    /// Takes an exclusive lock on the data folder (a second server on it fails here, before it
    /// touches anything), then recovers what a crash left in .incoming.
    public func lockAndRecover() throws {
        let path = incomingFolder + "/.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileStoreError(code: errno, what: "cannot open \(path)") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw FileStoreError(code: EWOULDBLOCK, what: "the data folder \(dataFolder) is in use by another sendit")
        }
        lockFD = fd
        try recoverUnsynced()
        try recoverIncoming()
    }

    public func unlock() {
        if lockFD >= 0 { close(lockFD) }
        lockFD = -1
    }

    /// Mode of a .part being received; `completeMode` once complete, checked and synced.
    public static let incompleteMode: mode_t = 0o600
    public static let completeMode: mode_t = 0o640

    /// How a received instance is checked: the whole structure, without keeping the elements
    /// (a hostile data set of millions of tiny elements costs no memory), inflating a deflated
    /// one as a stream within 64 MiB of output per MiB received.
    public static let checkOptions = ReadOptions(keepingOnly: [.sopClassUID, .sopInstanceUID, .studyInstanceUID])

    /// A .part left by a crash is either marked complete (mode 0640: checked and synced; its
    /// response may have been sent, and the rename into place lost): it is moved into place
    /// now; or it is not: it was never acknowledged and is removed. A cut that happens to fall
    /// on an element boundary parses cleanly, so the mark, not the parse, decides.
    func recoverIncoming() throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: incomingFolder) where name.hasSuffix(".part") {
            let path = incomingFolder + "/" + name
            var st = stat()
            let marked = stat(path, &st) == 0 && st.st_mode & 0o777 == StagingArea.completeMode
            var options = StagingArea.checkOptions
            if let routing { options.keepOnly?.formUnion(routing.attributes) }
            if marked, let file = try? Part10File.read(path: path, options: options),
               !file.warnings.contains(where: \.isTruncation),
               let sop = file.dataSet.string(.sopInstanceUID), !sop.isEmpty,
               sop == file.fileMetaInformation.string(.mediaStorageSOPInstanceUID),
               file.dataSet.string(.sopClassUID) == file.fileMetaInformation.string(.mediaStorageSOPClassUID),
               let placed = try? place(path, studyInstanceUID: file.dataSet.string(.studyInstanceUID), sopInstanceUID: sop,
                                       project: recoveredProject(file)) {
                recovered.append(placed)
            } else {
                unlink(path)
                discarded.append(path)
            }
        }
    }

    /// Where routing (when there is any) sends an instance found complete in .incoming: decided
    /// again from the AE titles and address its File Meta Information recorded. One that would
    /// now be refused (the rules changed) is kept for the quarantine, not dropped: its C-STORE
    /// may have been answered Success.
    func recoveredProject(_ file: Part10File) -> String? {
        guard let routing else { return nil }
        let meta = file.fileMetaInformation
        var address = meta.string(.sourcePresentationAddress) ?? ""
        if address.hasPrefix("dicom://") { address.removeFirst(8) }
        let peer = AssociationPeer(calledAETitle: meta.string(.receivingApplicationEntityTitle) ?? "",
                                   callingAETitle: meta.string(.sourceApplicationEntityTitle) ?? "", address: address)
        switch routing.route(file.dataSet, from: peer) {
        case .project(let p): return p
        case .refuse: return RoutingPolicy.unroutedProject
        }
    }

    /// Moves a complete instance into its study's staging folder, replacing an earlier copy of
    /// the same instance. Returns its final path. Under the lock, so a folder cannot be finished
    /// (renamed) between finding it and moving the file in.
    ///
    /// The folder is fsynced after the rename unless the file system journals the rename with
    /// the file itself (XFS, btrfs); on others (ext4 without a journal, in particular) a rename
    /// is two independent directory writes and would not otherwise survive a power failure.
    ///
    /// `withItsStudy`: into the study's retrieval folder, marked unsynced first; neither the
    /// file nor the folder is synced (`syncRetrievedStudy` and `finishQuietFolders` do).
    public func place(_ path: String, studyInstanceUID: String?, sopInstanceUID: String, project: String?,
                      durability: InstanceDurability) throws -> String {
        let key = StagingArea.key(study: studyInstanceUID, project: project)
        let deferred = sync && durability == .withItsStudy
        lock.lock()
        defer { lock.unlock() }
        for attempt in 0..<2 {
            let name = try deferred ? retrievalFolderLocked(forStudyKey: key) : stagingFolderLocked(forStudyKey: key)
            let folder = dataFolder + "/" + name
            var final = folder + "/" + StagingArea.fileName(for: sopInstanceUID) + ".dcm"
            if deferred { try markUnsyncedLocked(name) }
            if keepsReplacedAside && access(final, F_OK) == 0 {
                final = folder + "/" + StagingArea.fileName(for: sopInstanceUID) + StagingArea.resentSuffix() + ".dcm"
            }
            if rename(path, final) == 0 {
                lastArrival[name] = Date()
                if expected[key] != nil {
                    expected[key]!.arrived.insert(StagingArea.fileName(for: sopInstanceUID))
                    _ = completeLocked(key)
                }
                if deferred {
                    chmod(final, StagingArea.completeMode)
                } else if sync && !renameIsJournaled {
                    try StagingArea.syncDirectory(folder)
                }
                if collectsLanded && !deferred { landed.append(final) }
                return final
            }
            // The folder went away behind our back: forget it and make a new one, once.
            if errno == ENOENT && attempt == 0 {
                forgetLocked(name, key: key)
                continue
            }
            throw FileStoreError(code: errno, what: "cannot rename into \(folder)")
        }
        throw FileStoreError(code: ENOENT, what: "cannot rename \(path) into a staging folder")
    }

    /// True on file systems whose journal commits a rename with the moved file's own fsync:
    /// XFS, btrfs, and ext4 mounted with a journal (its options then name a `data=` mode). On
    /// anything else, or if it cannot be told, the folder is synced.
    lazy var renameIsJournaled: Bool = {
        let type = sendit_filesystem_type(dataFolder)
        let xfs = 0x5846_5342, btrfs = 0x9123_683E, ext4 = 0xEF53
        if type == xfs || type == btrfs { return true }
        return type == ext4 && StagingArea.ext4HasJournal(dataFolder)
    }()

    /// Reads /proc/fs/ext4/<device>/options for the device holding `path` (found through
    /// /sys/dev/block/<major>:<minor>); a journal shows as a `data=` line.
    static func ext4HasJournal(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return false }
        let dev = UInt64(st.st_dev)
        let major = (dev >> 8) & 0xFFF | (dev >> 32) & ~0xFFF
        let minor = dev & 0xFF | (dev >> 12) & ~0xFF
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/sys/dev/block/\(major):\(minor)"),
              let options = try? String(contentsOfFile: "/proc/fs/ext4/\((target as NSString).lastPathComponent)/options", encoding: .utf8)
        else { return false }
        return options.split(separator: "\n").contains { $0.hasPrefix("data=") }
    }

    /// A name for a UID that is safe as a file name: the UID itself if it has PS3.5 9.1's form
    /// (digits and single dots, no "." or ".." possible), otherwise "x" and a hash of its bytes,
    /// so a hostile value such as "../.." or "a/b" can never leave the data folder.
    public static func fileName(for uid: String?) -> String {
        guard let uid, !uid.isEmpty else { return "no-uid" }
        if UID(uid).isValid { return uid }
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in uid.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return "x" + String(h, radix: 16)
    }

    /// A new .part file name in the incoming folder.
    public func newPartPath() -> String {
        incomingFolder + "/" + String(UInt64.random(in: 0...UInt64.max), radix: 16) + ".part"
    }

    /// The name of the study's staging folder (`<key>.tmp<suffix>`), made if needed. The caller
    /// holds the lock.
    private func stagingFolderLocked(forStudyKey key: String) throws -> String {
        if let name = folders[key] { return name }
        let name = try newFolderLocked(forStudyKey: key)
        folders[key] = name
        return name
    }

    /// The study's retrieval folder (see `retrievalFolders`), made if needed. Under the lock.
    func retrievalFolderLocked(forStudyKey key: String) throws -> String {
        if let name = retrievalFolders[key] { return name }
        let name = try newFolderLocked(forStudyKey: key)
        retrievalFolders[key] = name
        return name
    }

    private func newFolderLocked(forStudyKey key: String) throws -> String {
        let name = key + ".tmp" + String(UInt32.random(in: 1...UInt32.max), radix: 16)
        let path = dataFolder + "/" + name
        guard mkdir(path, 0o750) == 0 || errno == EEXIST else {
            throw FileStoreError(code: errno, what: "cannot create \(path)")
        }
        if sync { try StagingArea.syncDirectory(dataFolder) }
        return name
    }

    static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileStoreError(code: errno, what: "cannot open \(path)") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw FileStoreError(code: errno, what: "cannot sync \(path)") }
    }
}

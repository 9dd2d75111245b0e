import Foundation
import Logging
import LoopThreads
import SenditIndex

/// The single door into the pipeline, running inside `sendit serve` on one thread: finishes the
/// receiver's staging folders once they are quiet for the stable age, notices finished folders
/// (inotify, plus a rescan every `rescanInterval` seconds and at start so nothing is missed),
/// and imports each new or changed one.
public final class Intake: @unchecked Sendable {
    public let dataFolder: String
    public let staging: StagingArea?
    public let importer: FolderImporter
    public let stableAge: TimeInterval
    public let rescanInterval: TimeInterval
    /// How often staging folders are checked for quietness (and the watcher is read).
    public var tick: TimeInterval = 0.1
    let logger: Logger
    /// Called after an import queued jobs.
    let jobsQueued: @Sendable () -> Void
    private let stopSignal = StopSignal()
    private let thread = LoopThread(name: "intake")
    /// Repeated errors (a folder that cannot be renamed, an unreadable entry) are logged once a
    /// minute, not at every tick.
    private var errorLog = RepeatLimiter(interval: 60)

    public init(dataFolder: String, staging: StagingArea?, importer: FolderImporter, stableAge: TimeInterval,
                rescanInterval: TimeInterval, logger: Logger, jobsQueued: @escaping @Sendable () -> Void = {}) {
        self.dataFolder = dataFolder
        self.staging = staging
        self.importer = importer
        self.stableAge = stableAge
        self.rescanInterval = rescanInterval
        self.logger = logger
        self.jobsQueued = jobsQueued
    }

    /// Where the loop's end is reported: nil when `stop()` ended it, an error when it failed.
    /// Set before `startWatching()`.
    public var onLoopEnd: @Sendable ((any Error)?) -> Void = { _ in }
    /// Test-only: called at each turn of the loop; what it throws ends the loop as a failure
    /// would (`sendit serve` sets it from SENDIT_FAULT_INJECT, which only the service-failure
    /// test sets).
    public var injectedFault: (@Sendable () throws -> Void)?
    /// Why the intake waits now (the disk is low: `sendit serve` asks its DiskGuard), nil when it
    /// may go on. While it waits, no staging folder is finished and no folder imported; when it
    /// goes on, the data folder is rescanned at once. Set before `startWatching()`.
    public var pausedBecause: @Sendable () -> String? = { nil }
    private var watcher: FolderWatcher?
    /// Set (before `prepare()`) when instances may be indexed before their study is quiet (the
    /// staging area collects them, `StagingArea.collectsLanded`, and the intake indexes them at
    /// each turn), or may have been by an earlier run: staging folders are then finished with
    /// their rename recorded in the index, and the stages that read originals read them through
    /// the same `StagingPaths`. Nil: folders are only renamed (tests, `--receive-only`).
    public var stagingPaths: StagingPaths?
    /// A finished folder's rename not yet recorded in the index: retried at the next turn.
    private var renamesToRecover = false

    /// `prepare()`, then `startWatching()`.
    public func start() throws {
        try prepare()
        startWatching()
    }

    /// Finishes what a kill interrupted (quarantine moves) and opens the watch on the data
    /// folder. Staging folders are resumed by the staging area itself; finished folders not yet
    /// imported are found by the first rescan, which runs at once.
    public func prepare() throws {
        let moves = importer.quarantine.finishPendingMoves(importer.database)
        if moves.moved > 0 { logger.notice("finished quarantine moves interrupted by a stop", metadata: ["files": "\(moves.moved)"]) }
        for problem in moves.leftInPlace { logger.warning("a quarantined file could not be moved", metadata: ["problem": "\(problem)"]) }
        watcher = try FolderWatcher(folder: dataFolder)
        try recoverRenames()
    }

    /// Finishes what a kill left between a staging folder's rename and its record in the index:
    /// renamed (the staging folder gone, the finished one there): the images' paths are moved;
    /// not renamed: the intent is dropped (the folder is finished later, perhaps under another
    /// name). Also at each turn after a record failed.
    func recoverRenames() throws {
        let database = importer.database
        for (from, to) in try database.stagingRenames() {
            let fromThere = FileManager.default.fileExists(atPath: from), toThere = FileManager.default.fileExists(atPath: to)
            if fromThere {
                try database.dropStagingRename(from: from)
                continue
            }
            if !toThere {
                let failed = try database.abandonStagingFolder(from, now: Date())
                logger.error("a staging folder disappeared before its study was finished; its images indexed so far are FAILED",
                             metadata: ["staging_folder": "\(from)", "images": "\(failed)"])
                continue
            }
            let moved = try database.finishStagingRename(from: from, to: to, now: Date())
            logger.notice("finished recording a staging folder's rename interrupted by a stop or an error",
                          metadata: ["staging_folder": "\(from)", "finished_as": "\(to)", "images": "\(moved)"])
        }
    }

    /// How finished staging folders are recorded when their instances are indexed early.
    private var renames: StagingRenames? {
        guard let stagingPaths else { return nil }
        let importer = importer
        return StagingRenames(paths: stagingPaths, willRename: { from, to in
            try importer.database.recordStagingRename(from: from, to: to, now: Date())
        }, didRename: { from, to in
            try importer.database.finishStagingRename(from: from, to: to, now: Date())
        }, didNotRename: { [logger] from in
            let failed = try importer.database.abandonStagingFolder(from, now: Date())
            logger.error("a staging folder disappeared before its study was finished; its images indexed so far are FAILED",
                         metadata: ["staging_folder": "\(from)", "images": "\(failed)"])
        })
    }

    /// Indexes what the receiver placed since the last turn (`StagingArea.collectsLanded`).
    func importLanded(_ landed: [String]) {
        guard !landed.isEmpty else { return }
        do {
            let report = try importer.importStaged(landed)
            if report.series > 0 { jobsQueued() }
        } catch {
            // Not lost: the folder's import once it is finished takes them.
            if errorLog.shouldLog("staged: \(error)") {
                logger.error("cannot index arriving instances now; they are indexed when their study is finished (logged once a minute)",
                             metadata: ["instances": "\(landed.count)", "error": "\(error)"])
            }
        }
    }

    /// Starts the intake's thread (after `prepare()`); its end is reported to `onLoopEnd`.
    public func startWatching() {
        guard let watcher else { preconditionFailure("Intake.startWatching() before prepare()") }
        thread.start({ [self] in try loop(watcher) }, onEnd: { [self] end in onLoopEnd(end) })
    }

    /// Stops after the current import (an interrupted one is safe: it is redone at next start);
    /// at once if never started.
    public func stop() {
        stopSignal.stop()
        thread.waitUntilEnded()
    }

    private var isStopping: Bool { stopSignal.isStopping }

    /// Returns when stopped; throws what `injectedFault` throws, or a failure of the watch.
    private func loop(_ watcher: FolderWatcher) throws {
        var lastRescan = Date.distantPast
        var paused = false
        while !isStopping {
            try injectedFault?()
            if pausedBecause() != nil {
                // Events are read and dropped: the rescan after the pause finds their folders.
                _ = try watcher.wait(timeout: tick)
                paused = true
                continue
            }
            if paused {
                paused = false
                lastRescan = .distantPast
            }
            var candidates: [String] = [], ours = Set<String>()
            if let staging {
                if staging.collectsLanded { importLanded(staging.drainLanded()) }
                if stagingPaths != nil {
                    if renamesToRecover {
                        do {
                            try recoverRenames()
                            renamesToRecover = false
                        } catch {
                            if errorLog.shouldLog("recover: \(error)") {
                                logger.error("cannot record a finished staging folder (retried; logged once a minute)",
                                             metadata: ["error": "\(error)"])
                            }
                        }
                    }
                }
                let (done, errors) = staging.finishQuietFolders(stableAge: stableAge, renames: renames)
                if stagingPaths != nil && !errors.isEmpty { renamesToRecover = true }
                for error in errors where errorLog.shouldLog("\(error)") {
                    logger.error("cannot finish a staging folder (retried; logged once a minute)", metadata: ["error": "\(error)"])
                }
                for folder in done {
                    logger.info("study finished", metadata: ["folder": "\(folder.to)", "stable_age": "\(stableAge)"])
                    candidates.append(folder.to)
                    ours.insert(folder.to)
                }
            }
            let events = try watcher.wait(timeout: candidates.isEmpty ? tick : 0)
            for name in events.names where FolderContract.isFinished(name: name) {
                candidates.append(dataFolder + "/" + name)
            }
            if events.overflow || Date().timeIntervalSince(lastRescan) >= rescanInterval {
                if events.overflow { logger.warning("watch events were lost; rescanning the data folder") }
                lastRescan = Date()
                candidates += finishedFolders()
            }
            guard !candidates.isEmpty else { continue }
            // A finished folder whose rename is not yet recorded in the index waits for it: its
            // staged images' paths still name the staging folder.
            var seen = renamesToRecover ? Set(((try? importer.database.stagingRenames()) ?? []).map(\.to)) : []
            let known = (try? importedFolders(candidates)) ?? [:]
            for folder in candidates where seen.insert(folder).inserted && !isStopping {
                guard let identity = FileIdentity(path: folder), identity.isDirectory else { continue }
                if let record = known[folder], record.device == identity.device, record.inode == identity.inode,
                   record.modifiedAt == identity.modifiedAt { continue }
                // A folder someone else is still filling (made under its final name, against the
                // contract) is left until it has been still for the settle time.
                if !ours.contains(folder) && Date().timeIntervalSince1970 - identity.modifiedAt < importer.settle {
                    lastRescan = min(lastRescan, Date().addingTimeInterval(importer.settle - rescanInterval))
                    continue
                }
                importFolder(folder, ownStaging: ours.contains(folder))
            }
        }
    }

    /// Finished folders in the data folder, now.
    func finishedFolders() -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dataFolder) else {
            logger.error("cannot list the data folder", metadata: ["folder": "\(dataFolder)"])
            return []
        }
        return names.sorted().filter(FolderContract.isFinished(name:)).map { dataFolder + "/" + $0 }
    }

    func importedFolders(_ paths: [String]) throws -> [String: ImportedFolderRecord] {
        try importer.database.importedFolders(paths: paths)
    }

    /// `ownStaging`: the receiver's own staging folder, just finished: every file in it was
    /// complete before it was renamed in, so none needs to settle.
    func importFolder(_ folder: String, ownStaging: Bool = false) {
        let started = Date()
        do {
            var importer = importer
            if ownStaging { importer.settle = 0 }
            let report = try importer.importFolder(folder)
            let level: Logger.Level = report.quarantined > 0 || report.deferred > 0 ? .warning : .info
            let message: Logger.Message = report.complete ? "folder imported"
                : report.unsettled > 0 ? "folder left for the next scan: files in it changed within the settle time"
                : "folder imported in part; it will be scanned again"
            logger.log(level: report.unsettled > 0 && report.problems.isEmpty ? .info : level, message, metadata: [
                "folder": "\(folder)", "added": "\(report.added)", "replaced": "\(report.replaced)",
                "duplicates": "\(report.duplicates)", "quarantined": "\(report.quarantined)",
                "deferred": "\(report.deferred)", "unsettled": "\(report.unsettled)", "series": "\(report.series)",
                "seconds": "\(String(format: "%.3f", Date().timeIntervalSince(started)))",
            ])
            for problem in report.problems where errorLog.shouldLog(problem) {
                logger.error("an entry of a finished folder cannot be read (logged once a minute)", metadata: ["problem": "\(problem)"])
            }
            for problem in report.leftInPlace {
                logger.warning("a quarantined file could not be moved", metadata: ["problem": "\(problem)"])
            }
            if report.series > 0 { jobsQueued() }
        } catch {
            logger.error("cannot import a folder", metadata: ["folder": "\(folder)", "error": "\(error)"])
        }
    }
}

/// Says whether a message should be logged: not if the same one was logged within `interval`.
struct RepeatLimiter {
    let interval: TimeInterval
    private var last: [String: Date] = [:]

    init(interval: TimeInterval) { self.interval = interval }

    mutating func shouldLog(_ message: String, now: Date = Date()) -> Bool {
        if let at = last[message], now.timeIntervalSince(at) < interval { return false }
        if last.count > 10_000 { last.removeAll() }
        last[message] = now
        return true
    }
}

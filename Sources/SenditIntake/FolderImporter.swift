import DICOMNetwork
import Dispatch
import Foundation
import SenditIndex

/// Imports a finished folder: reads every file's header (recursively; hidden files are left
/// alone), records Study, Series and Image rows (status NEW), quarantines what is not an
/// importable image, and queues the first stage for each series that got new images. Safe to
/// run again on the same folder, by the same or another process: UIDs are unique, so a file
/// already imported is recognised, and nothing is recorded twice. A re-sent instance whose data
/// set (File Meta Information aside) is the same is a duplicate; one whose data set differs
/// replaces the copy imported earlier. Either way the other file is recorded in `otherCopy`,
/// for clean-up.
public struct FolderImporter: Sendable {
    public let database: any IndexStore
    public let quarantine: Quarantine
    /// The stage queued for a series with new images (nil: none).
    public let firstStage: String?
    public let maxAttempts: Int
    /// A file modified less than this many seconds ago may still be being written (a folder
    /// copied by hand against the contract): it is left for the next scan, and the folder is not
    /// marked imported. `sendit import` sets 0: a person named the folder.
    public var settle: TimeInterval = 2
    /// Files per write transaction.
    public var batchSize = 2000
    /// Where each recorded batch is counted (by default the process's metrics system).
    public var metrics = IntakeMetrics()
    /// The configured projects and their rules (nil: the node has none, and everything is the
    /// default project's). A folder named `<project>+…` goes to that project; one naming a
    /// project not configured, or kept for the quarantine by routing
    /// (`RoutingPolicy.unroutedProject`), is quarantined file by file with the reason; any other
    /// folder (a drop) is routed file by file by the rules on the data (those on AE titles and
    /// addresses cannot match a file), and what no rule takes is quarantined with the reason.
    public var routing: ProjectRouting?

    public init(database: any IndexStore, quarantine: Quarantine, firstStage: String?, maxAttempts: Int) {
        self.database = database
        self.quarantine = quarantine
        self.firstStage = firstStage
        self.maxAttempts = maxAttempts
    }

    /// What one import did.
    public struct Report: Sendable, Equatable {
        public var folder: String
        /// New Image rows.
        public var added = 0
        /// Instances already imported from another file whose data set differs: the newer
        /// replaced the older.
        public var replaced = 0
        /// Files already imported, or copies of an instance already imported (the same data set
        /// bytes): ignored, and recorded as other copies.
        public var duplicates = 0
        public var quarantined = 0
        /// Entries that could not be read, and, while any file was modified within the settle
        /// time, every file of the folder: the folder is not marked imported, so the next scan
        /// looks again.
        public var deferred = 0
        /// Files modified within the settle time (nothing of the folder was imported).
        public var unsettled = 0
        /// Why entries could not be read (also counted in `deferred`).
        public var problems: [String] = []
        /// Quarantined files that could not be moved (left where they are, with their row).
        public var leftInPlace: [String] = []
        public var hiddenIgnored = 0
        /// Series that got new or replaced images (and a queued job).
        public var series = 0
        public var complete: Bool { deferred == 0 }
    }

    public func importFolder(_ folder: String, now: Date = Date()) throws -> Report {
        var report = Report(folder: folder)
        // Taken before the walk: a file added while the import runs changes the folder after
        // this, so the next scan sees the change.
        guard let before = FileIdentity(path: folder), before.isDirectory else {
            throw QuarantineError(message: "\(folder) is not a folder")
        }
        let walk = FolderWalk(folder)
        report.hiddenIgnored = walk.hidden
        report.problems = walk.problems
        report.deferred = walk.problems.count
        // A file modified within the settle time may still be being written: the whole folder
        // waits for the next scan. Importing the settled part would let its series be
        // de-identified and sent before the rest arrives (a NIfTI volume with slices missing;
        // files copied with their times kept, by `cp -p` or rsync, settle at different moments).
        let unsettled = walk.files.filter { now.timeIntervalSince1970 - $0.identity.modifiedAt < settle }.count
        if unsettled > 0 {
            report.deferred += walk.files.count
            report.unsettled = unsettled
            return report
        }
        var touchedSeries = Set<Int64>()
        let (project, refusal) = projectOf(folder: folder)
        // A drop that names no project, on a node with projects: each file routed by the rules.
        let policy = routing?.policy
        let routeEach = policy != nil && RoutingPolicy.project(ofFolderName: (folder as NSString).lastPathComponent) == nil
        var batches = stride(from: 0, to: walk.files.count, by: batchSize).map {
            Array(walk.files[$0..<min($0 + batchSize, walk.files.count)])
        }
        if batches.isEmpty { batches = [[]] }
        for (n, batch) in batches.enumerated() {
            let headers = FolderImporter.readHeaders(batch, routing: routeEach ? policy : nil)
            let comparisons = try compareWithImported(headers.compactMap { try? $0.get() }, folderProject: project)
            let others = n == 0 ? walk.others : []
            var entries: [ImportEntry] = []
            var byPath: [String: ImageHeader] = [:]
            for (file, header) in zip(batch, headers) {
                switch header {
                case .success(let h) where refusal != nil:
                    entries.append(.quarantine(path: h.path, reason: refusal!))
                case .success(let h) where FolderImporter.unrouted(h.route):
                    entries.append(.quarantine(path: h.path, reason: "a dropped file no routing rule takes (its folder names no project)"))
                case .success(let h):
                    byPath[h.path] = h
                    var image = h.indexed
                    image.receivedAt = Date(timeIntervalSince1970: file.identity.modifiedAt)
                    image.project = FolderImporter.project(of: h, folderProject: project)
                    entries.append(.image(image, earlier: comparisons[InstanceKey(project: image.project, sopInstanceUID: h.sopInstanceUID)]))
                case .failure(let rejection):
                    entries.append(.quarantine(path: file.path, reason: rejection.reason))
                }
            }
            for path in others {
                entries.append(.quarantine(path: path, reason: "not a regular file (symbolic link or device), not followed"))
            }
            let counts = try database.recordImport(
                entries, placement: quarantine.placement,
                sameDataSet: { oldPath, image in byPath[image.path].map { FolderImporter.sameDataSet(oldPath, $0) } ?? false },
                firstStage: firstStage, maxAttempts: maxAttempts, queueing: touchedSeries,
                reason: "new images from \(folder)", importing: folder, now: now)
            metrics.count(.init(imported: counts.added + counts.replaced, duplicates: counts.duplicates,
                                quarantined: counts.quarantined, bytes: counts.bytes))
            report.added += counts.added
            report.replaced += counts.replaced
            report.duplicates += counts.duplicates
            report.quarantined += counts.quarantined
            // Copies of instances still staged elsewhere: the folder is imported again later.
            report.deferred += counts.deferred
            touchedSeries.formUnion(counts.series)
        }
        report.series = touchedSeries.count
        report.leftInPlace = quarantine.finishPendingMoves(database).leftInPlace
        if report.complete {
            // Its staged images (indexed while it arrived) are released: their series queued.
            report.series += try database.recordImportedFolder(
                ImportedFolderRecord(path: folder, device: before.device, inode: before.inode, modifiedAt: before.modifiedAt,
                                     images: report.added + report.replaced, duplicates: report.duplicates,
                                     quarantined: report.quarantined, at: now),
                reason: "\(folder): \(report.added) added, \(report.replaced) replaced, \(report.duplicates) duplicates, \(report.quarantined) quarantined",
                releasingStaged: firstStage, maxAttempts: maxAttempts)
        }
        return report
    }

    /// Whether routing took no project for a dropped file.
    static func unrouted(_ route: RoutingVerdict?) -> Bool {
        switch route {
        case .refuse?, .project(RoutingPolicy.unroutedProject)?: true
        default: false
        }
    }

    /// The project a folder's images go to, or why they are quarantined.
    func projectOf(folder: String) -> (project: String, refusal: String?) {
        guard let projects = routing?.projects else {
            // A node without projects: a folder a node with projects staged for one of them
            // (before PROJECTS_FILE was taken away) is not the default project's to send.
            if let named = RoutingPolicy.project(ofFolderName: (folder as NSString).lastPathComponent), named != ImportedImage.defaultProject {
                return (named, "its folder names project \(named), and this node has no projects (PROJECTS_FILE)")
            }
            return (ImportedImage.defaultProject, nil)
        }
        guard let named = RoutingPolicy.project(ofFolderName: (folder as NSString).lastPathComponent) else {
            return (ImportedImage.defaultProject, nil)
        }
        if named == RoutingPolicy.unroutedProject { return (named, "no routing rule took it (ROUTING_UNMATCHED is quarantine)") }
        if !projects.contains(named) { return (named, "its folder names project \(named), which is not configured") }
        return (named, nil)
    }

    /// For instances of the batch already imported from another file: whether that file's data
    /// set is the same as the new one's. Done before the write transaction, so reading files
    /// never holds the database's write lock.
    typealias Comparison = EarlierCopy

    private func compareWithImported(_ headers: [ImageHeader], folderProject: String) throws -> [InstanceKey: Comparison] {
        let keys = headers.map { InstanceKey(project: FolderImporter.project(of: $0, folderProject: folderProject), sopInstanceUID: $0.sopInstanceUID) }
        let existing = try database.importedCopies(of: keys)
        var result: [InstanceKey: Comparison] = [:]
        for (h, key) in zip(headers, keys) {
            guard let (path, size) = existing[key], path != h.path else { continue }
            result[key] = Comparison(path: path, size: size, sameDataSet: FolderImporter.sameDataSet(path, h))
        }
        return result
    }

    /// The project a file goes to: the one routing chose for it, else its folder's.
    static func project(of h: ImageHeader, folderProject: String) -> String {
        if case .project(let routed?) = h.route { return routed }
        return folderProject
    }

    static func sameDataSet(_ oldPath: String, _ h: ImageHeader) -> Bool {
        guard case .success(let old) = ImageHeader.read(path: oldPath, size: 0) else { return false }
        return FileComparison.sameContents(oldPath, from: old.dataSetOffset, h.path, from: h.dataSetOffset)
    }

    /// Reads headers on all cores.
    static func readHeaders(_ files: [(path: String, identity: FileIdentity)], routing: RoutingPolicy? = nil) -> [Result<ImageHeader, ImageHeader.Rejection>] {
        let results = UnsafeMutableBufferPointer<Result<ImageHeader, ImageHeader.Rejection>?>.allocate(capacity: files.count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        nonisolated(unsafe) let out = results
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            out[i] = ImageHeader.read(path: files[i].path, size: files[i].identity.size, routing: routing)
        }
        return results.map { $0! }
    }
}

extension ImageHeader {
    /// The header as the index records it.
    var indexed: ImportedImage {
        ImportedImage(path: path, size: size, studyInstanceUID: studyInstanceUID, seriesInstanceUID: seriesInstanceUID,
                      sopInstanceUID: sopInstanceUID, sopClassUID: sopClassUID, transferSyntaxUID: transferSyntaxUID,
                      modality: modality)
    }
}

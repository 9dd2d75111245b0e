import Foundation
import SenditIndex

extension FolderImporter {
    /// Indexes instances the receiver placed in staging folders still being written (their
    /// studies not quiet yet), so their series are de-identified and sent as they arrive. Only
    /// the plain case is taken here: a readable instance new to its project, recorded `staged`;
    /// anything else (unreadable, refused by routing, a copy of an instance already indexed, a
    /// re-sent copy the staging area placed beside the first) waits for the folder's own import
    /// once it is finished, which decides it as for any folder. Never quarantines, never records
    /// a folder.
    public func importStaged(_ landed: [String], now: Date = Date()) throws -> Report {
        var report = Report(folder: "staging folders")
        var seen = Set<String>(), byFolder: [String: [String]] = [:], folders: [String] = []
        for path in landed where seen.insert(path).inserted {
            let folder = (path as NSString).deletingLastPathComponent
            if byFolder[folder] == nil { folders.append(folder) }
            byFolder[folder, default: []].append(path)
        }
        let policy = routing?.policy
        var touched = Set<Int64>()
        for folder in folders {
            let (project, refusal) = projectOf(folder: folder)
            // A folder the receiver staged without a project on a node with projects (or one
            // routing kept for the quarantine): its folder's import decides.
            if refusal != nil || (policy != nil && RoutingPolicy.project(ofFolderName: (folder as NSString).lastPathComponent) == nil) {
                continue
            }
            let files = byFolder[folder]!.compactMap { path in FileIdentity(path: path).map { (path: path, identity: $0) } }
            for batchStart in stride(from: 0, to: files.count, by: batchSize) {
                let batch = Array(files[batchStart..<min(batchStart + batchSize, files.count)])
                var entries: [ImportEntry] = []
                for (file, header) in zip(batch, FolderImporter.readHeaders(batch)) {
                    guard case .success(let h) = header, !FolderImporter.unrouted(h.route) else { continue }
                    var image = h.indexed
                    image.receivedAt = Date(timeIntervalSince1970: file.identity.modifiedAt)
                    image.project = FolderImporter.project(of: h, folderProject: project)
                    image.staged = true
                    entries.append(.image(image, earlier: nil))
                }
                guard !entries.isEmpty else { continue }
                let counts = try database.recordImport(
                    entries, placement: quarantine.placement, sameDataSet: { _, _ in false },
                    firstStage: firstStage, maxAttempts: maxAttempts, queueing: [],
                    reason: "instances arriving in \(folder)", importing: nil, now: now)
                // Staged entries are only ever added (anything else waits for the folder's import).
                metrics.count(.init(imported: counts.added, duplicates: 0, quarantined: 0, bytes: counts.bytes))
                report.added += counts.added
                touched.formUnion(counts.series)
            }
        }
        report.series = touched.count
        return report
    }
}

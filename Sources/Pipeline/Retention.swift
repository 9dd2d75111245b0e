#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SenditIndex
import SenditIntake

/// Clean-up: removes DONE images (the original and its other copies when they are in the data
/// folder, the outbox copy, then the rows) once the retention policy allows, and never before every enabled destination
/// verified the image (checked here again, whatever the status says). What remains is the audit
/// trail: the events, and one `seriesSummary` row per series (counts, bytes, times,
/// destinations). Files go first, rows after, in the transaction that chose them: a kill
/// between leaves rows whose files are gone, and the next sweep finishes them. Folders left
/// empty are removed.
public struct Retention: Sendable {
    public enum Policy: Equatable, Sendable, CustomStringConvertible {
        case immediately
        case after(days: Double)
        case never

        /// `0`, a number of days, or `never`.
        public init?(setting: String) {
            let s = setting.trimmingCharacters(in: .whitespaces).lowercased()
            if s == "never" { self = .never; return }
            guard let days = Double(s), days >= 0, days <= 36_500 else { return nil }
            self = days == 0 ? .immediately : .after(days: days)
        }

        public var description: String {
            switch self {
            case .immediately: "immediately"
            case .after(let days): "after \(days) days"
            case .never: "never"
            }
        }
    }

    public struct Report: Sendable, Equatable {
        public var images = 0
        public var bytes: Int64 = 0
        public var series = 0
        public var folders = 0
        /// Files that could not be removed (their image is kept for the next sweep).
        public var problems: [String] = []
        /// The images kept for that reason.
        public var keptImageIds: Set<Int64> = []
    }

    public let database: any IndexStore
    public let dataFolder: String
    public let outboxFolder: String
    public let destinations: [String]
    public let policy: Policy
    /// A node with projects: each project's own destinations and retention (its images are
    /// removed only once verified at its destinations, as its policy says), as they are now
    /// (SIGHUP may change them). Empty: one sweep over every image with `destinations` and
    /// `policy`.
    public var projects: @Sendable () -> [ProjectRetention] = { [] }

    public struct ProjectRetention: Sendable, Equatable {
        public let name: String
        public let destinations: [String]
        public let policy: Policy
        public init(name: String, destinations: [String], policy: Policy) {
            self.name = name
            self.destinations = destinations
            self.policy = policy
        }
    }

    public init(database: any IndexStore, dataFolder: String, outboxFolder: String, destinations: [String], policy: Policy) {
        self.database = database
        self.dataFolder = dataFolder
        self.outboxFolder = outboxFolder
        self.destinations = destinations
        self.policy = policy
    }

    typealias Candidate = CleanupCandidate

    /// Removes up to `limit` images the policy allows. Returns what it did.
    @discardableResult
    /// `skipping`: images a sweep could not remove before; left out, so that they do not fill
    /// every batch and hold up the others.
    public func sweep(now: Date = Date(), limit: Int = 2000, skipping: Set<Int64> = []) throws -> Report {
        let projects = self.projects()
        guard !projects.isEmpty else {
            return try sweep(project: nil, destinations: destinations, policy: policy, now: now, limit: limit, skipping: skipping)
        }
        var total = Report()
        for p in projects {
            let r = try sweep(project: p.name, destinations: p.destinations, policy: p.policy, now: now, limit: limit, skipping: skipping)
            total.images += r.images
            total.bytes += r.bytes
            total.series += r.series
            total.folders += r.folders
            total.problems += r.problems
            total.keptImageIds.formUnion(r.keptImageIds)
        }
        return total
    }

    func sweep(project: String?, destinations: [String], policy: Policy, now: Date, limit: Int, skipping: Set<Int64>) throws -> Report {
        var report = Report()
        let cutoff: Date
        switch policy {
        case .never: return report
        case .immediately: cutoff = now
        case .after(let days): cutoff = now.addingTimeInterval(-days * 86_400)
        }
        // No destination enabled: nothing is ever verified, so nothing is removed.
        guard !destinations.isEmpty else { return report }
        // One write transaction: the candidates are chosen, their files unlinked and their rows
        // deleted while no other writer (an import replacing an instance, a stage) can change
        // them. A kill after some unlinks leaves rows whose files are gone; the next sweep
        // finishes them (a file already gone counts as removed).
        var folders = Set<String>()
        let outcome = try database.cleanUp(cutoff: cutoff, limit: limit, skipping: skipping, project: project, destinations: destinations,
                                           reason: "retention \(policy): original, other copies and outbox copy removed",
                                           now: now) { c in
            // Originals are removed only from the data folder: a folder imported from elsewhere
            // with `sendit import` is a person's, and stays.
            let paths = [c.outboxPath].compactMap { $0 } + (c.others + [c.path]).filter { PipelineConfiguration.contains(dataFolder, $0) }
            let failures = paths.compactMap(Self.remove)
            guard failures.isEmpty else {
                report.problems += failures
                report.keptImageIds.insert(c.id)
                return false
            }
            folders.insert((c.path as NSString).deletingLastPathComponent)
            for other in c.others { folders.insert((other as NSString).deletingLastPathComponent) }
            if let o = c.outboxPath { folders.insert((o as NSString).deletingLastPathComponent) }
            return true
        }
        report.images = outcome.removed.count
        report.bytes = outcome.removed.reduce(0) { $0 + $1.size + $1.outboxSize }
        report.series = outcome.series
        guard report.images > 0 else { return report }
        report.folders = try tidy(folders)
        return report
    }

    /// Unlinks a file; a file already gone is fine. Returns the problem, if any.
    static func remove(_ path: String) -> String? {
        if unlink(path) == 0 || errno == ENOENT { return nil }
        return "\(path): \(String(cString: strerror(errno)))"
    }

    /// Removes the folders left empty, and their empty parents up to (not including) the data
    /// folder and the outbox; an imported folder that remains gets its new modification time in
    /// `importedFolder` (so the watcher does not import it again), one that went loses its row.
    func tidy(_ folders: Set<String>) throws -> Int {
        var removed = 0
        var touched = Set<String>()
        for start in folders.sorted(by: >) {
            var folder = start
            while let root = [dataFolder, outboxFolder].first(where: { PipelineConfiguration.contains($0, folder) && folder != $0 }) {
                if root == dataFolder { touched.insert(Self.topFolder(of: folder, in: dataFolder)) }
                guard rmdir(folder) == 0 else { break }
                removed += 1
                folder = (folder as NSString).deletingLastPathComponent
            }
        }
        try database.refreshImportedFolders(touched.map { top in
            (path: top, now: FileIdentity(path: top).map { FolderStamp(device: $0.device, inode: $0.inode, modifiedAt: $0.modifiedAt) })
        })
        return removed
    }

    /// The data folder's child that holds `folder`.
    static func topFolder(of folder: String, in data: String) -> String {
        let rest = folder.dropFirst(data.count + 1)
        return data + "/" + (rest.split(separator: "/").first.map(String.init) ?? "")
    }
}

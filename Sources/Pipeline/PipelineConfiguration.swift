import Foundation
import SenditIndex

/// The intake and job queue's settings (DATABASE, QUARANTINE_FOLDER, STABLE_AGE, …), validated
/// by the configuration loader. Paths are absolute.
public struct PipelineConfiguration: Sendable, Equatable {
    public var databasePath: String
    public var quarantineFolder: String
    /// Seconds a staging folder must be quiet before it is finished.
    public var stableAge: TimeInterval = 60
    /// Index (then de-identify and send) each instance the receiver acknowledged as it lands,
    /// before its study is quiet; the stable age then holds only what needs a complete series.
    public var importBeforeQuiet = true
    /// Seconds between rescans of the data folder.
    public var rescanInterval: TimeInterval = 10
    /// Files per import transaction.
    public var importBatch = 2000
    /// Threads running jobs.
    public var workers: Int = UsableProcessors.count
    public var retry = RetryPolicy()
    /// Where de-identified copies are written.
    public var outboxFolder: String
    /// The mode-0600 secrets file (DEID_KEY).
    public var secretsFile: String

    public init(databasePath: String, quarantineFolder: String) {
        self.databasePath = databasePath
        self.quarantineFolder = quarantineFolder
        let parent = (quarantineFolder as NSString).deletingLastPathComponent
        outboxFolder = parent + "/outbox"
        secretsFile = parent + "/secrets"
    }

    /// The path made absolute and tidied ("./a/../b" → "<cwd>/b"); symbolic links are kept.
    public static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true))
            .standardizedFileURL.path
    }

    /// True if `inner` is `outer` or inside it (both absolute).
    public static func contains(_ outer: String, _ inner: String) -> Bool {
        inner == outer || inner.hasPrefix(outer.hasSuffix("/") ? outer : outer + "/")
    }
}

import Foundation
import Pipeline

/// The pipeline's parts as every command builds them from the configuration: the database (its
/// parent folder made if needed), the quarantine, the importer, the job queue and the stages.
struct PipelineWiring {
    let configuration: PipelineConfiguration
    let database: IndexDatabase
    let quarantine: Quarantine
    let importer: FolderImporter
    let queue: JobQueue
    /// The stages, first first. Until identify/de-identify/send arrive, one placeholder.
    static let stages: [any StageHandler] = [MarkProcessedStage()]

    /// `existing`: the database must already exist (commands that only look or repair: a typo
    /// in DATABASE is an error, not an empty index).
    init(_ settings: SenditConfiguration, existing: Bool = false) throws {
        configuration = try settings.pipeline()
        if existing && !FileManager.default.fileExists(atPath: configuration.databasePath) {
            throw SenditConfiguration.ConfigurationError(message: "no index at \(configuration.databasePath) (DATABASE); `sendit serve` or `sendit import` makes it")
        }
        let parent = (configuration.databasePath as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        database = try IndexDatabase(path: configuration.databasePath)
        quarantine = try Quarantine(folder: configuration.quarantineFolder)
        var importer = FolderImporter(database: database, quarantine: quarantine, firstStage: Self.stages.first?.stage,
                                      maxAttempts: configuration.retry.maxAttempts)
        importer.batchSize = configuration.importBatch
        self.importer = importer
        queue = JobQueue(database: database, policy: configuration.retry,
                         workingStatuses: Dictionary(Self.stages.map { ($0.stage, $0.workingStatus) }, uniquingKeysWith: { a, _ in a }))
    }
}

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

    init(_ settings: SenditConfiguration) throws {
        configuration = try settings.pipeline()
        let parent = (configuration.databasePath as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        database = try IndexDatabase(path: configuration.databasePath)
        quarantine = try Quarantine(folder: configuration.quarantineFolder)
        importer = FolderImporter(database: database, quarantine: quarantine, firstStage: Self.stages.first?.stage,
                                  maxAttempts: configuration.retry.maxAttempts)
        queue = JobQueue(database: database, policy: configuration.retry)
    }
}

import Deidentify
import Foundation
import Logging
import Pipeline
import SenditIndex
import RemoteServices

/// The pipeline's parts as every command builds them from the configuration: the database (its
/// parent folder made if needed), the quarantine, the importer, the job queue and the stages.
struct PipelineWiring {
    let configuration: PipelineConfiguration
    let database: IndexDatabase
    let quarantine: Quarantine
    let importer: FolderImporter
    let queue: JobQueue
    /// The enabled destinations (SEND_TO_ORTHANC, EXTRA_DESTINATIONS), each with its send stage.
    let destinations: [DeliveryDestination]
    /// The stages before sending, first first, and the status each holds its images in.
    static let processingStages = ["identify", "deidentify"]
    static let workingStatuses: [String: ImageStatus] = ["identify": .processing, "deidentify": .processing]
    /// Every stage: processing, then one send stage per destination.
    var stageNames: [String] { Self.processingStages + destinations.map(\.stage) }

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
        var importer = FolderImporter(database: database, quarantine: quarantine, firstStage: Self.processingStages.first,
                                      maxAttempts: configuration.retry.maxAttempts)
        importer.batchSize = configuration.importBatch
        self.importer = importer
        destinations = try settings.destinations()
        let sendPolicy = try settings.sendRetryPolicy(lease: configuration.retry.lease)
        queue = JobQueue(database: database, policy: configuration.retry, workingStatuses: Self.workingStatuses,
                         stagePolicies: Dictionary(uniqueKeysWithValues: destinations.map { ($0.stage, sendPolicy) }))
    }

    /// The processing stages `sendit serve` runs: identify (the service or the keyed local
    /// pseudonymizer) and de-identify into the outbox, which then queues a send job per
    /// destination. Opens the secrets file (making the key on first use).
    func makeStages(_ settings: SenditConfiguration, logger: Logger) throws -> [any StageHandler] {
        let (provider, engine, hash) = try PipelineWiring.deidentification(settings, secretsFile: configuration.secretsFile)
        let outbox = try Outbox(folder: configuration.outboxFolder, sync: try settings.bool("FSYNC"))
        outbox.removeLeftovers()
        var deidentify = DeidentifyStage(engine: engine, outbox: outbox, rules: try settings.burnedInRules(), logger: logger)
        deidentify.nextStages = destinations.map(\.stage)
        deidentify.sendMaxAttempts = { [queue] in queue.policy(for: $0).maxAttempts }
        let identify = IdentifyStage(provider: provider, hash: hash, fields: try settings.identifierFields())
        deidentify.patientOfImage = identify.patientOfImage
        let stages: [any StageHandler] = [identify, deidentify]
        precondition(stages.map(\.stage) == Self.processingStages)
        return stages
    }

    /// One send stage per destination (run by their own pool of workers): C-STORE for DICOM
    /// destinations, a NIfTI upload for Google Cloud Storage.
    func makeSendStages(_ settings: SenditConfiguration, logger: Logger) throws -> [any StageHandler] {
        let acceptWarnings = try settings.bool("SEND_ACCEPT_WARNINGS")
        let associations = try settings.sendAssociations()
        let names = destinations.map(\.name)
        return try destinations.map { destination -> any StageHandler in
            switch destination.target {
            case .dicom:
                var stage = SendStage(destination: destination, destinations: names, logger: logger)
                stage.acceptWarnings = acceptWarnings
                stage.associations = associations
                return stage
            case .googleCloudStorage(let bucket, _):
                var stage = GoogleStage(destination: destination, destinations: names, storage: try settings.googleStorage(bucket: bucket),
                                        logger: logger)
                stage.fields = try settings.googleMetadataFields()
                return stage
            }
        }
    }

    /// The clean-up of delivered images, as RETENTION says.
    func retention(_ settings: SenditConfiguration) throws -> Retention {
        Retention(database: database, dataFolder: PipelineConfiguration.absolute(settings.string("DATA_FOLDER")),
                  outboxFolder: configuration.outboxFolder, destinations: destinations.map(\.name), policy: try settings.retention())
    }

    /// Where identifiers come from (the service when DEIDENTIFY_RESTFUL, else the keyed local
    /// pseudonymizer) and the engine, both keyed by the secrets file's DEID_KEY; and that key's
    /// hash, which the identify stage keys its digests of originals with.
    static func deidentification(_ settings: SenditConfiguration, secretsFile: String) throws -> (any IdentifiersProvider, Deidentifier, KeyedHash) {
        let secrets = try SecretsFile.open(secretsFile)
        let hash = KeyedHash(key: try secrets.deidentificationKey())
        let provider: any IdentifiersProvider
        if let url = try settings.identifiersURL() {
            provider = RESTIdentifiersProvider(url: url, token: secrets.values["IDENTIFIERS_TOKEN"], timeout: try settings.double("IDENTIFIERS_TIMEOUT"))
        } else {
            provider = LocalIdentifiersProvider(pseudonymizer: LocalPseudonymizer(hash: hash, jitterRange: try settings.jitterRange()))
        }
        return (provider, Deidentifier(settings: try settings.deidentification(), uids: UIDRemapper(hash: hash)), hash)
    }
}

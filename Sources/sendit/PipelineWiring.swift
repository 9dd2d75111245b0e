import Deidentify
import Foundation
import Logging
import Pipeline
import SenditIndex
import RemoteServices
import SenditIntake

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
    init(_ node: NodeConfiguration, existing: Bool = false) throws {
        configuration = node.pipeline
        if existing && !FileManager.default.fileExists(atPath: configuration.databasePath) {
            throw NoIndex(path: configuration.databasePath)
        }
        let parent = (configuration.databasePath as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        database = try IndexDatabase(path: configuration.databasePath)
        quarantine = try Quarantine(folder: configuration.quarantineFolder)
        var importer = FolderImporter(database: database, quarantine: quarantine, firstStage: Self.processingStages.first,
                                      maxAttempts: configuration.retry.maxAttempts)
        importer.batchSize = configuration.importBatch
        self.importer = importer
        destinations = node.destinations
        queue = JobQueue(database: database, policy: configuration.retry, workingStatuses: Self.workingStatuses,
                         stagePolicies: Dictionary(uniqueKeysWithValues: destinations.map { ($0.stage, node.sendRetryPolicy) }))
    }

    /// A command that only looks or repairs found no database at DATABASE.
    struct NoIndex: Error, CustomStringConvertible {
        let path: String
        var description: String { "no index at \(path) (DATABASE); `sendit serve` or `sendit import` makes it" }
    }

    /// The processing stages `sendit serve` runs: identify (the service or the keyed local
    /// pseudonymizer) and de-identify into the outbox, which then queues a send job per
    /// destination. Opens the secrets file (making the key on first use).
    func makeStages(_ node: NodeConfiguration, logger: Logger) throws -> [any StageHandler] {
        let (provider, engine, hash) = try PipelineWiring.deidentification(node)
        let outbox = try Outbox(folder: configuration.outboxFolder, sync: node.fsync)
        outbox.removeLeftovers()
        var deidentify = DeidentifyStage(engine: engine, outbox: outbox, rules: node.burnedInRules, logger: logger)
        deidentify.nextStages = destinations.map(\.stage)
        deidentify.sendMaxAttempts = { [queue] in queue.policy(for: $0).maxAttempts }
        let identify = IdentifyStage(provider: provider, hash: hash, fields: node.identifierFields)
        deidentify.patientOfImage = identify.patientOfImage
        let stages: [any StageHandler] = [identify, deidentify]
        precondition(stages.map(\.stage) == Self.processingStages)
        return stages
    }

    /// One send stage per destination (run by their own pool of workers): C-STORE for DICOM
    /// destinations, a NIfTI upload for Google Cloud Storage, STOW-RS for DICOMweb.
    func makeSendStages(_ node: NodeConfiguration, logger: Logger) throws -> [any StageHandler] {
        let names = destinations.map(\.name)
        return try destinations.map { destination -> any StageHandler in
            switch destination.target {
            case .dicom:
                var stage = SendStage(destination: destination, destinations: names, logger: logger)
                stage.acceptWarnings = node.sendAcceptWarnings
                stage.associations = node.sendAssociations
                return stage
            case .googleCloudStorage:
                guard let storage = node.googleStorage else { throw NoGoogleStorage() }
                var stage = GoogleStage(destination: destination, destinations: names, storage: storage, logger: logger)
                stage.fields = node.googleMetadataFields
                return stage
            case .dicomweb:
                var stage = DICOMwebStage(destination: destination, destinations: names,
                                          scratchFolder: configuration.outboxFolder + "/.incoming", logger: logger)
                stage.acceptWarnings = node.sendAcceptWarnings
                return stage
            }
        }
    }

    /// The clean-up of delivered images, as RETENTION says.
    func retention(_ node: NodeConfiguration) -> Retention {
        Retention(database: database, dataFolder: node.dataFolder, outboxFolder: configuration.outboxFolder,
                  destinations: destinations.map(\.name), policy: node.retention)
    }

    /// A Google destination without its storage client (resolution makes both, or neither).
    struct NoGoogleStorage: Error, CustomStringConvertible {
        var description: String { "the Google destination has no storage client" }
    }

    /// Where identifiers come from (the service when DEIDENTIFY_RESTFUL, else the keyed local
    /// pseudonymizer) and the engine, both keyed by the secrets file's DEID_KEY; and that key's
    /// hash, which the identify stage keys its digests of originals with.
    static func deidentification(_ node: NodeConfiguration) throws -> (any IdentifiersProvider, Deidentifier, KeyedHash) {
        let secrets = try SecretsFile.open(node.pipeline.secretsFile)
        let hash = KeyedHash(key: try secrets.deidentificationKey())
        let provider: any IdentifiersProvider
        if let url = node.identifiersURL {
            provider = RESTIdentifiersProvider(url: url, token: secrets.values["IDENTIFIERS_TOKEN"], timeout: node.identifiersTimeout)
        } else {
            provider = LocalIdentifiersProvider(pseudonymizer: LocalPseudonymizer(hash: hash, jitterRange: node.jitterRange))
        }
        return (provider, Deidentifier(settings: node.deidentification, uids: UIDRemapper(hash: hash)), hash)
    }
}

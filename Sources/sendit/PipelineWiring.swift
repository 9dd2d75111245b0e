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
    /// The projects' routing in force (nil: no projects); SIGHUP replaces what it holds.
    let routing: ProjectRouting?
    let reloadable = Reloadable()
    /// Where originals indexed before their study was quiet are now (IMPORT_BEFORE_QUIET): the
    /// intake renames their staging folders through it, the stages read them through it.
    let stagingPaths = StagingPaths()
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
        if let policy = node.routing {
            routing = ProjectRouting(policy: policy, projects: Set(node.projects.map(\.name)))
        } else {
            routing = nil
        }
        importer.routing = routing
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
        let outbox = try Outbox(folder: configuration.outboxFolder, sync: node.fsync)
        outbox.removeLeftovers()
        // Each project its own identify and de-identify stages (its settings, its key, its
        // destinations), run for the series of that project. A node without projects has one,
        // default: a series left of a project it no longer has is refused, named, not processed
        // with the node's settings.
        let kinds = try processingStages(node, project: nil, destinations: destinations, outbox: outbox, logger: logger)
        let byProject = node.projects.isEmpty
            ? kinds.map { [ImportedImage.defaultProject: $0] } : try projectProcessingStages(node, outbox: outbox, logger: logger)
        let own = zip(byProject, kinds).map { ProjectStage($0, kind: $1, projects: Self.projectNames(node)) }
        reloadable.outbox = outbox
        reloadable.processing = own.map(\.table)
        let stages: [any StageHandler] = own
        precondition(stages.map(\.stage) == Self.processingStages)
        return stages
    }

    /// Every project's identify stages, then every project's de-identify stages, by project.
    func projectProcessingStages(_ node: NodeConfiguration, outbox: Outbox, logger: Logger) throws -> [[String: any StageHandler]] {
        var byProject: [[String: any StageHandler]] = [[:], [:]]
        for p in node.projects {
            let own = try processingStages(p.configuration, project: p, destinations: p.destinations, outbox: outbox, logger: logger)
            for (i, s) in own.enumerated() { byProject[i][p.name] = s }
        }
        return byProject
    }

    /// What SIGHUP replaces: the projects' stage tables and retention (set by `makeStages`,
    /// `makeSendStages` and `retention`).
    final class Reloadable: @unchecked Sendable {
        var outbox: Outbox?
        var processing: [ProjectStage.Table] = []
        var delivery: [String: ProjectStage.Table] = [:]
        private let lock = NSLock()
        private var retentionNow: [Retention.ProjectRetention] = []
        var retention: [Retention.ProjectRetention] {
            get { lock.withLock { retentionNow } }
            set { lock.withLock { retentionNow = newValue } }
        }
    }

    /// Replaces the projects and their rules with `node`'s (SIGHUP): the routing, each stage's
    /// projects, retention. The node's own settings (listener, destinations, storage) stay as
    /// they were; a project naming a destination the node does not have was refused when
    /// `node` was resolved.
    func reload(_ node: NodeConfiguration, logger: Logger) throws {
        guard let routing, let policy = node.routing, let outbox = reloadable.outbox else {
            throw ReloadRefused(why: "the node was started without PROJECTS_FILE (or with it, and it is now empty): restart it to change that")
        }
        // The destinations are the node's: a change there (one added, removed or moved) has no
        // worker or would redirect images already promised elsewhere, so it waits for a restart.
        guard node.destinations.map(\.indexed) == destinations.map(\.indexed) else {
            throw ReloadRefused(why: "the node's destinations changed (EXTRA_DESTINATIONS, ORTHANC_*, DICOMWEB_*, GOOGLE_*): restart the node for that; nothing was reloaded")
        }
        let processing = try projectProcessingStages(node, outbox: outbox, logger: logger)
        let delivery = try projectSendStages(node, logger: logger)
        let names = Self.projectNames(node)
        for (table, stages) in zip(reloadable.processing, processing) { table.replace(stages, projects: names) }
        for (stage, table) in reloadable.delivery { table.replace(delivery[stage] ?? [:], projects: names) }
        reloadable.retention = Self.projectRetention(node)
        routing.replace(policy: policy, projects: Set(node.projects.map(\.name)))
    }

    /// The node's projects' names (`default` alone without PROJECTS_FILE).
    static func projectNames(_ node: NodeConfiguration) -> Set<String> {
        node.projects.isEmpty ? [ImportedImage.defaultProject] : Set(node.projects.map(\.name))
    }

    struct ReloadRefused: Error, CustomStringConvertible {
        let why: String
        var description: String { why }
    }

    /// Identify and de-identify for one project (nil: the node without projects).
    func processingStages(_ node: NodeConfiguration, project: NodeProject?, destinations: [DeliveryDestination], outbox: Outbox,
                          logger: Logger) throws -> [any StageHandler] {
        let (provider, engine, hash) = try PipelineWiring.deidentification(node, project: project)
        // The default project keeps the outbox itself (as a node without projects); any other its own.
        var outbox = outbox
        if let name = project?.name, name != ImportedImage.defaultProject {
            outbox = try outbox.forProject(name)
            outbox.removeLeftovers()
        }
        var deidentify = DeidentifyStage(engine: engine, outbox: outbox, rules: node.burnedInRules, logger: logger)
        deidentify.nextStages = destinations.map(\.stage)
        deidentify.sendMaxAttempts = { [queue] in queue.policy(for: $0).maxAttempts }
        deidentify.copies.drop = project?.drop ?? []
        var identify = IdentifyStage(provider: provider, hash: hash, fields: node.identifierFields)
        if let own = provider as? ProjectIdentifiers {
            identify.claimedOriginal = { own.claimedOriginal(for: $0) }
            identify.refusal = { own.refusal(for: $0) }
        }
        if let name = project?.name, name != ImportedImage.defaultProject { identify.claimNamespace = "project " + name + ": " }
        deidentify.patientOfImage = identify.patientOfImage
        identify.stagingPaths = stagingPaths
        deidentify.stagingPaths = stagingPaths
        return [identify, deidentify]
    }

    /// One send stage per destination (run by their own pool of workers): C-STORE for DICOM
    /// destinations, a NIfTI upload for Google Cloud Storage, STOW-RS for DICOMweb.
    func makeSendStages(_ node: NodeConfiguration, logger: Logger) throws -> [any StageHandler] {
        let kinds = try sendStages(node, destinations: destinations, logger: logger)
        // A destination's stage, for each project that delivers there (with that project's
        // destinations, all of which must have an image before it is SENT, then DONE); the
        // series of other projects are left alone there. Without projects: default's, as before.
        let byDestination = node.projects.isEmpty
            ? Dictionary(uniqueKeysWithValues: kinds.map { ($0.stage, [ImportedImage.defaultProject: $0]) })
            : try projectSendStages(node, logger: logger)
        return kinds.map { kind in
            let stage = ProjectStage(byDestination[kind.stage] ?? [:], kind: kind, projects: Self.projectNames(node), skipsOtherProjects: true)
            reloadable.delivery[kind.stage] = stage.table
            return stage
        }
    }

    /// By send stage, the stage of each project that delivers there.
    func projectSendStages(_ node: NodeConfiguration, logger: Logger) throws -> [String: [String: any StageHandler]] {
        var byDestination: [String: [String: any StageHandler]] = [:]
        for p in node.projects {
            for stage in try sendStages(node, destinations: p.destinations, logger: logger) { byDestination[stage.stage, default: [:]][p.name] = stage }
        }
        return byDestination
    }

    /// One send stage per destination of `destinations`, each waiting for all of them.
    func sendStages(_ node: NodeConfiguration, destinations: [DeliveryDestination], logger: Logger) throws -> [any StageHandler] {
        let names = destinations.map(\.name)
        return try destinations.map { destination -> any StageHandler in
            switch destination.target {
            case .dicom:
                var stage = SendStage(destination: destination, destinations: names, logger: logger)
                stage.acceptWarnings = node.sendAcceptWarnings
                stage.associations = node.sendAssociations
                // A series still arriving is sent as it comes, by one job on open associations.
                stage.linger = 1
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
        var retention = Retention(database: database, dataFolder: node.dataFolder, outboxFolder: configuration.outboxFolder,
                                  destinations: destinations.map(\.name), policy: node.retention)
        reloadable.retention = Self.projectRetention(node)
        retention.projects = { [reloadable] in reloadable.retention }
        return retention
    }

    static func projectRetention(_ node: NodeConfiguration) -> [Retention.ProjectRetention] {
        node.projects.map {
            Retention.ProjectRetention(name: $0.name, destinations: $0.destinations.map(\.name), policy: $0.configuration.retention)
        }
    }

    /// A Google destination without its storage client (resolution makes both, or neither).
    struct NoGoogleStorage: Error, CustomStringConvertible {
        var description: String { "the Google destination has no storage client" }
    }

    /// Where identifiers come from (the service when DEIDENTIFY_RESTFUL, else the keyed local
    /// pseudonymizer) and the engine, both keyed by the secrets file's DEID_KEY; and that key's
    /// hash, which the identify stage keys its digests of originals with.
    /// A project other than `default` is keyed by its own key, derived from DEID_KEY and its
    /// name (HMAC-SHA256): the same patient gets unrelated pseudonyms and UIDs in two projects,
    /// and `default` keeps the node's own key, so a node that adds projects keeps its pseudonyms.
    /// With a lookup table or a withdrawal list, the project's `ProjectIdentifiers` stand in
    /// front of the provider.
    static func deidentification(_ node: NodeConfiguration, project: NodeProject? = nil) throws -> (any IdentifiersProvider, Deidentifier, KeyedHash) {
        let secrets = try SecretsFile.open(node.pipeline.secretsFile)
        var hash = KeyedHash(key: try secrets.deidentificationKey())
        if let name = project?.name, name != ImportedImage.defaultProject { hash = hash.derived(for: "sendit project key: " + name) }
        var provider: any IdentifiersProvider
        if let url = node.identifiersURL {
            provider = RESTIdentifiersProvider(url: url, token: secrets.values["IDENTIFIERS_TOKEN"], timeout: node.identifiersTimeout)
        } else {
            provider = LocalIdentifiersProvider(pseudonymizer: LocalPseudonymizer(hash: hash, jitterRange: node.jitterRange))
        }
        if let project, project.lookup != nil || !project.withdrawn.isEmpty {
            var own = ProjectIdentifiers(base: provider, project: project.name)
            own.lookup = project.lookup
            own.refuseUnlisted = project.refuseUnlisted
            own.withdrawn = project.withdrawn
            provider = own
        }
        return (provider, Deidentifier(settings: node.deidentification, uids: UIDRemapper(hash: hash)), hash)
    }
}

import ArgumentParser
import DICOMNetwork
import Dispatch
import Foundation
import Logging
import Pipeline
import SenditIndex
import SenditIntake

struct ServeCommand: AsyncParsableCommand, Sendable {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the node: receive studies, import finished folders, run the pipeline's jobs.",
        discussion: """
            Accepts Verification and every Storage SOP class. Each instance is streamed to
            DATA_FOLDER/.incoming/*.part, fsynced, and renamed into
            DATA_FOLDER/<StudyInstanceUID>.tmp<suffix>/<SOPInstanceUID>.dcm before the C-STORE
            response reports Success. With IMPORT_BEFORE_QUIET (the default) each such instance
            is indexed as it lands, and its series de-identified and sent while the study still
            arrives. A study that receives nothing for STABLE_AGE seconds is finished: its folder
            is renamed to DATA_FOLDER/<StudyInstanceUID>, and only then are its images verified,
            made into volumes and cleaned up. Finished folders
            (also those dropped by hand: any folder whose extension does not start with "tmp")
            are imported into the DATABASE index; files that are not importable images go to
            QUARANTINE_FOLDER. WORKERS threads then run each series through the pipeline:
            identify, de-identify into OUTBOX_FOLDER (every file checked by the PHI gate). Then
            SEND_WORKERS threads send each series to each destination (the Orthanc at
            ORTHANC_IPADDRESS:ORTHANC_PORT when SEND_TO_ORTHANC; EXTRA_DESTINATIONS), retrying
            faults with backoff (SEND_RETRY_DELAY doubling to SEND_RETRY_MAX_DELAY), and verify
            each store (Orthanc's REST API at ORTHANC_URL). Verified everywhere, an image is
            DONE; every CLEANUP_INTERVAL seconds, DONE images older than RETENTION days lose
            their files and rows (a summary per series stays).
            After a kill, a restart resumes everything: staging folders keep their stable clock,
            unimported folders are imported, interrupted jobs run again.
            At start, once its port is taken, one block on stderr names the AE title and ports,
            the web address, the folders, each destination, how images are de-identified, the
            workers and the clean-up policy. Logs go to stderr, one line per event. SIGTERM or SIGINT stops accepting, lets
            associations and jobs finish for SHUTDOWN_GRACE seconds, then aborts them.
            The listener, the intake, the workers, the send workers and clean-up run as one
            service group: if one of them fails, the node logs "service failed" naming it, stops
            the others the same way and exits with status 1 (a supervisor restarts it; start-up
            recovery resumes the interrupted work).
            Settings (docs/configuration.md; `sendit config check` shows their values):
            \(SettingsReference.helpList)
            """)

    @OptionGroup var configurationOptions: ConfigurationOptions

    @Option(name: .long, help: "TCP port (overrides DICOM_PORT).")
    var port: Int?

    @Option(name: .long, help: "AE title (overrides DICOM_AE_TITLE).")
    var aet: String?

    @Option(name: .long, help: "Data folder (overrides DATA_FOLDER).")
    var data: String?

    @Option(name: .long, help: ArgumentHelp("Seconds without a new instance before a study is finished (overrides STABLE_AGE).", valueName: "seconds"))
    var stableAge: Double?

    @Option(name: .long, help: "TCP port of the web app (overrides HTTP_PORT).")
    var httpPort: Int?

    @Flag(name: .customLong("receive-only"),
          help: "For benchmarks: receive and retrieve into the staging area only; nothing is imported, de-identified or sent.")
    var receiveOnly = false

    func run() async throws {
        let (node, logger) = try prepare()
        do {
            try await node.group(logger: logger).run()
            node.endRun(.clean)
        } catch is ServiceFailure {
            node.endRun(.failed)
            throw ExitCode(1)   // logged by the service that failed, naming it, before the shutdown
        } catch {
            logger.critical("the node stopped", metadata: ["error": "\(error)"])
            node.endRun(.failed)
            throw ExitCode(1)
        }
    }

    /// Start-up, in order, up to the service group: settings, locks, recovery, the components.
    /// (Synchronous: the index's calls here are the blocking ones.)
    func prepare() throws -> (NodeServices, Logger) {
        let overrides: [SettingValues.Override] = [
            .init(.dicomPort, "--port", port.map(String.init)), .init(.dicomAETitle, "--aet", aet),
            .init(.dataFolder, "--data", data), .init(.stableAge, "--stable-age", stableAge.map { String($0) }),
            .init(.httpPort, "--http-port", httpPort.map(String.init)),
        ]
        ReloadSignal.ignoreUntilInstalled()
        let settings = try configurationOptions.resolve(overrides)
        var configuration = settings.server
        let logger = makeLogger(settings)
        let server: DICOMServer, intake: Intake, workers: JobWorkers, senders: JobWorkers, cleanup: CleanupLoop
        var node: NodeServices
        do {
            let fault = try FaultInjection.from(environment: ProcessInfo.processInfo.environment, services: NodeServices.order)
            if let fault {
                logger.warning("test-only fault injection is armed", metadata: [
                    "variable": "\(FaultInjection.variable)", "service": "\(fault.service)", "trigger": "\(fault.trigger ?? "-")"])
            }
            // The metrics system first: the listener, the importer and the stages made below
            // count into it.
            if settings.httpEnabled { _ = WebWiring.bootstrapMetrics() }
            let pipeline = try PipelineWiring(settings)
            // Order matters: the database lock first (so running jobs are known to be orphans),
            // then the listener's port, then the data folder's lock and the recovery of
            // .incoming (the staging area's), then the intake (which finishes quarantine moves);
            // then the service group starts the workers, the intake and the listener
            // (NodeServices).
            try pipeline.database.lockForServing()
            let reclaimed = try pipeline.queue.reclaimAbandoned()
            if reclaimed > 0 { logger.notice("jobs interrupted by a stop will run again", metadata: ["jobs": "\(reclaimed)"]) }
            // A destination verified by Storage Commitment sends its results to this listener.
            configuration.acceptStorageCommitmentReports = pipeline.destinations.contains(where: \.usesStorageCommitment)
            // Projects: the routing rules choose each instance's project; the listener answers
            // to their AE titles too.
            configuration.routing = pipeline.routing
            // The folder contract of received instances (SenditIntake), which the receiver
            // places them through and the intake finishes.
            let staging = try StagingArea(dataFolder: configuration.dataFolder, sync: configuration.sync)
            server = DICOMServer(configuration: configuration, staging: staging, logger: logger)
            if configuration.acceptStorageCommitmentReports {
                var titles: [String: String] = [:]
                for d in pipeline.destinations {
                    if case .dicom(let dicom, _) = d.target { titles[d.name] = dicom.calledAETitle }
                }
                let results = StorageCommitmentResults(database: pipeline.database, destinations: pipeline.destinations.map(\.name),
                                                       aeTitles: titles)
                server.commitmentReports = { report, callingAETitle in results.record(report, callingAETitle: callingAETitle) }
            }
            try server.openPort()
            // SIGHUP: the TLS certificates (the listener's, the destinations', the retrieval
            // sources') are read again.
            let destinationTLS = pipeline.destinations.compactMap { d -> TLSContextStore? in
                if case .dicom(let dicom, _) = d.target { return dicom.tls }
                return nil
            } + settings.retrieval.settings.sources.compactMap(\.tls)
            // SIGHUP reloads what can change without a restart (ReloadSignal): open associations
            // keep what they began with.
            let reload = ReloadSignal(logger: logger)
            for store in [server.tlsContexts].compactMap({ $0 }) + destinationTLS {
                reload.add("TLS certificates reloaded for \(store.name)") {
                    try store.reload()
                    return "new connections use them"
                }
            }
            // Only now, with the port ours and the data folder locked against a second server,
            // may what a crash left in .incoming be touched. The lock is held until the process
            // exits (the intake still finishes staging folders after the listener stops).
            // Retrieval first: the studies it is retrieving are claimed before the recovery of
            // .incoming routes what a crash left there.
            staging.routing = pipeline.routing
            var retrieval: RetrievalLoop?
            if settings.retrieval.enabled {
                var peer = DICOMRetrievalPeer(callingAETitle: configuration.aeTitle, timeout: settings.retrieval.timeout)
                peer.routing = pipeline.routing
                let loop = RetrievalLoop(store: pipeline.database, settings: settings.retrieval.settings, staging: staging,
                                         peer: peer, logger: logger)
                // What arrives of a study being retrieved goes to its job's project.
                pipeline.routing?.retrieving(claims: { [registry = loop.registry] in registry.claim(studyUID: $0)?.project },
                                             sources: Set(settings.retrieval.settings.sources.map(\.calledAETitle)))
                // The instances of its own C-MOVEs and C-GETs are answered before they are synced,
                // and synced with their study (docs/operations.md, retrieval; invariant 1).
                let rule = RetrievalDurabilityRule(aeTitle: configuration.aeTitle)
                staging.deferral = { [registry = loop.registry] arrival in
                    rule.durability(of: arrival, retrievingFrom: arrival.studyInstanceUID.flatMap { registry.retrievingFrom(studyUID: $0) })
                }
                try loop.prepare()
                retrieval = loop
            }
            // IMPORT_BEFORE_QUIET: what the receiver acknowledges is indexed as it lands (not with
            // --receive-only, whose intake never runs); a re-sent instance never replaces a copy
            // that may be indexed (set before the recovery of .incoming, which places too).
            staging.collectsLanded = pipeline.configuration.importBeforeQuiet && !receiveOnly
            let staged = try pipeline.database.stagedImageCount()
            staging.keepsReplacedAside = staging.collectsLanded || staged > 0
            try staging.lockAndRecover()
            if !staging.recovered.isEmpty || !staging.discarded.isEmpty {
                logger.notice("recovered instances left by a crash", metadata: [
                    "moved_into_staging": "\(staging.recovered.count)", "incomplete_removed": "\(staging.discarded.count)"])
            }
            workers = JobWorkers(queue: pipeline.queue, handlers: try pipeline.makeStages(settings, logger: logger),
                                 count: pipeline.configuration.workers, logger: logger)
            // Receiving and sending first: a sender and a destination wait on them.
            workers.niceness = 5
            // Sending has its own threads: a destination that is slow or down holds up no
            // de-identification, and de-identification none of the sending.
            senders = JobWorkers(queue: pipeline.queue, handlers: try pipeline.makeSendStages(settings, logger: logger),
                                 count: settings.sendWorkers, logger: logger, name: "send")
            workers.afterGivingUp = pipeline.destinations.map(\.stage)
            workers.onQueued = { [workers, senders] in
                workers.wake()
                senders.wake()
            }
            let backlog = try pipeline.queue.enqueueBacklog(destinations: pipeline.destinations.map(\.indexed),
                                                            reason: "waiting for this destination at start-up")
            if backlog > 0 { logger.notice("series waiting to be sent were queued", metadata: ["jobs": "\(backlog)"]) }
            cleanup = CleanupLoop(retention: pipeline.retention(settings), interval: settings.cleanupInterval,
                                  logger: logger)
            intake = Intake(dataFolder: configuration.dataFolder, staging: staging, importer: pipeline.importer,
                            stableAge: pipeline.configuration.stableAge, rescanInterval: pipeline.configuration.rescanInterval,
                            logger: logger, jobsQueued: { [workers] in workers.wake() })
            // Staging folders are finished with their rename recorded (images may have been
            // indexed from them, by this run or an earlier one).
            intake.stagingPaths = pipeline.stagingPaths
            // What lands is indexed within 25 ms (the intake's turn), not 100.
            if staging.collectsLanded { intake.tick = 0.025 }
            try intake.prepare()
            // DISK_MIN_FREE: below it the listener refuses associations and C-STOREs, and the
            // intake and the de-identification workers wait; sending and clean-up go on (they
            // free space). Measured at once, so a node started on a full disk says so.
            let disk = DiskGuard(watermark: settings.diskMinFree,
                                 folders: [("data folder", configuration.dataFolder), ("outbox", pipeline.configuration.outboxFolder)],
                                 logger: logger)
            disk.current()
            server.storageRefusal = { disk.refusal() }
            intake.pausedBecause = { disk.pause() }
            if receiveOnly {
                intake.pausedBecause = { "--receive-only" }
                logger.warning("--receive-only: studies stay in the staging area; nothing is imported, de-identified or sent")
            }
            workers.pausedBecause = { disk.pause() }
            let alerts = settings.alerts.enabled
                ? AlertLoop(store: pipeline.database, settings: settings.alerts, destinations: pipeline.destinations.map(\.indexed),
                            folders: [("data", configuration.dataFolder), ("outbox", pipeline.configuration.outboxFolder)],
                            logger: logger)
                : nil
            // RETRIEVE_SOURCES: the retrieval jobs in the index are carried out here; C-MOVEs'
            // instances come to the listener, C-GETs' into the same staging area.
            node = NodeServices(server: server, intake: intake, workers: workers,
                                senders: pipeline.destinations.isEmpty ? nil : senders, cleanup: cleanup,
                                grace: configuration.shutdownGrace, fault: fault, logger: logger, alerts: alerts, retrieval: retrieval)
            node.retrievalClaims = retrieval?.registry
            node.disk = disk
            // SIGHUP: the projects and their routing rules (PROJECTS_FILE and its files) again.
            if pipeline.routing != nil {
                reload.add("projects and routing rules") { [configurationOptions] in
                    let fresh = try configurationOptions.resolve(overrides)
                    try pipeline.reload(fresh, logger: logger)
                    // A project that now delivers elsewhere: its de-identified series are queued
                    // for its destinations as at start-up (a job for one it left does nothing).
                    let queued = try pipeline.queue.enqueueBacklog(destinations: pipeline.destinations.map(\.indexed),
                                                                   reason: "projects reloaded (SIGHUP)")
                    workers.wake()
                    senders.wake()
                    return "\(fresh.projects.count) projects, \(fresh.routing?.rules.count ?? 0) rules; \(queued) send jobs queued"
                }
            }
            reload.install()
            if settings.httpEnabled {
                node.web = try WebWiring.application(settings, pipeline: pipeline, server: server, staging: staging, disk: disk,
                                                      shown: configurationOptions.values(overrides).shownWithSources(),
                                                      wake: { [workers, senders] in workers.wake(); senders.wake() }, logger: logger)
            }
            if let fault, !node.services.contains(where: { $0.name == fault.service }) {
                throw FaultInjection.Invalid(description: "\(FaultInjection.variable): no \(fault.service) service runs (test-only)")
            }
            logger.info("pipeline running", metadata: [
                "database": "\(pipeline.configuration.databasePath)", "stable_age": "\(pipeline.configuration.stableAge)",
                "workers": "\(pipeline.configuration.workers)", "quarantine": "\(pipeline.configuration.quarantineFolder)",
                "destinations": "\(pipeline.destinations.map { "\($0.name)=\($0.address)" }.joined(separator: ","))",
                "retention": "\(cleanup.retention.policy)", "disk_min_free": "\(settings.diskMinFree)"])
            if pipeline.destinations.isEmpty {
                logger.warning("no destination is enabled (SEND_TO_ORTHANC, EXTRA_DESTINATIONS): de-identified series stay in the outbox")
            }
            // One block a person reads at start: ports, folders, destinations, de-identification
            // (with the info lines: LOG_LEVEL=warning or above keeps stderr for problems only).
            if settings.logLevel <= .info {
                StandardOutput.error(StartupSummary.lines(settings, values: configurationOptions.values(overrides), dicomPort: server.port)
                    .map { $0 + "\n" }.joined())
            }
            // Last, once everything could start: this run, and the alert of a run before it that
            // did not shut down cleanly (one transaction).
            let run = try AlertLoop.startRun(pipeline.database, settings: settings.alerts, logger: logger)
            node.endRun = { [database = pipeline.database] ending in
                do { try database.endNodeRun(id: run.id, ending: ending, now: Date()) } catch {
                    logger.error("cannot record the end of this run", metadata: ["error": "\(error)"])
                }
            }
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(2)
        }
        return (node, logger)
    }
}

func makeLogger(_ node: NodeConfiguration) -> Logger {
    let level = node.logLevel
    return Logger(label: "sendit") { LogfmtHandler(label: $0, level: level) }
}

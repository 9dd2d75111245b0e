import DICOMNetwork
import DICOMUpperLayer
import Deidentify
import RemoteServices
import Foundation
import Logging
import Pipeline
import SenditIndex
import SenditIntake
import SenditWeb
import Metrics
import ServiceLifecycle

/// The node as the web app sees it (`NodeControl`): the actions carried out as `sendit retry`
/// and `sendit release` carry them out (and the workers woken), the staging area's studies in
/// progress, the live figures and the readiness checks.
final class WebWiring: NodeControl, @unchecked Sendable {
    let pipeline: PipelineWiring
    let server: DICOMServer
    let staging: StagingArea
    /// The Cloud Storage destination's credentials, for its check.
    var googleTokens: (any GoogleAccessTokenProvider)?
    /// The node's DEID_KEY, for the digests of searched values.
    var hash: KeyedHash?
    let disk: DiskGuard
    let shownSettings: [(key: String, value: String)]
    let wake: @Sendable () -> Void
    private let lock = NSLock()
    private var measured: (at: Date, disks: [LiveFigures.Disk])?
    private var walking = false

    init(pipeline: PipelineWiring, server: DICOMServer, staging: StagingArea, disk: DiskGuard, settings: [(key: String, value: String)],
         wake: @escaping @Sendable () -> Void) {
        self.pipeline = pipeline
        self.server = server
        self.staging = staging
        self.disk = disk
        shownSettings = settings
        self.wake = wake
    }

    private func seriesIds(_ uid: String, project: String?) throws -> [Int64] {
        guard let ids = try pipeline.database.seriesIds(instanceUIDs: [uid], project: project)[uid] else {
            throw NodeActionError("no series \(uid) in the index" + (project.map { " (project \($0))" } ?? ""))
        }
        return ids
    }

    func retry(seriesInstanceUID: String, project: String?) throws -> String {
        let ids = try seriesIds(seriesInstanceUID, project: project), now = Date()
        let jobs = try pipeline.queue.retryFailed(seriesIds: ids, now: now)
        let images = try pipeline.queue.retryFailedImages(seriesIds: ids, stages: [(.new, "identify"), (.processing, "deidentify")],
                                                          destinations: pipeline.destinations.map(\.indexed), now: now)
        guard jobs + images > 0 else { throw NodeActionError("nothing failed in series \(seriesInstanceUID)") }
        wake()
        return "\(jobs) failed job\(jobs == 1 ? "" : "s") queued again; \(images) failed image\(images == 1 ? "" : "s") put back"
    }

    func release(seriesInstanceUID: String, project: String?, drop: Bool) throws -> String {
        _ = try seriesIds(seriesInstanceUID, project: project)
        let outcome = try HeldImages.release(pipeline.database, uids: [seriesInstanceUID], project: project, drop: drop,
                                             reason: drop ? "dropped on the web page" : "released on the web page",
                                             maxAttempts: pipeline.configuration.retry.maxAttempts)
        if let refusal = outcome.refused.first { throw NodeActionError("not released: \(refusal)") }
        guard outcome.images > 0 else { throw NodeActionError("nothing HELD in series \(seriesInstanceUID)") }
        wake()
        return "\(outcome.images) image\(outcome.images == 1 ? "" : "s") \(drop ? "dropped" : "released")"
    }

    func forceComplete(stagingFolder: String) throws -> String {
        guard staging.expedite(stagingFolder) else { throw NodeActionError("no study in progress in \(stagingFolder)") }
        return "\(stagingFolder) is finished now (imported within a second)"
    }

    func stagingFolders() -> [StagingFolderLine] {
        staging.foldersInProgress().map { StagingFolderLine(name: $0.name, images: $0.images, lastArrival: $0.lastArrival) }
    }

    /// Free space now; files and bytes as last walked. The walk (one `lstat` per file, seconds
    /// for a large data folder) runs on a thread of its own at most once a minute, never on the
    /// request's thread and never under the lock: a request returns what was last measured
    /// (nothing yet: 0 files) with the free space read now.
    func liveFigures() -> LiveFigures {
        let folders = [("data", staging.dataFolder), ("outbox", pipeline.configuration.outboxFolder),
                       ("quarantine", pipeline.configuration.quarantineFolder)]
        let (last, walk): ([LiveFigures.Disk]?, Bool) = lock.withLock {
            let stale = measured.map { Date().timeIntervalSince($0.at) >= 60 } ?? true
            let walk = stale && !walking
            if walk { walking = true }
            return (measured?.disks, walk)
        }
        if walk {
            Thread.detachNewThread { [self] in
                let disks = folders.map { name, folder in
                    let usage = DiskUsage.measure(folder)
                    return LiveFigures.Disk(name: name, folder: folder, files: usage.files, bytes: usage.bytes, available: usage.available,
                                            countedAt: Date())
                }
                lock.withLock {
                    measured = (Date(), disks)
                    walking = false
                }
            }
        }
        let disks = (last ?? folders.map { LiveFigures.Disk(name: $0.0, folder: $0.1, files: 0, bytes: 0, available: nil) }).map { d in
            var d = d
            d.available = DiskUsage.available(d.folder)
            return d
        }
        return LiveFigures(openAssociations: server.openAssociations, disks: disks, diskLow: disk.current().reason)
    }

    func readiness() -> Readiness {
        var checks: [Readiness.Check] = []
        do {
            _ = try pipeline.database.quarantineList(limit: 1)
            checks.append(.init(name: "database", ok: true, detail: pipeline.configuration.databasePath))
        } catch {
            checks.append(.init(name: "database", ok: false, detail: "\(error)"))
        }
        let data = staging.dataFolder
        let writable = access(data, W_OK) == 0
        checks.append(.init(name: "data folder", ok: writable, detail: writable ? "\(data) writable" : "\(data) not writable"))
        // Free space of the data folder and the outbox against DISK_MIN_FREE (measured now).
        let space = disk.current(maxAge: 0)
        checks.append(.init(name: "disk", ok: !space.isLow, detail: space.reason ?? space.summary))
        let destinations = pipeline.destinations.map { Readiness.Check(name: $0.name, ok: true, detail: "\($0.address) (not probed)") }
        return Readiness(checks: checks, destinations: destinations)
    }

    func settings() -> [(key: String, value: String)] { shownSettings }

    func searchDigests(_ value: String) -> [String] {
        guard let hash, let digest = IdentifyStage.searchDigest(hash, value) else { return [] }
        return [digest]
    }

    func deliverySummary() throws -> DeliverySummary {
        try pipeline.database.deliverySummary(destinations: pipeline.destinations.map(\.indexed))
    }

    func check(destination name: String) -> DestinationCheck {
        let start = Date()
        func done(_ ok: Bool, _ detail: String) -> DestinationCheck {
            DestinationCheck(destination: name, ok: ok, detail: detail, milliseconds: Int(Date().timeIntervalSince(start) * 1000))
        }
        guard let destination = pipeline.destinations.first(where: { $0.name == name }) else { return done(false, "no such destination") }
        switch destination.target {
        case .dicom(let d, _):
            var p = RequestorAssociation.Parameters(
                host: d.host, port: d.port, callingAETitle: d.callingAETitle, calledAETitle: d.calledAETitle,
                presentationContexts: [PresentationContextRQ(id: 1, abstractSyntax: "1.2.840.10008.1.1",
                                                             transferSyntaxes: ["1.2.840.10008.1.2", "1.2.840.10008.1.2.1"])])
            p.connectTimeout = 5
            p.artimTimeout = 5
            p.dimseTimeout = 5
            do {
                let association = try RequestorAssociation(p)
                let status = try association.echo()
                try? association.release()
                return done(status.isSuccess, "C-ECHO answered \(status)")
            } catch {
                return done(false, "C-ECHO failed: \(error)")
            }
        case .googleCloudStorage:
            guard let tokens = googleTokens else { return done(true, "no credentials to check (an emulator or a public bucket)") }
            do {
                _ = try tokens.accessToken()
                return done(true, "credentials accepted: an access token was issued")
            } catch {
                return done(false, "credentials refused: \(error)")
            }
        case .dicomweb(let client, _):
            let (ok, detail) = client.check()
            return done(ok, detail)
        }
    }
}

extension WebWiring {
    /// The metrics registry of this process: bootstrapped once (swift-metrics allows one).
    nonisolated(unsafe) static var metrics: WebMetrics?

    /// Bootstraps the process's metrics system with the registry /metrics shows (once; later
    /// calls return it): `serve` calls it before it makes the listener, the importer and the
    /// stages, which count into it. The histograms get buckets in seconds fit for each.
    static func bootstrapMetrics() -> WebMetrics {
        if let metrics { return metrics }
        let registry = WebMetrics()
        MetricsSystem.bootstrap(registry.factory(durationBuckets: [
            ReceiveMetrics.receiveSeconds: ReceiveMetrics.receiveBuckets,
            PipelineMetrics.jobSeconds: PipelineMetrics.jobBuckets,
            PipelineMetrics.endToEndSeconds: PipelineMetrics.endToEndBuckets,
        ]))
        metrics = registry
        return registry
    }

    /// Every counter and histogram made (at zero), and the gauges read at each scrape: queue
    /// depths from the index, open associations, free space of the data folder, outbox and
    /// quarantine.
    static func scrapedMetrics(pipeline: PipelineWiring, server: DICOMServer, dataFolder: String, logger: Logger) -> WebMetrics {
        let registry = bootstrapMetrics().registry
        let stages = pipeline.stageNames, destinations = pipeline.destinations.map(\.name)
        ReceiveMetrics().declare()
        IntakeMetrics().declare()
        PipelineMetrics().declare(stages: stages, destinations: destinations)
        let gauges = NodeGauges(stages: stages, destinations: destinations)
        let database = pipeline.database
        let folders = [("data", dataFolder), ("outbox", pipeline.configuration.outboxFolder),
                       ("quarantine", pipeline.configuration.quarantineFolder)]
        return WebMetrics(registry: registry, beforeScrape: { [server] in
            let depths: QueueDepths
            do {
                depths = try database.queueDepths(destinations: destinations)
            } catch {
                logger.error("metrics: cannot read the queue depths", metadata: ["error": "\(error)"])
                depths = QueueDepths()
            }
            gauges.set(depths: depths, openAssociations: server.openAssociations,
                       freeBytes: folders.map { (folder: $0.0, bytes: DiskUsage.available($0.1)) })
        })
    }

    /// This machine's host name, and its first label when it has more: names a request to the
    /// web app may be addressed to.
    static func machineNames() -> [String] {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return [] }
        let name = String(cString: buffer)
        guard !name.isEmpty else { return [] }
        let short = String(name.prefix { $0 != "." })
        return short == name ? [name] : [name, short]
    }

    /// The web app for `sendit serve`, as a Service of the node's group.
    static func application(_ settings: NodeConfiguration, pipeline: PipelineWiring, server: DICOMServer, staging: StagingArea,
                            disk: DiskGuard, shown: [(key: String, value: String)], wake: @escaping @Sendable () -> Void,
                            logger: Logger) throws -> any Service {
        let metrics = scrapedMetrics(pipeline: pipeline, server: server, dataFolder: staging.dataFolder, logger: logger)
        if !settings.web.lockdownEnabled {
            logger.warning("LOCKDOWN_ENABLED is false: the web pages and the API are open to anyone who reaches them",
                           metadata: ["address": "\(settings.web.host):\(settings.web.port)"])
        }
        let control = WebWiring(pipeline: pipeline, server: server, staging: staging, disk: disk, settings: shown, wake: wake)
        control.googleTokens = settings.googleStorage?.tokens
        control.hash = KeyedHash(key: try SecretsFile.open(settings.pipeline.secretsFile).deidentificationKey())
        var web = settings.web
        web.machineNames = machineNames()
        var app = WebApp(configuration: web, access: pipeline.database, overview: pipeline.database, control: control,
                         metrics: metrics, logger: logger)
        if settings.retrieval.enabled {
            app.retrievals = RetrievalAccess(store: pipeline.database, sources: Dictionary(
                settings.retrieval.settings.sources.map { ($0.name, $0.method) }, uniquingKeysWith: { a, _ in a }))
            if let routing = pipeline.routing { app.retrievals?.projects = { routing.projects } }
        }
        let scheme = settings.web.tlsCertificate == nil ? "http" : "https"
        logger.info("web app", metadata: ["address": "\(scheme)://\(settings.web.host):\(settings.web.port)/"])
        return try app.application()
    }
}

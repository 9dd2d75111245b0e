import DICOMNetwork
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
    let disk: DiskGuard
    let shownSettings: [(key: String, value: String)]
    let wake: @Sendable () -> Void
    private let lock = NSLock()
    private var measured: (at: Date, disks: [LiveFigures.Disk])?

    init(pipeline: PipelineWiring, server: DICOMServer, staging: StagingArea, disk: DiskGuard, settings: [(key: String, value: String)],
         wake: @escaping @Sendable () -> Void) {
        self.pipeline = pipeline
        self.server = server
        self.staging = staging
        self.disk = disk
        shownSettings = settings
        self.wake = wake
    }

    private func seriesId(_ uid: String) throws -> Int64 {
        guard let id = try pipeline.database.seriesIds(instanceUIDs: [uid])[uid] else { throw NodeActionError("no series \(uid) in the index") }
        return id
    }

    func retry(seriesInstanceUID: String) throws -> String {
        let ids = [try seriesId(seriesInstanceUID)], now = Date()
        let jobs = try pipeline.queue.retryFailed(seriesIds: ids, now: now)
        let images = try pipeline.queue.retryFailedImages(seriesIds: ids, stages: [(.new, "identify"), (.processing, "deidentify")],
                                                          destinations: pipeline.destinations.map(\.indexed), now: now)
        guard jobs + images > 0 else { throw NodeActionError("nothing failed in series \(seriesInstanceUID)") }
        wake()
        return "\(jobs) failed job\(jobs == 1 ? "" : "s") queued again; \(images) failed image\(images == 1 ? "" : "s") put back"
    }

    func release(seriesInstanceUID: String, drop: Bool) throws -> String {
        _ = try seriesId(seriesInstanceUID)
        let outcome = try HeldImages.release(pipeline.database, uids: [seriesInstanceUID], drop: drop,
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

    /// Free space now; files and bytes walked at most once a minute (a large data folder is
    /// slow to walk).
    func liveFigures() -> LiveFigures {
        let folders = [("data", staging.dataFolder), ("outbox", pipeline.configuration.outboxFolder),
                       ("quarantine", pipeline.configuration.quarantineFolder)]
        let disks: [LiveFigures.Disk] = lock.withLock {
            if let measured, Date().timeIntervalSince(measured.at) < 60 {
                return measured.disks.map { d in
                    var d = d
                    d.available = DiskUsage.available(d.folder)
                    return d
                }
            }
            let disks = folders.map { name, folder in
                let usage = DiskUsage.measure(folder)
                return LiveFigures.Disk(name: name, folder: folder, files: usage.files, bytes: usage.bytes, available: usage.available)
            }
            measured = (Date(), disks)
            return disks
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
}

extension WebWiring {
    /// The metrics registry of this process: bootstrapped once (swift-metrics allows one).
    nonisolated(unsafe) static var metrics: WebMetrics?

    /// The web app for `sendit serve`, as a Service of the node's group.
    static func application(_ settings: NodeConfiguration, pipeline: PipelineWiring, server: DICOMServer, staging: StagingArea,
                            disk: DiskGuard, shown: [(key: String, value: String)], wake: @escaping @Sendable () -> Void,
                            logger: Logger) throws -> any Service {
        if metrics == nil {
            let registry = WebMetrics()
            MetricsSystem.bootstrap(registry.factory)
            metrics = registry
        }
        if !settings.web.lockdownEnabled {
            logger.warning("LOCKDOWN_ENABLED is false: the web pages and the API are open to anyone who reaches them",
                           metadata: ["address": "\(settings.web.host):\(settings.web.port)"])
        }
        let control = WebWiring(pipeline: pipeline, server: server, staging: staging, disk: disk, settings: shown, wake: wake)
        let app = WebApp(configuration: settings.web, access: pipeline.database, overview: pipeline.database, control: control,
                         metrics: metrics, logger: logger)
        logger.info("web app", metadata: ["address": "http://\(settings.web.host):\(settings.web.port)/"])
        return app.application()
    }
}

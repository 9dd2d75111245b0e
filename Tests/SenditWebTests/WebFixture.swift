import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SenditIndex
import SenditWeb
import Synchronization
import Testing

/// A web app on a real SQLite index in a scratch folder, with users of each role, a series
/// with FAILED and HELD images, and a `NodeControl` that records what it was asked (the real
/// node's wiring is exercised by conformance/web-test). The clock is the test's.
final class WebFixture: @unchecked Sendable {
    static let password = "correct horse battery"
    let root: String
    let database: IndexDatabase
    let control = RecordingControl()
    let clock = Mutex<Date>(Date())
    var configuration: WebConfiguration
    let failedSeries = "1.2.3.4.1", heldSeries = "1.2.3.4.2"
    /// A reason with markup in it, as a hostile file could make one.
    let hostileReason = "PHI gate: <script>alert('x')</script> in (0008,0080)"

    init(configuration: WebConfiguration = WebConfiguration(loginFailuresAllowed: 3)) throws {
        self.configuration = configuration
        root = FileManager.default.temporaryDirectory.appendingPathComponent("sendit-web-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        database = try IndexDatabase(path: root + "/sendit.db")
        let hash = try Secrets.hashPassword(Self.password), now = Date()
        for role in AccessRole.allCases {
            try database.addUser(WebUser(name: role.rawValue + "1", role: role, passwordHash: hash, createdAt: now, updatedAt: now),
                                 audit: AuditEntry(at: now, actor: "test", address: "-", action: .userAdded, target: role.rawValue + "1"))
        }
        try seed()
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    var now: Date { clock.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { clock.withLock { $0 = $0.addingTimeInterval(seconds) } }

    func app() -> some ApplicationProtocol {
        var web = WebApp(configuration: configuration, access: database, overview: database, control: control,
                         metrics: WebMetrics(), logger: .init(label: "test"), now: { [self] in self.now })
        web.retrievals = RetrievalAccess(store: database, sources: ["pacs": .move])
        web.retrievals?.projects = { ["default", "lung"] }
        // Port 0: a live test (`.live`) listens on a free port of its own.
        return Application(router: web.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    /// Two series: one with a FAILED image (the hostile reason), one with a HELD image.
    private func seed() throws {
        let queue = JobQueue(database: database, policy: RetryPolicy(maxAttempts: 3, baseDelay: 10, maximumDelay: 60, lease: 30),
                             workingStatuses: ["deidentify": .processing])
        for (series, outcome) in [(failedSeries, "refused"), (heldSeries, "held")] {
            let entries = (1...2).map {
                ImportEntry.image(ImportedImage(path: root + "/data/\(series).\($0).dcm", size: 1000, studyInstanceUID: "1.2.3",
                                                seriesInstanceUID: series, sopInstanceUID: "\(series).\($0)",
                                                sopClassUID: "1.2.840.10008.5.1.4.1.1.2", transferSyntaxUID: "1.2.840.10008.1.2.1",
                                                modality: "CT"), earlier: nil)
            }
            let placement = QuarantinePlacement(exists: { _ in true }, target: { id, name in "/q/\(id)-\(name)" })
            _ = try database.recordImport(entries, placement: placement, sameDataSet: { _, _ in false }, firstStage: "deidentify",
                                          maxAttempts: 3, queueing: [], reason: "test", now: Date())
            let job = try #require(try queue.claimNext(owner: "t", stages: ["deidentify"]))
            _ = try queue.takeImages(for: job, from: [.new], to: .processing)
            let image = try #require(try database.images(seriesId: job.seriesId).first?.id)
            let result: DeidentifiedOutcome = outcome == "refused" ? .refused(imageId: image, reason: hostileReason)
                : .held(imageId: image, reason: "burned-in text rule: US without BurnedInAnnotation")
            try database.recordDeidentified([result])
            if outcome == "refused" { try database.recordSearchKeys(seriesId: job.seriesId, patient: nil, study: "digest-of-acc-original") }
        }
        // An alert, delivered to one webhook and still tried at another.
        let alert = NewAlert(condition: "series-failed:1", kind: "series-failed") { key in
            #"{"key":"\#(key)","kind":"series-failed","summary":"series 1 (CT) is FAILED: 1 of 2 images FAILED"}"#
        }
        _ = try database.recordAlerts([alert], clearing: [], targets: ["hook-a", "hook-b"], now: Date())
        try database.recordAlertAttempt(alertId: 1, target: "hook-a", delivered: true, error: nil, nextAttemptAt: Date(), now: Date())
        try database.recordAlertAttempt(alertId: 1, target: "hook-b", delivered: false, error: "HTTP 503", nextAttemptAt: Date(), now: Date())
    }
}

/// What the actions were asked, answering as the node would.
final class RecordingControl: NodeControl, @unchecked Sendable {
    let calls = Mutex<[String]>([])

    func retry(seriesInstanceUID: String, project: String?) throws -> String {
        calls.withLock { $0.append("retry \(seriesInstanceUID)" + (project.map { " in \($0)" } ?? "")) }
        return "1 failed job queued again"
    }

    func release(seriesInstanceUID: String, project: String?, drop: Bool) throws -> String {
        calls.withLock { $0.append("\(drop ? "drop" : "release") \(seriesInstanceUID)" + (project.map { " in \($0)" } ?? "")) }
        guard seriesInstanceUID != "1.9.9" else { throw NodeActionError("nothing HELD in series 1.9.9") }
        return "1 image \(drop ? "dropped" : "released")"
    }

    func forceComplete(stagingFolder: String) throws -> String {
        calls.withLock { $0.append("complete \(stagingFolder)") }
        return "finished"
    }

    func stagingFolders() -> [StagingFolderLine] { [StagingFolderLine(name: "1.2.3.tmp1a", images: 3, lastArrival: Date(timeIntervalSince1970: 1_800_000_000))] }
    /// Why the node's disk is low (the DiskGuard's reason), nil when it is not.
    let diskLow = Mutex<String?>(nil)

    func liveFigures() -> LiveFigures {
        LiveFigures(openAssociations: 2, disks: [.init(name: "data", folder: "/data", files: 3, bytes: 3000, available: 1_000_000)],
                    diskLow: diskLow.withLock { $0 })
    }
    func readiness() -> Readiness {
        let low = diskLow.withLock { $0 }
        return Readiness(checks: [.init(name: "database", ok: true, detail: "ok"),
                                  .init(name: "disk", ok: low == nil, detail: low ?? "data folder 1.0 MB free")],
                         destinations: [.init(name: "orthanc", ok: false, detail: "down")])
    }
    func settings() -> [(key: String, value: String)] { [("DICOM_PORT", "11112  (default)"), ("ORTHANC_PASSWORD", "********  (file)")] }
    func deliverySummary() throws -> DeliverySummary {
        DeliverySummary(destinations: [.init(name: "orthanc", address: "ORTHANC@127.0.0.1:4242", queued: 3,
                                             retrying: [.init(seriesInstanceUID: "1.2.3.4.1", project: "default", images: 2, attempts: 4,
                                                              nextAttemptAt: Date(timeIntervalSince1970: 1_800_000_000), lastError: "<b>refused</b>")],
                                             sent: 1, failed: 1, refusals: [.init(reason: "0xA900 dataset does not match", images: 1)], done: 5,
                                             skipped: 0, skipReasons: [], cleanedUp: 9, failedJobs: 0)])
    }
    /// "ACC-ORIGINAL" stands for an original accession number: its digest is the one the seed
    /// recorded for the FAILED series.
    func searchDigests(_ value: String) -> [String] { value == "ACC-ORIGINAL" ? ["digest-of-acc-original"] : ["no-such-digest"] }
    func check(destination: String) -> DestinationCheck {
        calls.withLock { $0.append("check \(destination)") }
        return DestinationCheck(destination: destination, ok: false, detail: "C-ECHO failed: connection refused", milliseconds: 3)
    }
}

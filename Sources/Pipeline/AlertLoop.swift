#if canImport(Glibc)
import Glibc
#endif
import Crypto
import Foundation
import Logging
import LoopThreads
import RemoteServices
import SenditIndex

/// The alerts' thread: every `interval` seconds it looks at the index and the disks, queues
/// what `AlertConditions` decides in the index (the durable queue), then POSTs every delivery
/// due to its webhook, marking it made only after a 2xx answer and otherwise trying again with
/// backoff. A kill loses nothing: what was queued is sent after the restart (a delivery
/// answered but not yet marked is sent again; receivers drop repeats by `key`).
public final class AlertLoop: @unchecked Sendable {
    /// Sends one body to one webhook: nil when it answered 2xx, else why not.
    public typealias Post = @Sendable (_ url: URL, _ body: Data, _ timeout: TimeInterval) -> String?

    let store: any AlertStore
    public let settings: AlertSettings
    let destinations: [SendDestination]
    /// The folders whose file systems are watched: ("data", path), ("outbox", path).
    let folders: [(name: String, path: String)]
    let logger: Logger
    let post: Post
    /// Each webhook by its target (the digest of its URL, which is all the index keeps).
    let webhooks: [(target: String, url: URL)]
    private let stopSignal = StopSignal()
    private let thread = LoopThread(name: "alerts")
    public var onLoopEnd: @Sendable ((any Error)?) -> Void = { _ in }
    /// Test-only: called before each round; what it throws ends the loop (SENDIT_FAULT_INJECT).
    public var injectedFault: (@Sendable () throws -> Void)?

    public init(store: any AlertStore, settings: AlertSettings, destinations: [SendDestination],
                folders: [(name: String, path: String)], logger: Logger, post: @escaping Post = AlertLoop.httpPost) {
        self.store = store
        self.settings = settings
        self.destinations = destinations
        self.folders = folders
        self.logger = logger
        self.post = post
        webhooks = settings.webhooks.map { (Self.target($0), $0) }
    }

    /// The name of a webhook in the index and the logs: a digest of its URL (which may hold a
    /// token).
    public static func target(_ url: URL) -> String {
        "sha256:" + SHA256.hash(data: Data(url.absoluteString.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// A POST of JSON through `HTTPCall`.
    public static let httpPost: Post = { url, body, timeout in
        switch HTTPCall.perform("POST", url, body: body, headers: ["Content-Type": "application/json"], timeout: timeout) {
        case .answer(let status, let answer): (200..<300).contains(status) ? nil : "HTTP \(status) \(HTTPCall.excerpt(answer))"
        case .failure(let why): why
        }
    }

    /// At start-up (`sendit serve`, with the database lock held): records this run and, in the
    /// same transaction, queues the alert of earlier runs that did not shut down cleanly.
    public static func startRun(_ store: any AlertStore, settings: AlertSettings, logger: Logger, now: Date = Date()) throws -> NodeRun {
        let targets = settings.webhooks.map(target)
        let (run, unclean) = try store.startNodeRun(now: now, targets: targets) {
            AlertConditions.crashAlert($0, settings: settings, now: now)
        }
        if let last = unclean.last {
            logger.warning("the previous run did not shut down cleanly", metadata: [
                "started": "\(last.startedAt)", "ending": "\(last.ending?.rawValue ?? "none (killed or crashed)")",
                "alerted": "\(!targets.isEmpty)"])
        }
        return run
    }

    public func start() {
        thread.start({ [self] in try loop() }, onEnd: { [self] end in onLoopEnd(end) })
    }

    /// Stops after the round in progress (at once if never started).
    public func stop() {
        stopSignal.stop()
        thread.waitUntilEnded()
    }

    private func loop() throws {
        while true {
            try injectedFault?()
            round()
            if stopSignal.pause(seconds: settings.interval) { return }
        }
    }

    /// One look and one sweep of the deliveries due; errors are logged and the next round tries
    /// again.
    public func round(now: Date = Date()) {
        do {
            try scan(now: now)
        } catch {
            logger.error("alerts: cannot look at the index", metadata: ["error": "\(error)"])
        }
        do {
            try deliver(now: now)
        } catch {
            logger.error("alerts: cannot read or record deliveries", metadata: ["error": "\(error)"])
        }
    }

    /// Queues the alerts of conditions that arose and clears those that ended; returns the keys
    /// queued.
    @discardableResult
    public func scan(now: Date = Date()) throws -> [String] {
        let observation = try store.alertObservation(destinations: destinations, now: now)
        let decision = AlertConditions.decide(observation, disks: disks(), settings: settings, now: now)
        guard !decision.raise.isEmpty || !decision.clear.isEmpty else { return [] }
        var alerts: [NewAlert] = []
        for c in decision.raise {
            var reasons: [AlertObservation.Reason] = []
            switch c {
            case .seriesFailed(let s): reasons = try store.alertReasons(seriesId: s.id, status: .failed, limit: 3)
            case .seriesHeld(let s): reasons = try store.alertReasons(seriesId: s.id, status: .held, limit: 3)
            default: break
            }
            alerts.append(AlertConditions.alert(c, reasons: reasons, settings: settings, now: now))
        }
        let keys = try store.recordAlerts(alerts, clearing: decision.clear, targets: webhooks.map(\.target), now: now)
        for c in decision.raise where keys.contains(where: { $0 == c.key || $0.hasPrefix(c.key + "#") }) {
            logger.notice("alert queued", metadata: ["kind": "\(c.kind.rawValue)", "condition": "\(c.key)"])
        }
        for key in decision.clear { logger.info("alert condition cleared", metadata: ["condition": "\(key)"]) }
        return keys
    }

    /// POSTs the deliveries due, each recorded after its answer; returns how many were made.
    @discardableResult
    public func deliver(now: Date = Date()) throws -> Int {
        let urls = Dictionary(webhooks.map { ($0.target, $0.url) }, uniquingKeysWith: { a, _ in a })
        var made = 0, down: Set<String> = []
        for d in try store.dueAlertDeliveries(targets: Array(urls.keys), now: now, limit: 100) {
            if stopSignal.isStopping { break }
            // A webhook that did not take one alert is not asked again in this round.
            guard let url = urls[d.target], !down.contains(d.target) else { continue }
            let error = post(url, Data(d.body.utf8), settings.timeout)
            let answered = Date()
            try store.recordAlertAttempt(alertId: d.alertId, target: d.target, delivered: error == nil, error: error,
                                         nextAttemptAt: AlertConditions.nextAttempt(after: d.attempts + 1, now: answered),
                                         now: answered)
            if let error {
                down.insert(d.target)
                logger.warning("alert not delivered; will try again", metadata: [
                    "key": "\(d.key)", "webhook": "\(d.target)", "attempt": "\(d.attempts + 1)", "error": "\(error)"])
            } else {
                made += 1
                logger.info("alert delivered", metadata: ["key": "\(d.key)", "kind": "\(d.kind)", "webhook": "\(d.target)"])
            }
        }
        return made
    }

    /// The watched folders' free space and file system sizes now, with their file systems; a
    /// folder not made yet (the outbox before the first copy) counts as the nearest folder above
    /// it that exists.
    func disks() -> [AlertConditions.Disk] {
        folders.map { folder in
            var path = folder.path, st = stat()
            while stat(path, &st) != 0 && path != "/" && !path.isEmpty {
                path = (path as NSString).deletingLastPathComponent
            }
            let measured = DiskGuard.statvfsMeasure(path)
            return AlertConditions.Disk(name: folder.name, device: UInt64(st.st_dev), available: measured?.free,
                                        total: measured?.total ?? 0)
        }
    }
}

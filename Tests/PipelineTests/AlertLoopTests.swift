import Foundation
import Logging
import Pipeline
import SenditIndex
import Testing

/// The alerts' loop on a real index with a webhook that refuses, then takes: nothing is lost
/// when the process is replaced between the condition and the send, and each condition reaches
/// each webhook once.
@Suite struct AlertLoopTests {
    /// What the fake webhooks received, and whether they take it.
    final class Hooks: @unchecked Sendable {
        private let lock = NSLock()
        private var taking = false
        private var received: [(url: String, body: String, taken: Bool)] = []
        func take(_ yes: Bool) { lock.withLock { taking = yes } }
        var taken: [(url: String, body: String)] { lock.withLock { received.filter(\.taken).map { ($0.url, $0.body) } } }
        var tries: Int { lock.withLock { received.count } }
        var post: AlertLoop.Post {
            { [self] url, body, _ in
                lock.withLock {
                    received.append((url.absoluteString, String(decoding: body, as: UTF8.self), taking))
                    return taking ? nil : "HTTP 503"
                }
            }
        }
    }

    @Test func aQueuedAlertSurvivesANewProcessAndIsDeliveredOncePerWebhook() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sendit-alerts-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        var settings = AlertSettings()
        settings.webhooks = [URL(string: "http://127.0.0.1:9/a")!, URL(string: "http://127.0.0.1:9/b?token=s3cret")!]
        settings.diskMinFree = .bytes(Int64(9e17))   // every disk is "low": one condition for the one file system
        let hooks = Hooks()
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        func loop(_ database: IndexDatabase) -> AlertLoop {
            AlertLoop(store: database, settings: settings, destinations: [], folders: [("data", root), ("outbox", root)],
                      logger: logger, post: hooks.post)
        }
        let t0 = Date()
        do {
            let database = try IndexDatabase(path: root + "/sendit.db")
            let first = loop(database)
            #expect(try first.scan(now: t0) == ["disk-low:data+outbox"])
            #expect(try first.scan(now: t0.addingTimeInterval(1)).isEmpty, "one alert per condition")
            #expect(try first.deliver(now: t0) == 0 && hooks.tries == 2)
            // Refused: not due again before its backoff.
            #expect(try first.deliver(now: t0.addingTimeInterval(1)) == 0 && hooks.tries == 2)
        }
        // "After a kill": a new index handle and loop on the same file; the webhooks now take it.
        hooks.take(true)
        let database = try IndexDatabase(path: root + "/sendit.db")
        let second = loop(database)
        #expect(try second.scan(now: t0.addingTimeInterval(6)).isEmpty)
        #expect(try second.deliver(now: t0.addingTimeInterval(6)) == 2)
        #expect(try second.deliver(now: t0.addingTimeInterval(600)) == 0)
        let taken = hooks.taken
        #expect(taken.map(\.url).sorted() == ["http://127.0.0.1:9/a", "http://127.0.0.1:9/b?token=s3cret"])
        let bodies = try taken.map { try AlertBody.decode($0.body) }
        #expect(bodies.allSatisfy { $0.key == "disk-low:data+outbox" && $0.kind == "disk-low" && $0.disk?.folders == ["data", "outbox"] })
        // The index keeps digests of the webhooks, never their URLs (which may hold a token).
        let record = try #require(try database.recentAlerts(limit: 1).first)
        #expect(record.delivered == 2 && record.pending == 0)
        for file in ["/sendit.db", "/sendit.db-wal"] {
            let raw = (try? Data(contentsOf: URL(fileURLWithPath: root + file))) ?? Data()
            #expect(raw.range(of: Data("s3cret".utf8)) == nil && raw.range(of: Data("127.0.0.1:9/b".utf8)) == nil, "\(file)")
        }
        #expect(FileManager.default.fileExists(atPath: root + "/sendit.db-wal") || FileManager.default.fileExists(atPath: root + "/sendit.db"))
        #expect(AlertLoop.target(settings.webhooks[1]).hasPrefix("sha256:"))
    }
}

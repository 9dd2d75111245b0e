import Foundation
internal import GRDB

/// What `sendit send-status` shows, per destination: images waiting to be sent, series being
/// retried (next attempt, last error), images sent but not yet verified, refused (with why),
/// done, and cleaned up since (from the series summaries).
public struct DeliverySummary: Codable, Sendable, Equatable {
    public struct Retrying: Codable, Sendable, Equatable {
        public var seriesInstanceUID: String
        /// The series' project: one SeriesInstanceUID may be in several.
        public var project: String
        public var images: Int
        public var attempts: Int
        public var nextAttemptAt: Date
        public var lastError: String?

        public init(seriesInstanceUID: String, project: String, images: Int, attempts: Int, nextAttemptAt: Date, lastError: String?) {
            self.seriesInstanceUID = seriesInstanceUID
            self.project = project
            self.images = images
            self.attempts = attempts
            self.nextAttemptAt = nextAttemptAt
            self.lastError = lastError
        }
    }

    public struct Refusal: Codable, Sendable, Equatable {
        public var reason: String
        public var images: Int

        public init(reason: String, images: Int) {
            self.reason = reason
            self.images = images
        }
    }

    public struct Destination: Codable, Sendable, Equatable {
        public var name: String
        public var address: String
        /// Images not yet at the destination whose series is not retrying.
        public var queued: Int
        public var retrying: [Retrying]
        /// Stored (Success) but not verified yet.
        public var sent: Int
        public var failed: Int
        public var refusals: [Refusal]
        public var done: Int
        /// Images this destination cannot take (a series that cannot be a NIfTI volume), with why.
        public var skipped: Int
        public var skipReasons: [Refusal]
        /// Images delivered here and since removed by the clean-up.
        public var cleanedUp: Int
        /// Series whose send job failed (gave up); `sendit retry` queues them again.
        public var failedJobs: Int

        public init(name: String, address: String, queued: Int, retrying: [Retrying], sent: Int, failed: Int, refusals: [Refusal],
                    done: Int, skipped: Int, skipReasons: [Refusal], cleanedUp: Int, failedJobs: Int) {
            self.name = name
            self.address = address
            self.queued = queued
            self.retrying = retrying
            self.sent = sent
            self.failed = failed
            self.refusals = refusals
            self.done = done
            self.skipped = skipped
            self.skipReasons = skipReasons
            self.cleanedUp = cleanedUp
            self.failedJobs = failedJobs
        }
    }

    public var destinations: [Destination]

    public init(destinations: [Destination]) {
        self.destinations = destinations
    }

    public static func read(_ database: any IndexStore, destinations: [SendDestination]) throws -> DeliverySummary {
        try database.deliverySummary(destinations: destinations)
    }

    static func readSQLite(_ database: IndexDatabase, destinations: [SendDestination]) throws -> DeliverySummary {
        try database.writer.read { db in
            var out: [Destination] = []
            for d in destinations {
                func count(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql, arguments: [d.name]) ?? 0 }
                let retrying = try Row.fetchAll(db, sql: """
                    SELECT s.seriesInstanceUID, j.attempts, j.availableAt, j.lastError,
                           (SELECT COUNT(*) FROM image AS i WHERE i.seriesId = j.seriesId AND i.status IN \([ImageStatus.doneProcessing, .sent].sqlList)
                            AND NOT EXISTS (SELECT 1 FROM delivery AS v WHERE v.imageId = i.id AND v.destination = ? AND v.state = \(DeliveryRecord.State.done.sql))),
                           s.project
                    FROM job AS j JOIN series AS s ON s.id = j.seriesId
                    WHERE j.stage = ? AND j.state = \(JobRecord.State.queued.sql) AND j.attempts > 0 ORDER BY j.availableAt
                    """, arguments: [d.name, d.stage]).map {
                    Retrying(seriesInstanceUID: $0[0], project: $0[5], images: $0[4], attempts: $0[1], nextAttemptAt: $0[2], lastError: $0[3])
                }
                let waiting = try Int.fetchOne(db, sql: """
                    SELECT COUNT(*) FROM image AS i WHERE i.status IN \([ImageStatus.doneProcessing, .sent].sqlList)
                    AND NOT EXISTS (SELECT 1 FROM delivery AS v WHERE v.imageId = i.id AND v.destination = ?)
                    """, arguments: [d.name]) ?? 0
                let inRetry = try Int.fetchOne(db, sql: """
                    SELECT COUNT(*) FROM image AS i WHERE i.status IN \([ImageStatus.doneProcessing, .sent].sqlList)
                    AND NOT EXISTS (SELECT 1 FROM delivery AS v WHERE v.imageId = i.id AND v.destination = ?)
                    AND EXISTS (SELECT 1 FROM job AS j WHERE j.seriesId = i.seriesId AND j.stage = ? AND j.state = \(JobRecord.State.queued.sql) AND j.attempts > 0)
                    """, arguments: [d.name, d.stage]) ?? 0
                func reasons(_ state: DeliveryRecord.State) throws -> [Refusal] {
                    try Row.fetchAll(db, sql: """
                        SELECT COALESCE(detail, '?'), COUNT(*) FROM delivery WHERE destination = ? AND state = ?
                        GROUP BY detail ORDER BY COUNT(*) DESC LIMIT 10
                        """, arguments: [d.name, state.rawValue]).map { Refusal(reason: $0[0], images: $0[1]) }
                }
                let refusals = try reasons(.failed)
                out.append(Destination(
                    name: d.name, address: d.address,
                    queued: waiting - inRetry, retrying: retrying,
                    sent: try count("SELECT COUNT(*) FROM delivery WHERE destination = ? AND state = \(DeliveryRecord.State.sent.sql)"),
                    failed: try count("SELECT COUNT(*) FROM delivery WHERE destination = ? AND state = \(DeliveryRecord.State.failed.sql)"),
                    refusals: refusals,
                    done: try count("SELECT COUNT(*) FROM delivery WHERE destination = ? AND state = \(DeliveryRecord.State.done.sql)"),
                    skipped: try count("SELECT COUNT(*) FROM delivery WHERE destination = ? AND state = \(DeliveryRecord.State.skipped.sql)"),
                    skipReasons: try reasons(.skipped),
                    cleanedUp: try count("""
                        SELECT COALESCE(SUM(images), 0) FROM seriesSummary WHERE instr(',' || destinations || ',', ',' || ? || ',') > 0
                        """),
                    failedJobs: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM job WHERE stage = ? AND state = \(JobRecord.State.failed.sql)", arguments: [d.stage]) ?? 0))
            }
            return DeliverySummary(destinations: out)
        }
    }
}

import Foundation
internal import GRDB

extension SQLiteJobQueue {
    /// Queues a send job for each series waiting for a destination with none queued (see
    /// `SendBacklog`), in one transaction: `sendit serve` at start. Returns how many were queued.
    @discardableResult
    func enqueueBacklog(destinations: [SendDestination], seriesIds: [Int64]? = nil, reason: String,
                               now: Date = Date()) throws -> Int {
        try database.writer.write { db in
            try SendBacklog.enqueue(db, destinations: destinations, queue: self, seriesIds: seriesIds, now: now, reason: reason)
        }
    }

    /// `sendit retry`, after `retryFailed`: the FAILED images of these series (all: nil) whose
    /// job completed (the PHI gate, an unreadable file, a destination's refusal) go back to the
    /// status each had before it failed, a destination's refusal of them forgotten; their series
    /// get a job of the stage that takes that status (`stages`), and the destinations that lack
    /// the images put back to DONEPROCESSING or SENT get a send job. One transaction. Returns
    /// how many images were put back.
    @discardableResult
    func retryFailedImages(seriesIds: [Int64]?, stages: [(status: ImageStatus, stage: String)],
                                  destinations: [SendDestination], now: Date = Date()) throws -> Int {
        try database.writer.write { db -> Int in
            var request = "SELECT DISTINCT seriesId FROM image WHERE status = \(ImageStatus.failed.sql)"
            if let seriesIds { request += " AND seriesId IN (\(seriesIds.map(String.init).joined(separator: ",")))" }
            var moved = 0
            for seriesId in try Int64.fetchAll(db, sql: request) {
                try ImageTransition.forgetRefusals(db, seriesId: seriesId)
                moved += try ImageTransition.restoreFailed(db, seriesId: seriesId, at: now)
                let statuses = try String.fetchAll(db, sql: "SELECT DISTINCT status FROM image WHERE seriesId = ?", arguments: [seriesId])
                for (status, stage) in stages where statuses.contains(status.rawValue) {
                    try SQLiteJobQueue.enqueue(db, seriesId: seriesId, stage: stage, maxAttempts: policy(for: stage).maxAttempts,
                                         now: now, reason: "failed images retried by hand")
                }
            }
            // Images put back to DONEPROCESSING or SENT go to the destinations that lack them.
            try SendBacklog.enqueue(db, destinations: destinations, queue: self, seriesIds: seriesIds, now: now,
                                    reason: "failed deliveries retried by hand")
            return moved
        }
    }
}


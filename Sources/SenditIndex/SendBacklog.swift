import Foundation
internal import GRDB

/// Series waiting for a destination with no send job queued for it: de-identified before the
/// destination was configured, or left by a job that failed or was retried by hand. `sendit
/// serve` queues them at start; `sendit retry` after putting failed images back.
enum SendBacklog {
    /// Queues a send job for each series with an image in DONEPROCESSING or SENT that the
    /// destination has not verified, inside the caller's transaction. Returns how many jobs
    /// were queued.
    @discardableResult
    static func enqueue(_ db: Database, destinations: [SendDestination], queue: SQLiteJobQueue, seriesIds: [Int64]? = nil,
                        now: Date, reason: String) throws -> Int {
        var queued = 0
        for destination in destinations {
            var sql = """
                SELECT DISTINCT i.seriesId FROM image AS i WHERE i.status IN \([ImageStatus.doneProcessing, .sent].sqlList)
                AND NOT EXISTS (SELECT 1 FROM delivery AS v WHERE v.imageId = i.id AND v.destination = ?
                                AND v.state IN \(DeliveryProgress.final))
                AND NOT EXISTS (SELECT 1 FROM job AS j WHERE j.seriesId = i.seriesId AND j.stage = ?
                                AND j.state IN \([JobRecord.State.queued, .running].sqlList))
                """
            if let seriesIds { sql += " AND i.seriesId IN (\(seriesIds.map(String.init).joined(separator: ",")))" }
            for seriesId in try Int64.fetchAll(db, sql: sql, arguments: [destination.name, destination.stage]) {
                if try SQLiteJobQueue.enqueue(db, seriesId: seriesId, stage: destination.stage,
                                        maxAttempts: queue.policy(for: destination.stage).maxAttempts, now: now, reason: reason) {
                    queued += 1
                }
            }
        }
        return queued
    }
}

import Foundation
internal import GRDB

/// What the metrics read at each scrape.
extension IndexDatabase {
    /// Jobs queued and running per stage; images not yet verified at each of `destinations`.
    public func queueDepths(destinations: [String]) throws -> QueueDepths {
        try writer.read { db in
            var depths = QueueDepths()
            for row in try Row.fetchAll(db, sql: """
                SELECT stage, state, COUNT(*) FROM job WHERE state IN (\(JobRecord.State.queued.sql), \(JobRecord.State.running.sql))
                GROUP BY stage, state
                """) {
                let stage: String = row[0], state: String = row[1], count: Int = row[2]
                if state == JobRecord.State.running.rawValue { depths.running[stage] = count } else { depths.queued[stage] = count }
            }
            let waiting = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM image WHERE status IN \([ImageStatus.doneProcessing, .sent].sqlList)
                """) ?? 0
            for destination in destinations {
                let verified = waiting == 0 ? 0 : try Int.fetchOne(db, sql: """
                    SELECT COUNT(*) FROM delivery AS v JOIN image AS i ON i.id = v.imageId
                    WHERE v.destination = ? AND v.state IN \(DeliveryProgress.final)
                    AND i.status IN \([ImageStatus.doneProcessing, .sent].sqlList)
                    """, arguments: [destination]) ?? 0
                depths.undelivered[destination] = waiting - verified
            }
            return depths
        }
    }
}

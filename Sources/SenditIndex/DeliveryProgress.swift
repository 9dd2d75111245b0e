import Foundation
internal import GRDB

/// An image's status from its delivery records: SENT once every enabled destination has it
/// (stored, or skipped with a reason), DONE once every one verified it (or skipped it: a series
/// that cannot be a NIfTI volume is recorded as such, and waits for nothing more there).
enum DeliveryProgress {
    /// The delivery states that count as "at the destination" and as "verified there".
    static let present = [DeliveryRecord.State.sent, .done, .skipped].sqlList
    static let final = [DeliveryRecord.State.done, .skipped].sqlList

    /// Moves the series' images on, inside the caller's transaction.
    static func advance(_ db: Database, seriesId: Int64, destinations: [String], at now: Date) throws {
        guard !destinations.isEmpty else { return }
        let marks = Array(repeating: "?", count: destinations.count).joined(separator: ",")
        let rows = try Row.fetchAll(db, sql: """
            SELECT i.id, i.status,
                   (SELECT COUNT(*) FROM delivery AS v WHERE v.imageId = i.id AND v.destination IN (\(marks)) AND v.state IN \(present)),
                   (SELECT COUNT(*) FROM delivery AS v WHERE v.imageId = i.id AND v.destination IN (\(marks)) AND v.state IN \(final))
            FROM image AS i WHERE i.seriesId = ? AND i.status IN \([ImageStatus.doneProcessing, .sent].sqlList)
            """, arguments: StatementArguments(destinations + destinations) + [seriesId])
        let all = destinations.count
        for row in rows {
            let id: Int64 = row[0]
            guard let status = ImageStatus(rawValue: row[1]) else { continue }
            let have: Int = row[2], verified: Int = row[3]
            if verified == all {
                try ImageTransition.moveImage(db, imageId: id, from: status, to: .done,
                                              reason: "verified at \(destinations.joined(separator: ", "))", at: now)
            } else if have == all && status == .doneProcessing {
                try ImageTransition.moveImage(db, imageId: id, from: status, to: .sent,
                                              reason: "stored at \(destinations.joined(separator: ", "))", at: now)
            }
        }
    }

    /// A destination gave up on a series: its images that destination has not verified (nor
    /// skipped) become FAILED with the reason; the others are left as they are.
    static func giveUp(_ db: Database, seriesId: Int64, destination: String, reason: String, at: Date) throws {
        let ids = try Int64.fetchAll(db, sql: """
            SELECT i.id FROM image AS i WHERE i.seriesId = ? AND i.status IN \([ImageStatus.doneProcessing, .sent].sqlList)
            AND NOT EXISTS (SELECT 1 FROM delivery AS v WHERE v.imageId = i.id AND v.destination = ? AND v.state IN \(final))
            """, arguments: [seriesId, destination])
        for id in ids {
            try ImageTransition.failDeidentified(db, imageId: id, reason: "\(destination): gave up: \(reason)", at: at)
        }
    }
}

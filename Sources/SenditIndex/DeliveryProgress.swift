import Foundation
internal import GRDB

/// An image's status from its delivery records: SENT once every enabled destination has it
/// (stored, or skipped with a reason), DONE once every one verified it (or skipped it: a series
/// that cannot be a NIfTI volume is recorded as such, and waits for nothing more there).
enum DeliveryProgress {
    /// The delivery states that count as "at the destination" and as "verified there".
    static let present = [DeliveryRecord.State.sent, .done, .skipped].sqlList
    static let final = [DeliveryRecord.State.done, .skipped].sqlList

    /// Moves the series' images on (with `imageIds`, only those of them), inside the caller's
    /// transaction. Returns the series' completion when this call made its last images DONE (so
    /// each series is reported once).
    @discardableResult
    static func advance(_ db: Database, seriesId: Int64, destinations: [String], imageIds: [Int64]? = nil,
                        at now: Date) throws -> SeriesCompletion? {
        guard !destinations.isEmpty else { return nil }
        // A long list is not worth its parameters: the whole series is looked at.
        let only = imageIds.flatMap { $0.count <= 500 ? $0 : nil }
        if let only, only.isEmpty { return nil }
        let marks = Array(repeating: "?", count: destinations.count).joined(separator: ",")
        let restriction = only.map { " AND i.id IN (" + Array(repeating: "?", count: $0.count).joined(separator: ",") + ")" } ?? ""
        let rows = try Row.fetchAll(db, sql: """
            SELECT i.id, i.status,
                   (SELECT COUNT(*) FROM delivery AS v WHERE v.imageId = i.id AND v.destination IN (\(marks)) AND v.state IN \(present)),
                   (SELECT COUNT(*) FROM delivery AS v WHERE v.imageId = i.id AND v.destination IN (\(marks)) AND v.state IN \(final))
            FROM image AS i WHERE i.seriesId = ? AND i.status IN \([ImageStatus.doneProcessing, .sent].sqlList)\(restriction)
            """, arguments: StatementArguments(destinations + destinations) + [seriesId] + StatementArguments(only ?? []))
        let all = destinations.count
        var madeDone = 0
        for row in rows {
            let id: Int64 = row[0]
            guard let status = ImageStatus(rawValue: row[1]) else { continue }
            let have: Int = row[2], verified: Int = row[3]
            if verified == all {
                try ImageTransition.moveImage(db, imageId: id, from: status, to: .done,
                                              reason: "verified at \(destinations.joined(separator: ", "))", at: now)
                madeDone += 1
            } else if have == all && status == .doneProcessing {
                try ImageTransition.moveImage(db, imageId: id, from: status, to: .sent,
                                              reason: "stored at \(destinations.joined(separator: ", "))", at: now)
            }
        }
        guard madeDone > 0, let series = try Row.fetchOne(db, sql: """
            SELECT COUNT(*), SUM(status = \(ImageStatus.done.sql)), MAX(COALESCE(receivedAt, createdAt)) FROM image WHERE seriesId = ?
            """, arguments: [seriesId]) else { return nil }
        let images: Int = series[0], done: Int = series[1] ?? 0
        guard images > 0, done == images, let last: Date = series[2] else { return nil }
        return SeriesCompletion(seriesId: seriesId, images: images, lastImageAt: last, doneAt: now)
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

import Foundation
internal import GRDB

/// What became of a request, once answered.
public struct CommitmentAnswer: Sendable, Equatable {
    /// Images the destination did not commit (they are sent again).
    public let failed: Int
    /// The series' images still only `sent` at the destination (not in the result).
    public let left: Int

    public init(failed: Int, left: Int) {
        self.failed = failed
        self.left = left
    }
}

/// What recording a result did.
public enum CommitmentVerdict: Sendable, Equatable {
    /// Not a transaction of ours (or forgotten).
    case unknownTransaction
    /// Sent by another AE than the destination that was asked.
    case notAuthorized
    case recorded
}

/// Storage Commitment: the requests sendit made (`commitmentRequest`) and the results its
/// listener receives. Each method one transaction.
extension IndexDatabase {
    public func recordCommitmentRequest(transactionUID: String, destination: String, seriesId: Int64, images: Int,
                                        now: Date) throws {
        try writer.write { db in
            try db.execute(sql: """
                INSERT INTO commitmentRequest (transactionUID, destination, seriesId, images, requestedAt) VALUES (?, ?, ?, ?, ?)
                """, arguments: [transactionUID, destination, seriesId, images, now])
        }
    }

    /// The answer to a request, nil while none came.
    public func commitmentAnswer(transactionUID: String, seriesId: Int64, destination: String) throws -> CommitmentAnswer? {
        try writer.read { db in
            let answered = try Bool.fetchOne(db, sql: "SELECT answeredAt IS NOT NULL FROM commitmentRequest WHERE transactionUID = ?",
                                             arguments: [transactionUID]) ?? false
            guard answered else { return nil }
            let left = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM delivery AS v JOIN image AS i ON i.id = v.imageId
                WHERE i.seriesId = ? AND v.destination = ? AND v.state = \(DeliveryRecord.State.sent.sql)
                """, arguments: [seriesId, destination]) ?? 0
            let failed = try Int.fetchOne(db, sql: "SELECT failed FROM commitmentRequest WHERE transactionUID = ?",
                                          arguments: [transactionUID]) ?? 0
            return CommitmentAnswer(failed: failed, left: left)
        }
    }

    /// Records a result: the committed images (de-identified SOP Instance UIDs) are `done` at
    /// the destination that was asked; those not committed lose their `sent` record (so the
    /// next try sends them again), with the failure reason in an event; then the series' images
    /// move on as every destination's records say. A result is taken only from the AE title
    /// `aeTitles` names for the destination (if it names one).
    public func recordCommitmentResult(transactionUID: String, callingAETitle: String, committed: [String],
                                       failed: [(sopInstanceUID: String, reason: String)], aeTitles: [String: String],
                                       destinations: [String], now: Date) throws -> CommitmentVerdict {
        try writer.write { db in
            guard let request = try Row.fetchOne(db, sql: """
                SELECT destination, seriesId, answeredAt FROM commitmentRequest WHERE transactionUID = ?
                """, arguments: [transactionUID]) else { return .unknownTransaction }
            let destination: String = request[0]
            let seriesId: Int64 = request[1]
            if let expected = aeTitles[destination], expected != callingAETitle { return .notAuthorized }
            var done = 0
            for sop in committed {
                for imageId in try imageIds(db, sop, destination) {
                    try db.execute(sql: """
                        UPDATE delivery SET state = \(DeliveryRecord.State.done.sql), verifiedAt = ?, updatedAt = ?
                        WHERE imageId = ? AND destination = ? AND state = \(DeliveryRecord.State.sent.sql)
                        """, arguments: [now, now, imageId, destination])
                    if db.changesCount > 0 {
                        done += 1
                        try EventRecord(entity: "delivery", entityId: imageId, from: DeliveryRecord.State.sent.rawValue,
                                        to: DeliveryRecord.State.done.rawValue,
                                        reason: "\(destination): storage commitment \(transactionUID) from \(callingAETitle)", at: now).insert(db)
                    }
                }
            }
            for (sop, reason) in failed {
                for imageId in try imageIds(db, sop, destination) {
                    try db.execute(sql: "DELETE FROM delivery WHERE imageId = ? AND destination = ? AND state = \(DeliveryRecord.State.sent.sql)",
                                   arguments: [imageId, destination])
                    try EventRecord(entity: "delivery", entityId: imageId, from: DeliveryRecord.State.sent.rawValue, to: "unsent",
                                    reason: "\(destination) did not commit it (failure reason \(reason)); it is sent again",
                                    at: now).insert(db)
                }
            }
            try db.execute(sql: "UPDATE commitmentRequest SET answeredAt = ?, committed = ?, failed = ? WHERE transactionUID = ?",
                           arguments: [now, done, failed.count, transactionUID])
            try DeliveryProgress.advance(db, seriesId: seriesId, destinations: destinations, at: now)
            return .recorded
        }
    }

    private func imageIds(_ db: Database, _ sopInstanceUID: String, _ destination: String) throws -> [Int64] {
        try Int64.fetchAll(db, sql: """
            SELECT d.imageId FROM deidentified AS d JOIN delivery AS v ON v.imageId = d.imageId AND v.destination = ?
            WHERE d.sopInstanceUID = ?
            """, arguments: [destination, sopInstanceUID])
    }
}

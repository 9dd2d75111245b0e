import Foundation
internal import GRDB

/// A de-identified image not yet answered for by a destination.
public struct PendingDelivery: Sendable, Equatable {
    public let imageId: Int64
    /// The outbox copy.
    public let path: String
    public let size: Int64
    /// When the copy was made, as the index stores it: which copy this is.
    public let copiedAt: String
    /// The copy's (de-identified) SOP Instance UID: how a DICOMweb server's answer names it.
    public let sopInstanceUID: String

    public init(imageId: Int64, path: String, size: Int64, copiedAt: String, sopInstanceUID: String = "") {
        self.imageId = imageId
        self.path = path
        self.size = size
        self.copiedAt = copiedAt
        self.sopInstanceUID = sopInstanceUID
    }
}

/// What a DICOM destination answered for one image (an answer worth recording).
public enum DeliveryAnswer: Sendable, Equatable {
    /// Success, or an accepted Warning (with its meaning).
    case stored(dimseStatus: Int, warning: String?)
    /// Refused for good, with why.
    case refused(dimseStatus: Int?, reason: String)
}

/// An image a destination stored and has not verified yet, with its de-identified UIDs.
public struct SentImage: Sendable, Equatable {
    public let imageId: Int64
    public let sopClassUID: String
    public let seriesInstanceUID: String
    public let sopInstanceUID: String
    /// The de-identified Study Instance UID (a QIDO-RS question names it).
    public let studyInstanceUID: String

    public init(imageId: Int64, sopClassUID: String, seriesInstanceUID: String, sopInstanceUID: String, studyInstanceUID: String = "") {
        self.imageId = imageId
        self.sopClassUID = sopClassUID
        self.seriesInstanceUID = seriesInstanceUID
        self.sopInstanceUID = sopInstanceUID
        self.studyInstanceUID = studyInstanceUID
    }
}

/// The send stages' reads and writes, each one transaction.
extension IndexDatabase {
    /// The series' de-identified images without an answer from this destination yet.
    public func pendingDeliveries(seriesId: Int64, destination: String) throws -> [PendingDelivery] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT i.id, d.path, d.size, d.createdAt, d.sopInstanceUID FROM image AS i JOIN deidentified AS d ON d.imageId = i.id
                WHERE i.seriesId = ? AND i.status IN \([ImageStatus.doneProcessing, .sent].sqlList)
                AND NOT EXISTS (SELECT 1 FROM delivery AS v WHERE v.imageId = i.id AND v.destination = ?)
                ORDER BY i.id
                """, arguments: [seriesId, destination]).map {
                PendingDelivery(imageId: $0[0], path: $0[1], size: $0[2], copiedAt: $0[3], sopInstanceUID: $0[4])
            }
        }
    }

    /// Moves the series' images on from their delivery records: SENT once every destination has
    /// them, DONE once every one verified them.
    @discardableResult
    public func advanceDeliveries(seriesId: Int64, destinations: [String], now: Date) throws -> SeriesCompletion? {
        try writer.write { db in
            try DeliveryProgress.advance(db, seriesId: seriesId, destinations: destinations, at: now)
        }
    }

    @discardableResult
    public func advanceDeliveries(seriesId: Int64, imageIds: [Int64], destinations: [String], now: Date) throws -> SeriesCompletion? {
        try writer.write { db in
            try DeliveryProgress.advance(db, seriesId: seriesId, destinations: destinations, imageIds: imageIds, at: now)
        }
    }

    /// How many of the series' images are still NEW or PROCESSING (being identified or
    /// de-identified).
    public func unfinishedImages(seriesId: Int64) throws -> Int {
        try writer.read { db in try unfinishedImages(db, seriesId: seriesId) }
    }

    public func otherJobsDue(stagePrefix: String, besides seriesId: Int64, now: Date) throws -> Bool {
        try writer.read { db in
            // As claimNext takes them: queued, due, none of its series and stage running.
            try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM job AS j WHERE j.state = \(JobRecord.State.queued.sql) AND j.availableAt <= ?
                AND substr(j.stage, 1, ?) = ? AND j.seriesId <> ?
                AND NOT EXISTS (SELECT 1 FROM job AS r WHERE r.state = \(JobRecord.State.running.sql) AND r.seriesId = j.seriesId AND r.stage = j.stage))
                """, arguments: [now, stagePrefix.count, stagePrefix, seriesId]) ?? false
        }
    }

    func unfinishedImages(_ db: Database, seriesId: Int64) throws -> Int {
        // An image still in a staging folder: its study is arriving, the series not complete.
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM image WHERE seriesId = ? AND (status IN \([ImageStatus.new, .processing].sqlList) OR staged = 1)",
                         arguments: [seriesId]) ?? 0
    }

    /// Records a DICOM destination's answers in one transaction. An answer is about the copy
    /// its round read: if the image was replaced meanwhile (a newer copy was imported, and
    /// perhaps de-identified already), nothing is recorded, and the image is sent again.
    /// `verified`: the destination is not asked afterwards (the C-STORE answer is final). A
    /// refusal fails the image.
    public func recordDeliveries(_ answers: [(PendingDelivery, DeliveryAnswer)], destination: String, verified: Bool,
                                 now: @autoclosure () -> Date) throws {
        try writer.write { db in
            var delivered = 0, bytes: Int64 = 0, refused = 0, last = Date()
            for (image, answer) in answers {
                let now = now()
                last = now
                let current = try Bool.fetchOne(db.cachedStatement(sql: """
                    SELECT EXISTS (SELECT 1 FROM image AS i JOIN deidentified AS d ON d.imageId = i.id
                    WHERE i.id = ? AND i.status IN \([ImageStatus.doneProcessing, .sent].sqlList) AND d.createdAt = ?)
                    """), arguments: [image.imageId, image.copiedAt]) ?? false
                guard current else { continue }
                switch answer {
                case .stored(let status, let warning):
                    var row = DeliveryRecord(imageId: image.imageId, destination: destination, state: verified ? .done : .sent,
                                             dimseStatus: status, detail: warning, bytes: image.size, sentAt: now,
                                             verifiedAt: verified ? now : nil, updatedAt: now)
                    try row.insert(db, onConflict: .replace)
                    delivered += 1
                    bytes += image.size
                    try EventRecord(entity: "delivery", entityId: image.imageId, from: nil, to: row.state.rawValue,
                                    reason: "\(destination): " + (warning.map { "stored with a warning: \($0)" } ?? "stored"), at: now).insert(db)
                case .refused(let status, let reason):
                    var row = DeliveryRecord(imageId: image.imageId, destination: destination, state: .failed,
                                             dimseStatus: status, detail: reason, bytes: image.size, updatedAt: now)
                    try row.insert(db, onConflict: .replace)
                    refused += 1
                    try EventRecord(entity: "delivery", entityId: image.imageId, from: nil, to: DeliveryRecord.State.failed.rawValue,
                                    reason: "\(destination) refused it: \(reason)", at: now).insert(db)
                    try ImageTransition.failDeidentified(db, imageId: image.imageId, reason: "\(destination) refused it: \(reason)", at: now)
                }
            }
            try Activity.add(db, .delivered, images: delivered, bytes: bytes, at: last)
            try Activity.add(db, .failed, images: refused, bytes: 0, at: last)
        }
    }

    /// The series' images the destination stored and has not verified yet, by row id.
    public func sentImages(seriesId: Int64, destination: String) throws -> [SentImage] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT v.imageId, i.sopClassUID, d.seriesInstanceUID, d.sopInstanceUID, d.studyInstanceUID FROM delivery AS v
                JOIN image AS i ON i.id = v.imageId JOIN deidentified AS d ON d.imageId = v.imageId
                WHERE i.seriesId = ? AND v.destination = ? AND v.state = \(DeliveryRecord.State.sent.sql) ORDER BY v.imageId
                """, arguments: [seriesId, destination]).map {
                SentImage(imageId: $0[0], sopClassUID: $0[1], seriesInstanceUID: $0[2], sopInstanceUID: $0[3], studyInstanceUID: $0[4])
            }
        }
    }

    /// Records what the destination showed when asked, image by image: those present are done
    /// there; the others lose their record (they are sent again).
    public func recordVerification(destination: String, shown: [(imageId: Int64, present: Bool)], now: Date) throws {
        try writer.write { db in
            for (id, present) in shown {
                if present {
                    try db.execute(sql: """
                        UPDATE delivery SET state = \(DeliveryRecord.State.done.sql), verifiedAt = ?, updatedAt = ? WHERE imageId = ? AND destination = ?
                        """, arguments: [now, now, id, destination])
                    try EventRecord(entity: "delivery", entityId: id, from: DeliveryRecord.State.sent.rawValue,
                                    to: DeliveryRecord.State.done.rawValue, reason: "\(destination): verified", at: now).insert(db)
                } else {
                    try db.execute(sql: "DELETE FROM delivery WHERE imageId = ? AND destination = ?", arguments: [id, destination])
                    try EventRecord(entity: "delivery", entityId: id, from: DeliveryRecord.State.sent.rawValue, to: "unsent",
                                    reason: "\(destination) answered Success but does not show the image; it is sent again", at: now).insert(db)
                }
            }
        }
    }

    /// Records each image (not delivered here yet) in `state` at a destination that takes a
    /// series at once (a NIfTI volume), with its event; a refusal fails the image.
    public func recordDeliveries(imageIds: [Int64], destination: String, state: DeliveryRecord.State, detail: String,
                                 bytes: Int64, now: Date) throws {
        try writer.write { db in
            try Activity.add(db, state == .done ? .delivered : state == .failed ? .failed : nil, images: imageIds.count,
                             bytes: state == .done ? bytes : 0, at: now)
            for id in imageIds {
                var row = DeliveryRecord(imageId: id, destination: destination, state: state, detail: detail, bytes: bytes,
                                         sentAt: state == .done ? now : nil, verifiedAt: state == .done ? now : nil, updatedAt: now)
                try row.insert(db, onConflict: .replace)
                try EventRecord(entity: "delivery", entityId: id, from: nil, to: state.rawValue,
                                reason: "\(destination): \(detail)", at: now).insert(db)
                if state == .failed {
                    try ImageTransition.failDeidentified(db, imageId: id, reason: "\(destination) refused it: \(detail)", at: now)
                }
            }
        }
    }
}

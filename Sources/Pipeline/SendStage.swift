import DICOMDIMSE
import DICOMNetwork
import Foundation
import GRDB
import Logging
import Synchronization
import SenditIndex

/// The send stage of one destination: the series' de-identified copies (read from the outbox,
/// nothing else) go by C-STORE on one association; each answer is recorded in `delivery`; then
/// the destination is asked whether it holds them (Orthanc's REST API), and those it shows are
/// `done` there. An image is SENT once every destination has it and DONE once every destination
/// verified it. A refusal fails that image alone; a fault that may pass (the network, a
/// transient reject, out of resources, a destination that answered Success but cannot show the
/// image) fails the job, which the queue tries again with backoff, and the next try sends only
/// what is not yet at the destination.
public struct SendStage: StageHandler {
    public let destination: DeliveryDestination
    let dicom: StorageSCU.Destination
    let verification: DeliveryDestination.Verification
    /// The names of every enabled destination: an image moves on only when all have it.
    public let destinations: [String]
    /// Warnings (B000, B006, B007) count as stored; false: they are tried again.
    public var acceptWarnings = true
    /// Answers recorded per transaction while a series is sent.
    public var recordEvery = 200
    /// Associations at once for one series (a destination such as Orthanc stores faster on
    /// several); each takes at least `minimumPerAssociation` images.
    public var associations = 2
    public var minimumPerAssociation = 32
    let logger: Logger

    public var stage: String { destination.stage }
    /// Images are not moved when the job starts: each destination keeps its own record, and the
    /// image status follows from all of them.
    public let inputStatuses: [ImageStatus] = []
    public let workingStatus: ImageStatus = .doneProcessing
    public let nextStages: [String] = []

    /// `destination` must be a DICOM one.
    public init(destination: DeliveryDestination, destinations: [String],
                logger: Logger = Logger(label: "sendit") { _ in SwiftLogNoOpLogHandler() }) {
        guard case .dicom(let dicom, let verification) = destination.target else {
            preconditionFailure("SendStage sends to DICOM destinations; \(destination.name) is not one")
        }
        self.dicom = dicom
        self.verification = verification
        self.destination = destination
        self.destinations = destinations
        self.logger = logger
    }

    /// A fault that may pass: the job is tried again.
    public struct DeliveryFault: Error, CustomStringConvertible {
        public let description: String
    }

    struct Pending: Sendable {
        let imageId: Int64
        let path: String
        let size: Int64
        /// When the copy was made, as the index stores it: which copy this is.
        let copiedAt: String
    }

    /// The series' de-identified images without an answer from this destination yet.
    func pending(_ job: StageJob) throws -> [Pending] {
        try job.database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT i.id, d.path, d.size, d.createdAt FROM image AS i JOIN deidentified AS d ON d.imageId = i.id
                WHERE i.seriesId = ? AND i.status IN ('DONEPROCESSING','SENT')
                AND NOT EXISTS (SELECT 1 FROM delivery AS v WHERE v.imageId = i.id AND v.destination = ?)
                ORDER BY i.id
                """, arguments: [job.seriesId, destination.name]).map { Pending(imageId: $0[0], path: $0[1], size: $0[2], copiedAt: $0[3]) }
        }
    }

    public func run(_ job: StageJob) throws {
        // Sends what is ready, then what became ready meanwhile (the series is still being
        // de-identified), until nothing new is left, before the one verification: a round that
        // ended just before the last images were handed over does not verify twice. A round
        // with a fault ends it (the job is retried with backoff). An image pending again after
        // this job sent it (its record was withdrawn meanwhile, by a late Storage Commitment
        // failure, say) is left to a job queued for it.
        var faults: [String] = []
        var tried = Set<Int64>()
        var pendingAgain = false
        while true {
            let all = try pending(job)
            let fresh = all.filter { !tried.contains($0.imageId) }
            pendingAgain = pendingAgain || fresh.count < all.count
            if fresh.isEmpty { break }
            try job.keepAlive()
            faults += try send(fresh, job: job)
            tried.formUnion(fresh.map(\.imageId))
            if !faults.isEmpty { break }
            try job.database.writer.write { db in
                try DeliveryProgress.advance(db, seriesId: job.seriesId, destinations: destinations, at: Date())
            }
        }
        if pendingAgain && faults.isEmpty {
            try job.enqueueEarly([stage], maxAttempts: { [limit = job.job.maxAttempts] _ in limit },
                                 reason: "images to send again after this job sent them")
        }
        // Verified once the series is wholly de-identified (the send jobs queued while it still
        // is only send): one question to the destination per series, not one per hand-over.
        let unfinished = try job.database.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM image WHERE seriesId = ? AND status IN ('NEW','PROCESSING')",
                             arguments: [job.seriesId]) ?? 0
        }
        if unfinished == 0 {
            switch verification {
            case .none: break
            case .orthancREST(let rest):
                if let fault = try verify(with: rest, job: job) { faults.append(fault) }
            case .storageCommitment(let timeout):
                if let fault = try commit(timeout: timeout, job: job) { faults.append(fault) }
            }
        }
        try job.database.writer.write { db in
            try DeliveryProgress.advance(db, seriesId: job.seriesId, destinations: destinations, at: Date())
        }
        if !faults.isEmpty {
            let first = faults[0]
            throw DeliveryFault(description: "\(destination.name): \(first)" + (faults.count > 1 ? " (and \(faults.count - 1) more)" : ""))
        }
    }

    /// Sends the images, on up to `associations` associations at once for a long series;
    /// records each answer. Returns the faults worth trying again.
    func send(_ pending: [Pending], job: StageJob) throws -> [String] {
        let byPath = Dictionary(pending.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
        struct Progress {
            var buffer: [(Pending, DeliveryOutcome)] = []
            var faults: [String] = []
            var stored = 0, refused = 0
            var thrown: (any Error)?
        }
        let progress = Mutex(Progress())
        let started = Date()
        // Writes the answers gathered so far (called with the lock held: one writer at a time).
        let flush: @Sendable (inout Progress) -> Void = { p in
            guard !p.buffer.isEmpty, p.thrown == nil else { return }
            let batch = p.buffer
            p.buffer = []
            do {
                try job.database.writer.write { db in
                    for (image, outcome) in batch { try record(db, image: image, outcome: outcome, at: Date()) }
                }
                try job.keepAlive()
            } catch {
                p.thrown = error
            }
        }
        let parts = pending.count >= 2 * minimumPerAssociation ? min(associations, pending.count / minimumPerAssociation) : 1
        let chunk = (pending.count + parts - 1) / parts
        let every = recordEvery
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let slice = pending[(part * chunk)..<min(pending.count, (part + 1) * chunk)]
            // Once recording failed (the lease was lost: another worker has the job), the rest of
            // the slice is not sent.
            _ = StorageSCU.send(paths: slice.map(\.path), to: dicom, progress: { result in
                guard let image = byPath[result.path] else { return }
                let outcome = DeliveryOutcome.classify(result, acceptWarnings: acceptWarnings)
                progress.withLock { p in
                    switch outcome {
                    case .stored: p.stored += 1
                    case .refused: p.refused += 1
                    case .retry(let why): p.faults.append(why)
                    }
                    if case .retry = outcome { return }
                    p.buffer.append((image, outcome))
                    if p.buffer.count >= every { flush(&p) }
                }
            }, shouldContinue: { progress.withLock { $0.thrown == nil } })
        }
        let outcome = progress.withLock { p in
            flush(&p)
            return p
        }
        if let thrown = outcome.thrown { throw thrown }
        logger.info("series sent", metadata: [
            "destination": "\(destination.name)", "series": "\(job.seriesId)", "stored": "\(outcome.stored)",
            "refused": "\(outcome.refused)", "to_retry": "\(outcome.faults.count)", "associations": "\(parts)",
            "seconds": "\(String(format: "%.2f", Date().timeIntervalSince(started)))"])
        return outcome.faults
    }

    func record(_ db: Database, image: Pending, outcome: DeliveryOutcome, at now: Date) throws {
        // The answer is about the copy this round read. If the image was replaced meanwhile (a
        // newer copy with another data set was imported, and perhaps de-identified already), a
        // record would say the new copy is delivered: none is written, and the image is sent
        // again (by this job's next round or the job its new copy queues).
        let current = try Bool.fetchOne(db, sql: """
            SELECT EXISTS (SELECT 1 FROM image AS i JOIN deidentified AS d ON d.imageId = i.id
            WHERE i.id = ? AND i.status IN ('DONEPROCESSING','SENT') AND d.createdAt = ?)
            """, arguments: [image.imageId, image.copiedAt]) ?? false
        guard current else { return }
        switch outcome {
        case .stored(let status, let warning):
            // Without verification, the C-STORE answer is final.
            let verified: Bool
            if case .none = verification { verified = true } else { verified = false }
            var row = DeliveryRecord(imageId: image.imageId, destination: destination.name, state: verified ? .done : .sent,
                                     dimseStatus: Int(status), detail: warning, bytes: image.size, sentAt: now,
                                     verifiedAt: verified ? now : nil, updatedAt: now)
            try row.insert(db, onConflict: .replace)
            try EventRecord(entity: "delivery", entityId: image.imageId, from: nil, to: row.state.rawValue,
                            reason: "\(destination.name): " + (warning.map { "stored with a warning: \($0)" } ?? "stored"), at: now).insert(db)
        case .refused(let status, let reason):
            var row = DeliveryRecord(imageId: image.imageId, destination: destination.name, state: .failed,
                                     dimseStatus: status.map(Int.init), detail: reason, bytes: image.size, updatedAt: now)
            try row.insert(db, onConflict: .replace)
            try EventRecord(entity: "delivery", entityId: image.imageId, from: nil, to: "failed",
                            reason: "\(destination.name) refused it: \(reason)", at: now).insert(db)
            for from in [ImageStatus.doneProcessing, .sent] {
                try ImageTransition.moveImage(db, imageId: image.imageId, from: from, to: .failed,
                                              reason: "\(destination.name) refused it: \(reason)", at: now)
            }
        case .retry:
            break
        }
    }

    /// Asks the destination which of the series' sent images it holds. Those it shows are done;
    /// those it does not are sent again on the next try (their record is removed). Returns a
    /// fault if the destination could not be asked or lacks an image.
    func verify(with verifier: OrthancREST, job: StageJob) throws -> String? {
        let sent = try job.database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT v.imageId, d.seriesInstanceUID, d.sopInstanceUID FROM delivery AS v
                JOIN image AS i ON i.id = v.imageId JOIN deidentified AS d ON d.imageId = v.imageId
                WHERE i.seriesId = ? AND v.destination = ? AND v.state = 'sent'
                """, arguments: [job.seriesId, destination.name]).map { (id: $0[0] as Int64, series: $0[1] as String, sop: $0[2] as String) }
        }
        guard !sent.isEmpty else { return nil }
        var present = Set<String>()
        do {
            for series in Set(sent.map(\.series)) { present.formUnion(try verifier.instances(inSeries: series)) }
        } catch {
            return "cannot verify: \(error)"
        }
        let missing = sent.filter { !present.contains($0.sop) }
        let now = Date()
        try job.database.writer.write { db in
            for image in sent {
                if present.contains(image.sop) {
                    try db.execute(sql: "UPDATE delivery SET state = 'done', verifiedAt = ?, updatedAt = ? WHERE imageId = ? AND destination = ?",
                                   arguments: [now, now, image.id, destination.name])
                    try EventRecord(entity: "delivery", entityId: image.id, from: "sent", to: "done",
                                    reason: "\(destination.name): verified", at: now).insert(db)
                } else {
                    try db.execute(sql: "DELETE FROM delivery WHERE imageId = ? AND destination = ?", arguments: [image.id, destination.name])
                    try EventRecord(entity: "delivery", entityId: image.id, from: "sent", to: "unsent",
                                    reason: "\(destination.name) answered Success but does not show the image; it is sent again", at: now).insert(db)
                }
            }
        }
        guard let first = missing.first else { return nil }
        logger.error("destination answered Success but does not show images", metadata: [
            "destination": "\(destination.name)", "series": "\(job.seriesId)", "missing": "\(missing.count)", "first": "\(first.sop)"])
        return "answered Success for \(missing.count) image\(missing.count == 1 ? "" : "s") it does not show (first \(first.sop)); they are sent again"
    }

    /// Storage Commitment: asks the destination to commit to the series' sent images (one
    /// N-ACTION per try), then waits up to `timeout` for the result, which sendit's listener
    /// records (StorageCommitmentResults). Returns a fault if no result came, or if some images
    /// were not committed (they are sent again).
    func commit(timeout: TimeInterval, job: StageJob) throws -> String? {
        let sent = try job.database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT v.imageId, i.sopClassUID, d.sopInstanceUID FROM delivery AS v
                JOIN image AS i ON i.id = v.imageId JOIN deidentified AS d ON d.imageId = v.imageId
                WHERE i.seriesId = ? AND v.destination = ? AND v.state = 'sent' ORDER BY v.imageId
                """, arguments: [job.seriesId, destination.name]).map {
                StorageCommitment.Reference(sopClassUID: $0[1], sopInstanceUID: $0[2])
            }
        }
        guard !sent.isEmpty else { return nil }
        let transaction = StorageCommitmentResults.newTransactionUID()
        try job.database.writer.write { db in
            try db.execute(sql: """
                INSERT INTO commitmentRequest (transactionUID, destination, seriesId, images, requestedAt) VALUES (?, ?, ?, ?, ?)
                """, arguments: [transaction, destination.name, job.seriesId, sent.count, Date()])
        }
        do {
            _ = try StorageCommitmentSCU.request(transactionUID: transaction, references: sent, to: dicom)
        } catch {
            return "storage commitment request: \(error)"
        }
        let deadline = Date().addingTimeInterval(timeout)
        var lastBeat = Date()
        while Date() < deadline {
            let answered = try job.database.writer.read { db in
                try Bool.fetchOne(db, sql: "SELECT answeredAt IS NOT NULL FROM commitmentRequest WHERE transactionUID = ?",
                                  arguments: [transaction]) ?? false
            }
            if answered {
                let left = try job.database.writer.read { db in
                    try Int.fetchOne(db, sql: """
                        SELECT COUNT(*) FROM delivery AS v JOIN image AS i ON i.id = v.imageId
                        WHERE i.seriesId = ? AND v.destination = ? AND v.state = 'sent'
                        """, arguments: [job.seriesId, destination.name]) ?? 0
                }
                let failed = try job.database.writer.read { db in
                    try Int.fetchOne(db, sql: "SELECT failed FROM commitmentRequest WHERE transactionUID = ?", arguments: [transaction]) ?? 0
                }
                if failed > 0 { return "the destination did not commit \(failed) image\(failed == 1 ? "" : "s"); they are sent again" }
                if left > 0 { return "\(left) image\(left == 1 ? "" : "s") not in the commitment result; asked again" }
                return nil
            }
            if Date().timeIntervalSince(lastBeat) > 10 {
                try job.keepAlive()
                lastBeat = Date()
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return "no storage commitment result within \(Int(timeout)) s (transaction \(transaction)); is this node's listener known to the destination?"
    }

    /// Given up (only by age: send jobs otherwise retry without end): the images this
    /// destination does not have yet are FAILED, with the last fault.
    public func giveUp(_ db: Database, job: JobRecord, reason: String, at: Date) throws {
        try DeliveryProgress.giveUp(db, seriesId: job.seriesId, destination: destination.name, reason: reason, at: at)
    }
}

import DICOMDIMSE
import DICOMNetwork
import Foundation
import RemoteServices
import Logging
import Synchronization
import SenditIndex

/// The send stage of one destination: the series' de-identified copies (read from the outbox,
/// nothing else) go by C-STORE on the job's associations (kept open from one round to the next:
/// `StorageSession`); each answer is recorded in `delivery`; then
/// the destination is asked whether it holds them (Orthanc's REST API), and those it shows are
/// `done` there. An image is SENT once every destination has it and DONE once every destination
/// verified it. A refusal fails that image alone; a fault that may pass (the network, a
/// transient reject, out of resources, a destination that answered Success but cannot show the
/// image) fails the job, which the queue tries again with backoff, and the next try sends only
/// what is not yet at the destination.
public struct SendStage: DeliveryStage {
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
    public var minimumPerAssociation = 8
    /// How long a job whose series is still arriving or being de-identified waits for the next
    /// images after sending what was ready (0: it ends; see `DeliveryRounds.send`). Its
    /// associations stay open meanwhile: a series is sent as it comes on the same associations.
    public var linger: TimeInterval = 0
    /// What wakes a lingering job (the de-identify stage rings it); the process's own unless a
    /// test gives one.
    var bell = HandOverBell.shared
    /// Where the answers, verifications and finished series are counted (by default the
    /// process's metrics system).
    public var metrics = PipelineMetrics()
    let logger: Logger


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

    typealias Pending = PendingDelivery

    public func run(_ job: StageJob) throws {
        // One set of associations for the job's rounds, released when it ends.
        let session = StorageSession(destination: dicom)
        defer { session.close() }
        var faults = try DeliveryRounds.send(job, stage: stage, destination: destination.name, destinations: destinations,
                                             metrics: metrics, linger: linger, bell: bell) { try send($0, job: job, session: session) }
        // Not held open through the verification (a Storage Commitment opens one of its own).
        session.close()
        // Verified once the series is wholly de-identified (the send jobs queued while it still
        // is only send): one question to the destination per series, not one per hand-over.
        let unfinished = try job.database.unfinishedImages(seriesId: job.seriesId)
        if unfinished == 0 {
            switch verification {
            case .none: break
            case .orthancREST(let rest):
                if let fault = try verify(with: rest, job: job) { faults.append(fault) }
            case .storageCommitment(let timeout):
                if let fault = try commit(timeout: timeout, job: job) { faults.append(fault) }
            }
        }
        try DeliveryRounds.finish(job, destination: destination.name, destinations: destinations, metrics: metrics, faults: faults)
    }

    /// Sends the images, on up to `associations` of the session's associations at once for a
    /// long series; records each answer. Returns the faults worth trying again.
    func send(_ pending: [Pending], job: StageJob, session: StorageSession) throws -> [String] {
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
                try record(batch, database: job.database)
                try job.keepAlive()
            } catch {
                p.thrown = error
            }
        }
        let parts = pending.count >= 2 * minimumPerAssociation ? min(associations, pending.count / minimumPerAssociation) : 1
        let chunk = (pending.count + parts - 1) / parts
        let every = recordEvery
        let slices = (0..<parts).map { part in pending[(part * chunk)..<min(pending.count, (part + 1) * chunk)].map(\.path) }
        let acceptWarnings = acceptWarnings
        // Once recording failed (the lease was lost: another worker has the job), the rest of
        // each slice is not sent.
        let progressOf: @Sendable (StorageSCU.FileResult) -> Void = { result in
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
        }
        let shouldContinue: @Sendable () -> Bool = { progress.withLock { $0.thrown == nil } }
        session.send(slices: slices, progress: progressOf, shouldContinue: shouldContinue)
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

    /// Records the answers in one transaction (an answer about a copy since replaced is not
    /// recorded: see `IndexStore.recordDeliveries`).
    func record(_ batch: [(Pending, DeliveryOutcome)], database: any IndexStore) throws {
        // Without verification, the C-STORE answer is final.
        let verified: Bool
        if case .none = verification { verified = true } else { verified = false }
        let answers = batch.compactMap { image, outcome -> (Pending, DeliveryAnswer)? in
            switch outcome {
            case .stored(let status, let warning): (image, .stored(dimseStatus: Int(status), warning: warning))
            case .refused(let status, let reason): (image, .refused(dimseStatus: status.map(Int.init), reason: reason))
            case .retry: nil
            }
        }
        try database.recordDeliveries(answers, destination: destination.name, verified: verified)
        let stored = answers.filter { if case .stored = $0.1 { true } else { false } }.count
        metrics.sent(stored, destination: destination.name)
        metrics.failed(answers.count - stored, destination: destination.name)
        if verified { metrics.verified(stored, destination: destination.name) }
    }

    /// Asks the destination which of the series' sent images it holds. Those it shows are done;
    /// those it does not are sent again on the next try (their record is removed). Returns a
    /// fault if the destination could not be asked or lacks an image.
    func verify(with verifier: OrthancREST, job: StageJob) throws -> String? {
        let sent = try job.database.sentImages(seriesId: job.seriesId, destination: destination.name)
        guard !sent.isEmpty else { return nil }
        var present = Set<String>()
        do {
            for series in Set(sent.map(\.seriesInstanceUID)) { present.formUnion(try verifier.instances(inSeries: series)) }
        } catch {
            return "cannot verify: \(error)"
        }
        let missing = try DeliveryRounds.recordShown(sent, present: present, destination: destination.name, job: job, metrics: metrics)
        guard let first = missing.first else { return nil }
        logger.error("destination answered Success but does not show images", metadata: [
            "destination": "\(destination.name)", "series": "\(job.seriesId)", "missing": "\(missing.count)", "first": "\(first.sopInstanceUID)"])
        return "answered Success for \(missing.count) image\(missing.count == 1 ? "" : "s") it does not show (first \(first.sopInstanceUID)); they are sent again"
    }

    /// Storage Commitment: asks the destination to commit to the series' sent images (one
    /// N-ACTION per try), then waits up to `timeout` for the result, which sendit's listener
    /// records (StorageCommitmentResults). Returns a fault if no result came, or if some images
    /// were not committed (they are sent again).
    func commit(timeout: TimeInterval, job: StageJob) throws -> String? {
        let sent = try job.database.sentImages(seriesId: job.seriesId, destination: destination.name).map {
            StorageCommitment.Reference(sopClassUID: $0.sopClassUID, sopInstanceUID: $0.sopInstanceUID)
        }
        guard !sent.isEmpty else { return nil }
        let transaction = StorageCommitmentResults.newTransactionUID()
        try job.database.recordCommitmentRequest(transactionUID: transaction, destination: destination.name,
                                                 seriesId: job.seriesId, images: sent.count)
        do {
            _ = try StorageCommitmentSCU.request(transactionUID: transaction, references: sent, to: dicom)
        } catch {
            return "storage commitment request: \(error)"
        }
        let deadline = Date().addingTimeInterval(timeout)
        var lastBeat = Date()
        while Date() < deadline {
            if let answer = try job.database.commitmentAnswer(transactionUID: transaction, seriesId: job.seriesId,
                                                               destination: destination.name) {
                let (failed, left) = (answer.failed, answer.left)
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

}

#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import RemoteServices
import SenditIndex

/// The send stage of a DICOMweb destination: the series' de-identified copies (read from the
/// outbox, nothing else) go by STOW-RS in batches (at most `maxBatchInstances` instances and
/// `maxBatchBytes` bytes per request, each body written to a scratch file one instance at a time
/// and streamed from there); each instance's outcome (`DICOMwebOutcome`) is recorded in
/// `delivery` as a C-STORE answer would be. Once the series is wholly de-identified, QIDO-RS asks
/// which of the sent instances the server shows: those are `done` there, the others are sent
/// again on the next try. A fault that may pass (no answer, 5xx, 429, a transient Failure
/// Reason) fails the job, which the queue tries again with backoff, sending only what the
/// destination has not answered for.
public struct DICOMwebStage: DeliveryStage {
    public let destination: DeliveryDestination
    let client: DICOMwebClient
    let verify: Bool
    /// The names of every enabled destination: an image moves on only when all have it.
    public let destinations: [String]
    /// Where request bodies are written while they are sent (the outbox's `.incoming`, whose
    /// leftovers the next start removes).
    public let scratchFolder: String
    /// Warning Reasons count as stored; false: they are tried again.
    public var acceptWarnings = true
    public var maxBatchInstances = 50
    public var maxBatchBytes: Int64 = 64 * 1024 * 1024
    /// The pause before a batch answered 401 or 403 is sent once more.
    public var authorizationRetryPause: TimeInterval = 2
    public var metrics = PipelineMetrics()
    let logger: Logger


    /// `destination` must be a DICOMweb one.
    public init(destination: DeliveryDestination, destinations: [String], scratchFolder: String,
                logger: Logger = Logger(label: "sendit") { _ in SwiftLogNoOpLogHandler() }) {
        guard case .dicomweb(let client, let verify) = destination.target else {
            preconditionFailure("DICOMwebStage stores to DICOMweb destinations; \(destination.name) is not one")
        }
        self.destination = destination
        self.client = client
        self.verify = verify
        self.destinations = destinations
        self.scratchFolder = scratchFolder
        self.logger = logger
    }

    public func run(_ job: StageJob) throws {
        var faults = try DeliveryRounds.send(job, stage: stage, destination: destination.name, destinations: destinations,
                                             metrics: metrics) { fresh in
            for batch in Self.batches(fresh, maxInstances: maxBatchInstances, maxBytes: maxBatchBytes) {
                let faults = try send(batch, job: job)
                if !faults.isEmpty { return faults }
            }
            return []
        }
        // Verified once the series is wholly de-identified: one question per series.
        if verify, try job.database.unfinishedImages(seriesId: job.seriesId) == 0, let fault = try verifyStored(job: job) {
            faults.append(fault)
        }
        try DeliveryRounds.finish(job, destination: destination.name, destinations: destinations, metrics: metrics, faults: faults)
    }

    /// `pending` in order, cut into batches of at most `maxInstances` instances and `maxBytes`
    /// bytes (an instance larger than `maxBytes` goes alone).
    public static func batches(_ pending: [PendingDelivery], maxInstances: Int, maxBytes: Int64) -> [[PendingDelivery]] {
        var out: [[PendingDelivery]] = []
        var current: [PendingDelivery] = []
        var bytes: Int64 = 0
        for image in pending {
            if !current.isEmpty && (current.count >= maxInstances || bytes + image.size > maxBytes) {
                out.append(current)
                current = []
                bytes = 0
            }
            current.append(image)
            bytes += image.size
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    /// Stores one batch and records each instance's outcome. Returns the faults worth trying
    /// again.
    func send(_ batch: [PendingDelivery], job: StageJob) throws -> [String] {
        let started = Date()
        let bodyPath = scratchFolder + "/\(UUID().uuidString).stow.part"
        defer { unlink(bodyPath) }
        let body: STOWBody
        do {
            try FileManager.default.createDirectory(atPath: scratchFolder, withIntermediateDirectories: true)
            body = try STOWBody.write(paths: batch.map(\.path), to: bodyPath)
        } catch {
            // The outbox copies could not be read, or the scratch file not written: a local
            // fault, not the destination's; tried again.
            return ["cannot prepare the STOW-RS request: \(error)"]
        }
        try job.keepAlive()
        let uids = batch.map(\.sopInstanceUID)
        var outcomes: [String: DeliveryOutcome] = [:]
        var refusedBefore = false
        for _ in 0..<2 {
            let answer: DICOMwebClient.StoreAnswer
            do {
                answer = try client.store(bodyFile: bodyPath, body: body)
            } catch let failure as DICOMwebClient.Failure {
                if failure.isPermanent {
                    outcomes = Dictionary(uids.map { ($0, .refused(status: nil, reason: failure.description)) }, uniquingKeysWith: { a, _ in a })
                    break
                }
                return [failure.description]
            }
            outcomes = DICOMwebOutcome.classify(answer, sent: uids, acceptWarnings: acceptWarnings, authorizationRefusedBefore: refusedBefore)
            guard case .http(let status, _) = answer, status == 401 || status == 403, !refusedBefore else { break }
            refusedBefore = true
            logger.warning("DICOMweb destination refused the credentials; trying once more", metadata: [
                "destination": "\(destination.name)", "status": "\(status)"])
            Thread.sleep(forTimeInterval: authorizationRetryPause)
            try job.keepAlive()
        }
        var answers: [(PendingDelivery, DeliveryAnswer)] = []
        var faults: [String] = []
        for image in batch {
            switch outcomes[image.sopInstanceUID] ?? .retry("no outcome") {
            case .stored(let status, let warning): answers.append((image, .stored(dimseStatus: Int(status), warning: warning)))
            case .refused(let status, let reason): answers.append((image, .refused(dimseStatus: status.map(Int.init), reason: reason)))
            case .retry(let why): faults.append(why)
            }
        }
        try job.database.recordDeliveries(answers, destination: destination.name, verified: !verify)
        let stored = answers.filter { if case .stored = $0.1 { true } else { false } }.count
        metrics.sent(stored, destination: destination.name)
        metrics.failed(answers.count - stored, destination: destination.name)
        if !verify { metrics.verified(stored, destination: destination.name) }
        logger.info("STOW-RS batch sent", metadata: [
            "destination": "\(destination.name)", "series": "\(job.seriesId)", "instances": "\(batch.count)", "bytes": "\(body.size)",
            "stored": "\(stored)", "refused": "\(answers.count - stored)", "to_retry": "\(faults.count)",
            "seconds": "\(String(format: "%.2f", Date().timeIntervalSince(started)))"])
        return faults
    }

    /// Asks the server (QIDO-RS, one question per de-identified series) which of the series'
    /// sent instances it shows. Those it shows are done; the others are sent again on the next
    /// try. Returns a fault if it could not be asked or lacks an instance.
    func verifyStored(job: StageJob) throws -> String? {
        let sent = try job.database.sentImages(seriesId: job.seriesId, destination: destination.name)
        guard !sent.isEmpty else { return nil }
        var present = Set<String>()
        do {
            for key in Set(sent.map { [$0.studyInstanceUID, $0.seriesInstanceUID] }) {
                present.formUnion(try client.instances(study: key[0], series: key[1]))
            }
        } catch {
            return "cannot verify: \(error)"
        }
        let missing = try DeliveryRounds.recordShown(sent, present: present, destination: destination.name, job: job, metrics: metrics)
        guard let first = missing.first else { return nil }
        logger.error("DICOMweb destination stored images it does not show", metadata: [
            "destination": "\(destination.name)", "series": "\(job.seriesId)", "missing": "\(missing.count)", "first": "\(first.sopInstanceUID)"])
        return "stored \(missing.count) image\(missing.count == 1 ? "" : "s") QIDO-RS does not show (first \(first.sopInstanceUID)); they are sent again"
    }

}

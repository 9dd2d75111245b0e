import DICOMCore
import DICOMFile
import Deidentify
import Foundation
import Logging
import Synchronization
import SenditIndex
import SenditIntake

/// The de-identify stage: each PROCESSING image of the series is de-identified with the
/// series' identifiers, checked by the PHI gate and placed in the outbox; then it is
/// DONEPROCESSING. An image that cannot be read, or whose copy the gate refuses, is FAILED with
/// the reason; the others go on. Only an outbox that cannot be written fails the job (retried).
/// An image a burned-in rule names is HELD, untouched, until a person releases it.
public struct DeidentifyStage: StageHandler {
    public let stage = "deidentify"
    public let inputStatuses: [ImageStatus] = [.processing]
    public let workingStatus: ImageStatus = .processing
    /// The send stages, one per destination.
    public var nextStages: [String] = []
    /// Every this many images de-identified, the send stages are queued already, so a long
    /// series is sent while the rest of it is de-identified (each send job takes what is ready;
    /// the job queued at the end takes the rest).
    public var handOverEvery = 16
    /// Images whose outcomes are recorded in one transaction.
    public var recordEvery = 16
    /// The send stages' attempt limit, for the jobs queued early.
    public var sendMaxAttempts: @Sendable (String) -> Int = { _ in 1_000_000 }
    public var copies: CopyMaker
    let logger: Logger
    /// Syncs the outbox folders a batch's copies were renamed into, before the batch is
    /// recorded (replaced by tests, to see when it is called).
    public var syncFolders: @Sendable ([String]) throws -> Void = { try Outbox.syncFolders($0) }
    /// Images of a series de-identified at once.
    public var concurrency = UsableProcessors.count
    /// The keyed digest of an image's patient (IdentifyStage.patientOfImage). The series'
    /// identifiers were asked for one of its images; an image of another patient under the same
    /// SeriesInstanceUID is refused, never given them. Nil: not checked.
    public var patientOfImage: (@Sendable (DataSet) -> String)?
    /// Where the recorded outcomes are counted (by default the process's metrics system).
    public var metrics = PipelineMetrics()
    /// Where originals indexed before their study was quiet are now (`sendit serve` with
    /// IMPORT_BEFORE_QUIET); nil: paths are read as given.
    public var stagingPaths: StagingPaths?
    /// Rung when copies are recorded (and at the end of each run), for send jobs waiting for
    /// the series (`DeliveryRounds`); the process's own unless a test gives one.
    var bell = HandOverBell.shared

    public init(engine: Deidentifier, outbox: Outbox, rules: BurnedInRules = .standard,
                logger: Logger = Logger(label: "sendit") { _ in SwiftLogNoOpLogHandler() }) {
        // The outbox folders are synced once per recorded batch (in `record`), not per copy.
        var outbox = outbox
        outbox.syncsFoldersLater = true
        copies = CopyMaker(engine: engine, outbox: outbox, rules: rules)
        self.logger = logger
    }

    public func run(_ job: StageJob) throws {
        // Also when nothing was recorded: a send job waiting for the series learns it is whole.
        defer { bell.ring() }
        let input = try job.database.deidentifyInput(seriesId: job.seriesId)
        let (json, seriesPatient, images, released) = (input.identifiersJSON, input.patientDigest, input.images, input.released)
        // Nothing to de-identify (the identify stage held every image, or none was left).
        if images.isEmpty { return }
        guard let json else { throw StageError.permanent("deidentify: the series has no identifiers") }
        let identifiers: IdentifiersResponse
        do {
            identifiers = try IdentifiersResponse.decode(Data(json.utf8))
        } catch {
            throw StageError.permanent("deidentify: the series' stored identifiers are invalid: \(error)")
        }
        // Images are independent. An error that is not the image's own (the outbox cannot be
        // written) stops the others and fails the job, which is retried. Outcomes are recorded
        // `recordEvery` at a time, in one transaction (a commit is an fsync): a kill loses at
        // most those records, and their images are de-identified again on the next try (the
        // outbox copy is replaced by the same bytes).
        let handOver = handOverEvery, every = max(1, recordEvery), total = images.count
        struct Pending { var outcomes: [(CopyMaker.Outcome, ImageRecord)] = []; var recorded = 0; var handedOver = 0 }
        let pending = Mutex(Pending())
        // The batch is taken under the lock and recorded outside it: the other workers go on
        // de-identifying while the folders are synced and the transaction commits.
        let flush: @Sendable (Bool) throws -> Void = { [self] final in
            let batch = pending.withLock { p -> [(CopyMaker.Outcome, ImageRecord)] in
                guard !p.outcomes.isEmpty, final || p.outcomes.count >= every else { return [] }
                defer { p.outcomes = [] }
                return p.outcomes
            }
            guard !batch.isEmpty else { return }
            try record(batch, database: job.database)
            bell.ring()
            // Hand the images over to the send stages every `handOver` images (not at the
            // end: the job queued when this one completes takes the rest).
            let ready = pending.withLock { p -> Int? in
                p.recorded += batch.count
                guard handOver > 0 && p.recorded - p.handedOver >= handOver && p.recorded < total else { return nil }
                p.handedOver = p.recorded
                return p.recorded
            }
            if let ready {
                try job.enqueueEarly(nextStages, maxAttempts: sendMaxAttempts, reason: "de-identified images ready (\(ready) of \(total))")
            }
        }
        try ParallelWork.forEach(images.count, workers: concurrency) { n in
            if n % 50 == 49 { try job.keepAlive() }
            let image = images[n]
            let make = { (path: String) in
                try copies.make(path, applyRules: !released.contains(image.id ?? -1)) { ds in
                    if let patientOfImage, let seriesPatient, patientOfImage(ds) != seriesPatient {
                        throw Deidentifier.Refusal(reason: "this image's patient is not its series' (two patients under one "
                            + "SeriesInstanceUID): it is not given the other patient's identifiers; have it sent again under "
                            + "a series of its own")
                    }
                    return identifiers
                }
            }
            // An original indexed before its study was quiet is read where it is now (its
            // staging folder may have been finished since the job began), no rename meanwhile.
            let outcome = try stagingPaths.map { try $0.reading(image.path, make) } ?? make(image.path)
            pending.withLock { $0.outcomes.append((outcome, image)) }
            try flush(false)
        }
        try flush(true)
    }

    /// Records outcomes in one transaction, after syncing the outbox folders their copies were
    /// renamed into (so no row says DONEPROCESSING of a copy a power cut could take back).
    func record(_ batch: [(CopyMaker.Outcome, ImageRecord)], database: any IndexStore) throws {
        try syncFolders(batch.flatMap { outcome, _ -> [String] in
            if case .placed(_, let placed) = outcome { return placed.unsyncedFolders }
            return []
        })
        var gateRefusals = 0
        for (outcome, image) in batch {
            if case .refused(_, let hit?) = outcome {
                gateRefusals += 1
                logger.error("PHI gate refused a de-identified copy; the image is FAILED", metadata: [
                    "image": "\(image.sopInstanceUID)", "file": "\(image.path)", "attribute": "\(hit.attribute)",
                    "kind": "\(hit.kind)", "where": "\(hit.location)"])
            }
        }
        let destinations = nextStages.map { String($0.dropFirst(DeliveryDestination.stagePrefix.count)) }
        let outcomes = batch.map { outcome, image in Self.indexed(outcome, for: image, destinations: destinations) }
        try database.recordDeidentified(outcomes)
        metrics.deidentified(outcomes, gateRefusals: gateRefusals)
    }

    /// An outcome as the index records it.
    static func indexed(_ outcome: CopyMaker.Outcome, for image: ImageRecord, destinations: [String] = []) -> DeidentifiedOutcome {
        switch outcome {
        case .placed(let output, let placed):
            .placed(DeidentifiedCopy(imageId: image.id!, studyInstanceUID: output.studyInstanceUID,
                                     seriesInstanceUID: output.seriesInstanceUID, sopInstanceUID: output.sopInstanceUID,
                                     path: placed.path, size: placed.size, actions: output.report.countsText))
        case .held(let rule):
            .held(imageId: image.id!, reason: "burned-in rule \(rule): may carry text in its pixels; `sendit release` sends it")
        case .dropped(let rule):
            .dropped(imageId: image.id!, reason: "dropped by the project's rule \(rule): not de-identified, not sent",
                     destinations: destinations)
        case .refused(let reason, _):
            .refused(imageId: image.id!, reason: "deidentify: \(reason)")
        }
    }
}

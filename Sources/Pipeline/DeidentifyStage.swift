import DICOMFile
import Deidentify
import Foundation
import GRDB
import Logging

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
    public var handOverEvery = 64
    /// The send stages' attempt limit, for the jobs queued early.
    public var sendMaxAttempts: @Sendable (String) -> Int = { _ in 1_000_000 }
    public let copies: CopyMaker
    let logger: Logger
    /// Images of a series de-identified at once.
    public var concurrency = ProcessInfo.processInfo.activeProcessorCount

    public init(engine: Deidentifier, outbox: Outbox, rules: BurnedInRules = .standard,
                logger: Logger = Logger(label: "sendit") { _ in SwiftLogNoOpLogHandler() }) {
        copies = CopyMaker(engine: engine, outbox: outbox, rules: rules)
        self.logger = logger
    }

    public func run(_ job: StageJob) throws {
        let (json, images, released) = try job.database.writer.read { db in
            (try String.fetchOne(db, sql: "SELECT json FROM seriesIdentifiers WHERE seriesId = ?", arguments: [job.seriesId]),
             try ImageRecord.filter(Column("seriesId") == job.seriesId && Column("status") == ImageStatus.processing.rawValue)
                .order(Column("id")).fetchAll(db),
             Set(try Int64.fetchAll(db, sql: "SELECT r.imageId FROM released AS r JOIN image AS i ON i.id = r.imageId WHERE i.seriesId = ?",
                                    arguments: [job.seriesId])))
        }
        guard let json else { throw StageError.permanent("deidentify: the series has no identifiers") }
        let identifiers: IdentifiersResponse
        do {
            identifiers = try IdentifiersResponse.decode(Data(json.utf8))
        } catch {
            throw StageError.permanent("deidentify: the series' stored identifiers are invalid: \(error)")
        }
        // Images are independent. An error that is not the image's own (the outbox cannot be
        // written) stops the others and fails the job, which is retried.
        let handOver = handOverEvery
        try ParallelWork.forEach(images.count, workers: concurrency) { n in
            if n % 50 == 49 { try job.keepAlive() }
            let image = images[n]
            let outcome = try copies.make(image.path, applyRules: !released.contains(image.id ?? -1)) { _ in identifiers }
            try record(outcome, for: image, database: job.database)
            if handOver > 0 && n % handOver == handOver - 1 && n + 1 < images.count {
                try job.enqueueEarly(nextStages, maxAttempts: sendMaxAttempts, reason: "de-identified images ready (\(n + 1) of \(images.count))")
            }
        }
    }

    func record(_ outcome: CopyMaker.Outcome, for image: ImageRecord, database: IndexDatabase) throws {
        let now = Date()
        if case .refused(_, let hit?) = outcome {
            logger.error("PHI gate refused a de-identified copy; the image is FAILED", metadata: [
                "image": "\(image.sopInstanceUID)", "file": "\(image.path)", "attribute": "\(hit.attribute)"])
        }
        _ = try database.writer.write { db in
            switch outcome {
            case .placed(let output, let placed):
                try DeidentifiedRecord(imageId: image.id!, studyInstanceUID: output.studyInstanceUID,
                                       seriesInstanceUID: output.seriesInstanceUID, sopInstanceUID: output.sopInstanceUID,
                                       path: placed.path, size: placed.size, createdAt: now).save(db)
                return try ImageTransition.moveImage(db, imageId: image.id!, from: .processing, to: .doneProcessing,
                                                     reason: "de-identified to \(placed.path)", at: now)
            case .held(let rule):
                return try ImageTransition.moveImage(db, imageId: image.id!, from: .processing, to: .held,
                                                     reason: "burned-in rule \(rule): may carry text in its pixels; `sendit release` sends it", at: now)
            case .refused(let reason, _):
                return try ImageTransition.moveImage(db, imageId: image.id!, from: .processing, to: .failed,
                                                     reason: "deidentify: \(reason)", at: now)
            }
        }
    }
}

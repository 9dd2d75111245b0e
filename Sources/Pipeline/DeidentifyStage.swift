import DICOMFile
import Deidentify
import Dispatch
import Foundation
import GRDB
import Synchronization

/// The de-identify stage: each PROCESSING image of the series is de-identified with the
/// series' identifiers, checked by the PHI gate and placed in the outbox; then it is
/// DONEPROCESSING. An image that cannot be read, or whose copy the gate refuses, is FAILED with
/// the reason; the others go on. Only an outbox that cannot be written fails the job (retried).
/// An image a burned-in rule names is HELD, untouched, until a person releases it.
public struct DeidentifyStage: StageHandler {
    public let stage = "deidentify"
    public let inputStatuses: [ImageStatus] = [.processing]
    public let workingStatus: ImageStatus = .processing
    public let nextStage: String? = nil
    public let engine: Deidentifier
    public let outbox: Outbox
    public let gateScope: PHIGate.Scope
    /// Decide which images may carry burned-in text: those are HELD, not de-identified.
    public let rules: BurnedInRules
    public var onGateHit: @Sendable (String, PHIGate.Hit) -> Void = { _, _ in }
    /// Images of a series de-identified at once.
    public var concurrency = ProcessInfo.processInfo.activeProcessorCount

    public init(engine: Deidentifier, outbox: Outbox, rules: BurnedInRules = .standard) {
        self.engine = engine
        self.outbox = outbox
        self.rules = rules
        gateScope = PHIGate.Scope(options: engine.settings.profile.options)
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
        // Images are independent: `concurrency` threads take them in turn. The first error that
        // is not the image's own (the outbox cannot be written) stops the others and fails the job.
        let state = Mutex((next: 0, error: nil as (any Error)?))
        DispatchQueue.concurrentPerform(iterations: max(1, min(concurrency, images.count))) { _ in
            while true {
                let n: Int? = state.withLock { s in
                    guard s.error == nil, s.next < images.count else { return nil }
                    defer { s.next += 1 }
                    return s.next
                }
                guard let n else { return }
                do {
                    if n % 50 == 49 { try job.keepAlive() }
                    let image = images[n]
                    try deidentify(image, identifiers: identifiers, database: job.database, released: released.contains(image.id ?? -1))
                } catch {
                    state.withLock { if $0.error == nil { $0.error = error } }
                }
            }
        }
        if let error = state.withLock({ $0.error }) { throw error }
    }

    func deidentify(_ image: ImageRecord, identifiers: IdentifiersResponse, database: IndexDatabase, released: Bool) throws {
        let now = Date()
        let outcome: Result<(Deidentifier.Output, Outbox.Placed), StageError>
        do {
            var input = try Part10File.read(path: image.path)
            input.dataSet = try Deidentifier.loadingText(input.dataSet)
            if !released, let rule = rules.holdingRule(for: input.dataSet) {
                _ = try database.writer.write { db in
                    try ImageTransition.moveImage(db, imageId: image.id!, from: .processing, to: .held,
                                                  reason: "burned-in rule \(rule): may carry text in its pixels; `sendit release` sends it", at: now)
                }
                return
            }
            let output = try engine.deidentify(input, identifiers: identifiers)
            do {
                outcome = .success((output, try outbox.place(output, gate: PHIGate(original: input.dataSet, scope: gateScope))))
            } catch let hit as PHIGate.Hit {
                onGateHit(image.path, hit)
                outcome = .failure(.permanent("\(hit)"))
            }
        } catch let error as DICOMReadError {
            outcome = .failure(.permanent("cannot read \(image.path): \(error)"))
        } catch let error as Deidentifier.Refusal {
            outcome = .failure(.permanent("cannot de-identify: \(error)"))
        } catch let error as IdentifiersResponse.Invalid {
            outcome = .failure(.permanent("\(error)"))
        }
        // Any other error (the outbox cannot be written) is thrown: the job is retried.
        try database.writer.write { db in
            switch outcome {
            case .success(let (output, placed)):
                try DeidentifiedRecord(imageId: image.id!, studyInstanceUID: output.studyInstanceUID,
                                       seriesInstanceUID: output.seriesInstanceUID, sopInstanceUID: output.sopInstanceUID,
                                       path: placed.path, size: placed.size, createdAt: now).save(db)
                try ImageTransition.moveImage(db, imageId: image.id!, from: .processing, to: .doneProcessing,
                                              reason: "de-identified to \(placed.path)", at: now)
            case .failure(let error):
                try ImageTransition.moveImage(db, imageId: image.id!, from: .processing, to: .failed,
                                              reason: "deidentify: \(error)", at: now)
            }
        }
    }
}

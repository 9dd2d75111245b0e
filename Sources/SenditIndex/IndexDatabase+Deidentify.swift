import Foundation
internal import GRDB

/// What the de-identify stage did to one PROCESSING image.
public enum DeidentifiedOutcome: Sendable {
    /// Its copy passed the PHI gate and is in the outbox: DONEPROCESSING.
    case placed(DeidentifiedCopy)
    /// A burned-in rule names it: HELD for a person, with why.
    case held(imageId: Int64, reason: String)
    /// It cannot be read, or the gate refused its copy: FAILED, with why.
    case refused(imageId: Int64, reason: String)
    /// A project's drop rule names it: DONE without a copy, with why; each of `destinations`
    /// records it skipped, so clean-up removes it as it removes what was delivered.
    case dropped(imageId: Int64, reason: String, destinations: [String])
}

/// What de-identifying a series starts from.
public struct DeidentifyInput: Sendable {
    /// The series' identifiers (nil: none stored).
    public let identifiersJSON: String?
    /// The keyed digest of the patient they were given for.
    public let patientDigest: String?
    /// Its PROCESSING images, by row id.
    public let images: [ImageRecord]
    /// Those of its images a person released (the burned-in rules are skipped for them).
    public let released: Set<Int64>

    public init(identifiersJSON: String?, patientDigest: String?, images: [ImageRecord], released: Set<Int64>) {
        self.identifiersJSON = identifiersJSON
        self.patientDigest = patientDigest
        self.images = images
        self.released = released
    }
}

/// The de-identify stage's reads and writes, each one transaction.
extension IndexDatabase {
    public func deidentifyInput(seriesId: Int64) throws -> DeidentifyInput {
        try writer.read { db in
            DeidentifyInput(
                identifiersJSON: try String.fetchOne(db, sql: "SELECT json FROM seriesIdentifiers WHERE seriesId = ?", arguments: [seriesId]),
                patientDigest: try String.fetchOne(db, sql: "SELECT patientDigest FROM seriesIdentifiers WHERE seriesId = ?",
                                                   arguments: [seriesId]),
                images: try ImageRecord.filter(Column("seriesId") == seriesId && Column("status") == ImageStatus.processing.rawValue)
                    .order(Column("id")).fetchAll(db),
                released: Set(try Int64.fetchAll(db, sql: """
                    SELECT r.imageId FROM released AS r JOIN image AS i ON i.id = r.imageId WHERE i.seriesId = ?
                    """, arguments: [seriesId])))
        }
    }

    /// Records outcomes in one transaction: each copy's row and each image's status (an image no
    /// longer PROCESSING is left as it is).
    public func recordDeidentified(_ outcomes: [DeidentifiedOutcome], now: @autoclosure () -> Date) throws {
        try writer.write { db in
            var tally: [Activity.Kind: (images: Int, bytes: Int64)] = [:]
            var last = Date()
            for outcome in outcomes {
                let at = now()
                last = at
                switch outcome {
                case .placed(let copy):
                    try DeidentifiedRecord(copy, createdAt: at).save(db)
                    try ImageTransition.moveImage(db, imageId: copy.imageId, from: .processing, to: .doneProcessing,
                                                  reason: "de-identified to \(copy.path)", at: at)
                    tally[.deidentified, default: (0, 0)].images += 1
                    tally[.deidentified, default: (0, 0)].bytes += copy.size
                case .held(let imageId, let reason):
                    try ImageTransition.moveImage(db, imageId: imageId, from: .processing, to: .held, reason: reason, at: at)
                    tally[.held, default: (0, 0)].images += 1
                case .refused(let imageId, let reason):
                    try ImageTransition.moveImage(db, imageId: imageId, from: .processing, to: .failed, reason: reason, at: at)
                    tally[.failed, default: (0, 0)].images += 1
                case .dropped(let imageId, let reason, let destinations):
                    for d in destinations {
                        var skipped = DeliveryRecord(imageId: imageId, destination: d, state: .skipped, detail: reason, bytes: 0, updatedAt: at)
                        try skipped.insert(db, onConflict: .ignore)
                    }
                    try ImageTransition.moveImage(db, imageId: imageId, from: .processing, to: .done, reason: reason, at: at)
                }
            }
            for (kind, t) in tally { try Activity.add(db, kind, images: t.images, bytes: t.bytes, at: last) }
        }
    }
}

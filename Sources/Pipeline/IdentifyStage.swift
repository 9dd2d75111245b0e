import DICOMFile
import Deidentify
import Foundation
import GRDB

/// The identify stage: gets the series' replacement identifiers (patient and study codes, date
/// jitter) and stores them as its `seriesIdentifiers` row. A series whose study already has
/// identifiers (another series, an earlier run) reuses them, so a study is asked for once and
/// all its series agree. Images stay PROCESSING for the de-identify stage; nothing proceeds
/// without identifiers.
public struct IdentifyStage: StageHandler {
    public let stage = "identify"
    public let inputStatuses: [ImageStatus] = [.new]
    public let workingStatus: ImageStatus = .processing
    public let nextStages = ["deidentify"]
    public let provider: any IdentifiersProvider
    public let fields: IdentifiersRequest.Fields
    private let studies = KeyedLock()

    public init(provider: any IdentifiersProvider, fields: IdentifiersRequest.Fields = .init()) {
        self.provider = provider
        self.fields = fields
    }

    public func run(_ job: StageJob) throws {
        let study = try job.database.writer.read { db in
            try Int64.fetchOne(db, sql: "SELECT studyId FROM series WHERE id = ?", arguments: [job.seriesId])
        }
        try studies.withLock(study ?? -1) { try identify(job) }
    }

    /// What the index already knows for a series.
    enum Known {
        case own
        case study(json: String)
        case none(sample: String?)
    }

    func identify(_ job: StageJob) throws {
        let db = job.database.writer
        let known = try db.read { db -> Known in
            if try String.fetchOne(db, sql: "SELECT json FROM seriesIdentifiers WHERE seriesId = ?", arguments: [job.seriesId]) != nil {
                return .own
            }
            if let sibling = try String.fetchOne(db, sql: """
                SELECT si.json FROM seriesIdentifiers AS si JOIN series AS s ON s.id = si.seriesId
                WHERE s.studyId = (SELECT studyId FROM series WHERE id = ?) ORDER BY si.createdAt LIMIT 1
                """, arguments: [job.seriesId]) {
                return .study(json: sibling)
            }
            return .none(sample: try String.fetchOne(db, sql: """
                SELECT path FROM image WHERE seriesId = ? AND status = 'PROCESSING' ORDER BY id LIMIT 1
                """, arguments: [job.seriesId]))
        }
        let json: String, reason: String
        switch known {
        case .own:
            return
        case .study(let sibling):
            json = sibling
            reason = "identifiers of the study reused"
        case .none(nil):
            return   // no image left to work on
        case .none(let sample?):
            let header: Part10File
            do {
                header = try Part10File.read(path: sample, options: .headerOnly)
            } catch {
                throw StageError.permanent("identify: cannot read \(sample): \(error)")
            }
            let response = try provider.identifiers(for: IdentifiersRequest(dataSet: header.dataSet, fields: fields))
            do {
                try response.validate()
            } catch {
                throw StageError.permanent("identify: \(provider.name): \(error)")
            }
            json = response.json()
            reason = "identifiers from \(provider.name)"
        }
        try db.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO seriesIdentifiers (seriesId, json, createdAt) VALUES (?, ?, ?)",
                           arguments: [job.seriesId, json, Date()])
            try EventRecord(entity: "series", entityId: job.seriesId, from: nil, to: "IDENTIFIED", reason: reason, at: Date()).insert(db)
        }
    }
}

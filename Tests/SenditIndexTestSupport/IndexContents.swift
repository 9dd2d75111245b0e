import Foundation
import GRDB
@testable import SenditIndex

/// What the SQLite index holds, table by table, as values: for tests to check what the intents
/// recorded, so that no test outside the index writes SQL. Test-only: nothing shipped reads the
/// index this way.
public struct IndexContents {
    let database: IndexDatabase

    public init(_ database: IndexDatabase) { self.database = database }

    /// A file that holds an imported instance besides its image's own: another sender's copy of
    /// the same data set, or one a newer data set replaced.
    public struct OtherCopy: Equatable, Sendable {
        public enum Kind: String, Sendable { case duplicate, superseded }
        public let imageId: Int64
        public let path: String
        public let kind: Kind
    }

    /// A series' stored identifiers.
    public struct SeriesIdentifiers: Equatable, Sendable {
        public let seriesInstanceUID: String
        public let json: String
        public let patientDigest: String?
    }

    /// A code given to an original (a patient or a study).
    public struct IdentifierCode: Equatable, Sendable {
        public enum Kind: String, Sendable { case patient, study }
        public let kind: Kind
        public let code: String
    }

    /// A Storage Commitment request and what its answer said.
    public struct CommitmentRequest: Equatable, Sendable {
        public let transactionUID: String
        public let destination: String
        public let seriesId: Int64
        public let answeredAt: Date?
        public let committed: Int?
        public let failed: Int?
    }

    /// What clean-up kept of a series.
    public struct SeriesSummary: Equatable, Sendable {
        public let seriesInstanceUID: String
        public let images: Int
        public let destinations: String
        public let deliveredAt: Date?
    }

    public func studies() throws -> [StudyRecord] { try database.writer.read { try StudyRecord.order(Column("id")).fetchAll($0) } }

    public func series() throws -> [SeriesRecord] { try database.writer.read { try SeriesRecord.order(Column("id")).fetchAll($0) } }

    /// Every status change, in the order recorded.
    /// Sets an image's status directly (a test's shortcut past the stages).
    public func setStatus(imageId: Int64, _ status: ImageStatus) throws {
        try database.writer.write { try $0.execute(sql: "UPDATE image SET status = ? WHERE id = ?", arguments: [status.rawValue, imageId]) }
    }

    public func events() throws -> [EventRecord] { try database.writer.read { try EventRecord.order(Column("id")).fetchAll($0) } }

    public func deliveries() throws -> [DeliveryRecord] {
        try database.writer.read { try DeliveryRecord.order(Column("id")).fetchAll($0) }
    }

    /// The outbox copies, by image.
    public func deidentifiedCopies() throws -> [DeidentifiedRecord] {
        try database.writer.read { try DeidentifiedRecord.order(Column("imageId")).fetchAll($0) }
    }

    /// Every quarantine row, by file name.
    public func quarantined() throws -> [QuarantineRecord] {
        try database.writer.read { try QuarantineRecord.order(Column("fileName"), Column("id")).fetchAll($0) }
    }

    public func importedFolders() throws -> [ImportedFolderRecord] {
        try database.writer.read { try ImportedFolderRecord.order(Column("path")).fetchAll($0) }
    }

    public func otherCopies() throws -> [OtherCopy] {
        try database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT imageId, path, kind FROM otherCopy ORDER BY id").map {
                OtherCopy(imageId: $0[0], path: $0[1], kind: try kind($0[2]))
            }
        }
    }

    /// By series row id.
    public func seriesIdentifiers() throws -> [SeriesIdentifiers] {
        try database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT s.seriesInstanceUID, si.json, si.patientDigest FROM seriesIdentifiers AS si
                JOIN series AS s ON s.id = si.seriesId ORDER BY s.id
                """).map { SeriesIdentifiers(seriesInstanceUID: $0[0], json: $0[1], patientDigest: $0[2]) }
        }
    }

    public func identifierCodes() throws -> [IdentifierCode] {
        try database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT kind, code FROM identifierCode ORDER BY kind, code").map {
                IdentifierCode(kind: try kind($0[0]), code: $0[1])
            }
        }
    }

    public func commitmentRequests() throws -> [CommitmentRequest] {
        try database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT transactionUID, destination, seriesId, answeredAt, committed, failed FROM commitmentRequest ORDER BY requestedAt
                """).map {
                CommitmentRequest(transactionUID: $0[0], destination: $0[1], seriesId: $0[2], answeredAt: $0[3], committed: $0[4],
                                  failed: $0[5])
            }
        }
    }

    public func seriesSummaries() throws -> [SeriesSummary] {
        try database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT seriesInstanceUID, images, destinations, deliveredAt FROM seriesSummary ORDER BY seriesInstanceUID")
                .map { SeriesSummary(seriesInstanceUID: $0[0], images: $0[1], destinations: $0[2], deliveredAt: $0[3]) }
        }
    }

    struct UnknownValue: Error { let value: String }

    private func kind<K: RawRepresentable<String>>(_ raw: String) throws -> K {
        guard let kind = K(rawValue: raw) else { throw UnknownValue(value: raw) }
        return kind
    }
}

extension IndexDatabase {
    /// Its rows, for tests.
    public var contents: IndexContents { IndexContents(self) }
}

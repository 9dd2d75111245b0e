internal import GRDB

// How the public records are stored. GRDB is imported `internal` throughout this module, so no
// public declaration can name a GRDB type; a record reaches GRDB's protocols only through these
// internal ones, and another module sees plain values (it cannot import GRDB: it does not
// depend on it).

/// A row whose id the database assigns on insert (`didInsert`).
protocol StoredRecord: Codable, FetchableRecord, MutablePersistableRecord {}

/// A row whose key it carries.
protocol StoredValue: Codable, FetchableRecord, PersistableRecord {}

extension StudyRecord: StoredRecord {}
extension SeriesRecord: StoredRecord {}
extension ImageRecord: StoredRecord {}
extension JobRecord: StoredRecord {}
extension DeliveryRecord: StoredRecord {}
extension QuarantineRecord: StoredRecord {}
extension EventRecord: StoredValue {}

/// A row mapped column by column.
protocol StoredRow: FetchableRecord, PersistableRecord {}

extension DeidentifiedRecord: StoredRow {
    static let databaseTableName = "deidentified"

    init(row: Row) throws {
        self.init(DeidentifiedCopy(imageId: row["imageId"], studyInstanceUID: row["studyInstanceUID"],
                                   seriesInstanceUID: row["seriesInstanceUID"], sopInstanceUID: row["sopInstanceUID"], path: row["path"],
                                   size: row["size"], actions: row["actions"]),
                  createdAt: row["createdAt"])
    }

    func encode(to container: inout PersistenceContainer) throws {
        container["imageId"] = copy.imageId
        container["studyInstanceUID"] = copy.studyInstanceUID
        container["seriesInstanceUID"] = copy.seriesInstanceUID
        container["sopInstanceUID"] = copy.sopInstanceUID
        container["path"] = copy.path
        container["size"] = copy.size
        container["createdAt"] = createdAt
        container["actions"] = copy.actions
    }
}
extension ImportedFolderRecord: StoredValue {}

import Foundation
internal import GRDB

/// One file an import records: an image (with what is known of an earlier copy of its
/// instance), or a file to quarantine.
public enum ImportEntry: Sendable {
    case image(ImportedImage, earlier: EarlierCopy?)
    case quarantine(path: String, reason: String)
}

/// What the index records of an image file: its UIDs, SOP class, transfer syntax, modality.
public struct ImportedImage: Sendable, Equatable {
    public var path: String
    public var size: Int64
    public var studyInstanceUID: String
    public var seriesInstanceUID: String
    public var sopInstanceUID: String
    public var sopClassUID: String
    public var transferSyntaxUID: String
    public var modality: String?
    /// When the file was written (its modification time: when the C-STORE placed it, or when a
    /// dropped file was written); nil: unknown, the import's time stands for it.
    public var receivedAt: Date?
    /// The project routing chose ("default" on a node without projects).
    public var project: String = ImportedImage.defaultProject
    /// Imported from a staging folder still being written (its study not quiet yet): recorded
    /// only if the instance is new to its project (anything else waits for the folder's import
    /// once it is finished), and kept out of what needs a complete series (verification,
    /// volumes, clean-up) until that import is complete (`recordImportedFolder`).
    public var staged = false
    /// The project of a node without projects, and of every image indexed before there were any.
    public static let defaultProject = "default"

    public init(path: String, size: Int64, studyInstanceUID: String, seriesInstanceUID: String, sopInstanceUID: String,
                sopClassUID: String, transferSyntaxUID: String, modality: String?, receivedAt: Date? = nil) {
        self.path = path
        self.size = size
        self.studyInstanceUID = studyInstanceUID
        self.seriesInstanceUID = seriesInstanceUID
        self.sopInstanceUID = sopInstanceUID
        self.sopClassUID = sopClassUID
        self.transferSyntaxUID = transferSyntaxUID
        self.modality = modality
        self.receivedAt = receivedAt
    }

    /// The receipt time the index records at an import at `now`: the file's, unless it is
    /// unknown, in the future (another clock) or more than a day old (a folder copied with its
    /// old times), when the import's time stands for it. End-to-end latency counts from it.
    func receipt(importedAt now: Date) -> Date {
        guard let receivedAt, receivedAt <= now, now.timeIntervalSince(receivedAt) <= 86_400 else { return now }
        return receivedAt
    }
}

/// The copy of an instance imported earlier from another file, compared with the new one
/// before the write transaction (reading files never holds the database's write lock).
public struct EarlierCopy: Sendable, Equatable {
    public var path: String
    public var size: Int64
    /// Its data set (File Meta Information aside) is the new file's.
    public var sameDataSet: Bool

    public init(path: String, size: Int64, sameDataSet: Bool) {
        self.path = path
        self.size = size
        self.sameDataSet = sameDataSet
    }
}

/// An instance as the index keys it: one SOP Instance UID may be in several projects.
public struct InstanceKey: Hashable, Sendable {
    public var project: String
    public var sopInstanceUID: String

    public init(project: String, sopInstanceUID: String) {
        self.project = project
        self.sopInstanceUID = sopInstanceUID
    }
}

/// Where a quarantined file goes, and whether it is still there: the quarantine folder's rules,
/// which the index calls while it records a row.
public struct QuarantinePlacement: Sendable {
    /// Whether the file exists (another importer may have moved it).
    public let exists: @Sendable (String) -> Bool
    /// The path it is moved to, from its row id and file name.
    public let target: @Sendable (Int64, String) -> String

    public init(exists: @escaping @Sendable (String) -> Bool, target: @escaping @Sendable (Int64, String) -> String) {
        self.exists = exists
        self.target = target
    }
}

/// What recording one batch did.
public struct ImportCounts: Sendable, Equatable {
    public var added = 0
    public var replaced = 0
    public var duplicates = 0
    public var quarantined = 0
    /// Copies of staged images from another folder: left for a later import of their folder.
    public var deferred = 0
    /// The bytes of the added and replaced images.
    public var bytes: Int64 = 0
    /// Series that got new or replaced images.
    public var series = Set<Int64>()
}

/// The import's reads and writes, each one transaction.
extension IndexDatabase {
    /// The path and size of the files the instances were imported from (for the instances
    /// already imported into the same project).
    public func importedCopies(of instances: [InstanceKey]) throws -> [InstanceKey: (path: String, size: Int64)] {
        try writer.read { db in
            var existing: [InstanceKey: (path: String, size: Int64)] = [:]
            let wanted = Set(instances)
            for chunk in Array(Set(instances.map(\.sopInstanceUID))).sqlChunks {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                for row in try Row.fetchAll(db, sql: """
                    SELECT i.sopInstanceUID, s.project, i.path, i.size FROM image AS i JOIN series AS s ON s.id = i.seriesId
                    WHERE i.sopInstanceUID IN (\(marks))
                    """, arguments: StatementArguments(chunk)) {
                    let key = InstanceKey(project: row[1], sopInstanceUID: row[0])
                    if wanted.contains(key) { existing[key] = (row[2], row[3]) }
                }
            }
            return existing
        }
    }

    /// Records a batch of files in one transaction: Study, Series and Image rows (status NEW),
    /// duplicates and superseded copies (`otherCopy`), quarantine rows; then queues `firstStage`
    /// for every series in `queueing` and every series that got new or replaced images.
    /// `sameDataSet(oldPath, image)`: compares an earlier copy that changed since the
    /// comparison (rare).
    public func recordImport(_ entries: [ImportEntry], placement: QuarantinePlacement,
                             sameDataSet: (String, ImportedImage) -> Bool, firstStage: String?, maxAttempts: Int,
                             queueing: Set<Int64>, reason: String, now: Date) throws -> ImportCounts {
        try recordImport(entries, placement: placement, sameDataSet: sameDataSet, firstStage: firstStage, maxAttempts: maxAttempts,
                         queueing: queueing, reason: reason, importing: nil, now: now)
    }

    /// `importing`: the folder being imported, whose staged images its files may replace.
    public func recordImport(_ entries: [ImportEntry], placement: QuarantinePlacement,
                             sameDataSet: (String, ImportedImage) -> Bool, firstStage: String?, maxAttempts: Int,
                             queueing: Set<Int64>, reason: String, importing: String?, now: Date) throws -> ImportCounts {
        try writer.write { db in
            var counts = ImportCounts()
            var series: [String: Int64] = [:]
            let nowValue = now.databaseValue
            for entry in entries {
                switch entry {
                case .image(let image, let earlier):
                    if let id = try record(db, image, earlier, sameDataSet: sameDataSet, importing: importing, now: now, nowValue: nowValue,
                                           series: &series, counts: &counts) {
                        counts.series.insert(id)
                    }
                case .quarantine(let path, let why):
                    if try recordQuarantine(db, path: path, reason: why, placement: placement, now: now) != nil {
                        counts.quarantined += 1
                    }
                }
            }
            try Activity.add(db, .received, images: counts.added + counts.replaced, bytes: counts.bytes, at: now)
            try Activity.add(db, .quarantined, images: counts.quarantined, bytes: 0, at: now)
            if let firstStage {
                for id in queueing.union(counts.series) {
                    try SQLiteJobQueue.enqueue(db, seriesId: id, stage: firstStage, maxAttempts: maxAttempts, now: now, reason: reason)
                }
            }
            return counts
        }
    }

    /// Records one image; returns its series id if the series got a new or replaced image. The
    /// common case (a new instance) is one lookup and two inserts through cached statements:
    /// this loop is the import's hot path.
    private func record(_ db: Database, _ h: ImportedImage, _ comparison: EarlierCopy?, sameDataSet: (String, ImportedImage) -> Bool,
                        importing: String?,
                        now: Date, nowValue: DatabaseValue, series: inout [String: Int64], counts: inout ImportCounts) throws -> Int64? {
        let find = try db.cachedStatement(sql: """
            SELECT i.id, i.path, i.size, i.status, i.staged FROM image AS i JOIN series AS s ON s.id = i.seriesId
            WHERE i.sopInstanceUID = ? AND s.project = ?
            """)
        if let existing = try Row.fetchOne(find, arguments: [h.sopInstanceUID, h.project]) {
            let id: Int64 = existing[0], path: String = existing[1], size: Int64 = existing[2], status: String = existing[3]
            let staged: Bool = existing[4]
            // Before its folder is finished, only a new instance is taken; every other case
            // waits for the folder's import.
            if h.staged { return nil }
            // A staged image whose file is in a staging folder still being written is decided by
            // its own folder's import: a copy from elsewhere waits (this folder is imported again
            // later). One in a finished folder not yet imported whole is decided now, as any.
            if staged && PathRange.isInStagingFolder(path) && !(importing.map { PathRange(folder: $0).contains(path) } ?? false) {
                counts.deferred += 1
                return nil
            }
            if path == h.path && size == h.size {
                counts.duplicates += 1
                return nil
            }
            let same: Bool
            if let comparison, comparison.path == path, comparison.size == size {
                same = comparison.sameDataSet
            } else {
                same = path != h.path && sameDataSet(path, h)   // changed since the comparison: rare
            }
            let copy = try db.cachedStatement(sql: "INSERT OR IGNORE INTO otherCopy (imageId, path, kind, at) VALUES (?, ?, ?, ?)")
            if same {
                try copy.execute(arguments: [id, h.path, "duplicate", nowValue])
                counts.duplicates += 1
                return nil
            }
            let seriesId = try self.seriesId(db, h, now: now, cache: &series)
            try db.execute(sql: """
                UPDATE image SET seriesId = ?, sopClassUID = ?, transferSyntaxUID = ?, path = ?, size = ?, status = ?,
                statusReason = NULL, updatedAt = ?, receivedAt = ? WHERE id = ?
                """, arguments: [seriesId, h.sopClassUID, h.transferSyntaxUID, h.path, h.size, ImageStatus.new.rawValue, nowValue,
                                 h.receipt(importedAt: now), id])
            if path != h.path { try copy.execute(arguments: [id, path, "superseded", nowValue]) }
            try db.execute(sql: "DELETE FROM otherCopy WHERE path = ?", arguments: [h.path])
            // What destinations had was the older copy: the new one is delivered (and verified) again.
            try db.execute(sql: "DELETE FROM delivery WHERE imageId = ?", arguments: [id])
            // A person's release was of the older copy's pixels: the new one is judged again.
            try db.execute(sql: "DELETE FROM released WHERE imageId = ?", arguments: [id])
            try EventRecord(entity: "image", entityId: id, from: status, to: ImageStatus.new.rawValue,
                            reason: "replaced by a newer copy with a different data set: \(h.path) (was \(path))", at: now).insert(db)
            counts.replaced += 1
            counts.bytes += h.size
            return seriesId
        }
        let seriesId = try self.seriesId(db, h, now: now, cache: &series)
        let insert = try db.cachedStatement(sql: """
            INSERT INTO image (seriesId, sopInstanceUID, sopClassUID, transferSyntaxUID, path, size, status, createdAt, updatedAt,
                               receivedAt, staged)
            VALUES (?, ?, ?, ?, ?, ?, \(ImageStatus.new.sql), ?, ?, ?, ?)
            """)
        try insert.execute(arguments: [seriesId, h.sopInstanceUID, h.sopClassUID, h.transferSyntaxUID, h.path, h.size, nowValue, nowValue,
                                       h.receipt(importedAt: now), h.staged])
        let event = try db.cachedStatement(sql: """
            INSERT INTO event (entity, entityId, fromStatus, toStatus, reason, at) VALUES ('image', ?, NULL, \(ImageStatus.new.sql), ?, ?)
            """)
        try event.execute(arguments: [db.lastInsertedRowID, "imported from " + h.path, nowValue])
        counts.added += 1
        counts.bytes += h.size
        return seriesId
    }

    /// The series' row id in the image's project, made (with its study's) if needed; cached for
    /// the transaction.
    private func seriesId(_ db: Database, _ h: ImportedImage, now: Date, cache: inout [String: Int64]) throws -> Int64 {
        let key = h.project + "\u{0}" + h.seriesInstanceUID
        if let id = cache[key] { return id }
        let id = try insertedSeries(db, h, now: now)
        cache[key] = id
        return id
    }

    private func insertedSeries(_ db: Database, _ h: ImportedImage, now: Date) throws -> Int64 {
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM series WHERE seriesInstanceUID = ? AND project = ?",
                                       arguments: [h.seriesInstanceUID, h.project]) {
            return id
        }
        let studyId: Int64
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM study WHERE studyInstanceUID = ? AND project = ?",
                                       arguments: [h.studyInstanceUID, h.project]) {
            studyId = id
        } else {
            var study = StudyRecord(studyInstanceUID: h.studyInstanceUID, createdAt: now)
            study.project = h.project
            try study.insert(db)
            studyId = study.id!
        }
        var series = SeriesRecord(studyId: studyId, seriesInstanceUID: h.seriesInstanceUID, modality: h.modality, createdAt: now)
        series.project = h.project
        try series.insert(db)
        return series.id!
    }

    /// Records that a folder was imported whole, as it was before the walk (so a rescan skips
    /// it while unchanged), with its event.
    public func recordImportedFolder(_ folder: ImportedFolderRecord, reason: String) throws {
        _ = try recordImportedFolder(folder, reason: reason, releasingStaged: nil, maxAttempts: 1)
    }

    @discardableResult
    public func recordImportedFolder(_ folder: ImportedFolderRecord, reason: String, releasingStaged firstStage: String?,
                                     maxAttempts: Int) throws -> Int {
        try writer.write { db in
            try folder.save(db)
            try EventRecord(entity: "folder", entityId: nil, from: nil, to: "IMPORTED", reason: reason, at: folder.at).insert(db)
            let series = try releaseStaged(db, folder: folder.path)
            if let firstStage {
                for id in series {
                    try SQLiteJobQueue.enqueue(db, seriesId: id, stage: firstStage, maxAttempts: maxAttempts, now: folder.at,
                                               reason: "its folder was finished and imported whole (\(folder.path))")
                }
            }
            return series.count
        }
    }

    /// The folders of `paths` that were imported, as they were then.
    public func importedFolders(paths: [String]) throws -> [String: ImportedFolderRecord] {
        try writer.read { db in
            var out: [String: ImportedFolderRecord] = [:]
            for chunk in paths.sqlChunks {
                for record in try ImportedFolderRecord.filter(keys: chunk).fetchAll(db) { out[record.path] = record }
            }
            return out
        }
    }
}

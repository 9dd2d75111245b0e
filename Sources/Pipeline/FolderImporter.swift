import Dispatch
import Foundation
import GRDB
import SenditIndex

/// Imports a finished folder: reads every file's header (recursively; hidden files are left
/// alone), records Study, Series and Image rows (status NEW), quarantines what is not an
/// importable image, and queues the first stage for each series that got new images. Safe to
/// run again on the same folder, by the same or another process: UIDs are unique, so a file
/// already imported is recognised, and nothing is recorded twice. A re-sent instance whose data
/// set (File Meta Information aside) is the same is a duplicate; one whose data set differs
/// replaces the copy imported earlier. Either way the other file is recorded in `otherCopy`,
/// for clean-up.
public struct FolderImporter: Sendable {
    public let database: IndexDatabase
    public let quarantine: Quarantine
    /// The stage queued for a series with new images (nil: none).
    public let firstStage: String?
    public let maxAttempts: Int
    /// A file modified less than this many seconds ago may still be being written (a folder
    /// copied by hand against the contract): it is left for the next scan, and the folder is not
    /// marked imported. `sendit import` sets 0: a person named the folder.
    public var settle: TimeInterval = 2
    /// Files per write transaction.
    public var batchSize = 2000

    public init(database: IndexDatabase, quarantine: Quarantine, firstStage: String?, maxAttempts: Int) {
        self.database = database
        self.quarantine = quarantine
        self.firstStage = firstStage
        self.maxAttempts = maxAttempts
    }

    /// What one import did.
    public struct Report: Sendable, Equatable {
        public var folder: String
        /// New Image rows.
        public var added = 0
        /// Instances already imported from another file whose data set differs: the newer
        /// replaced the older.
        public var replaced = 0
        /// Files already imported, or copies of an instance already imported (the same data set
        /// bytes): ignored, and recorded as other copies.
        public var duplicates = 0
        public var quarantined = 0
        /// Files modified within the settle time, and entries that could not be read: the folder
        /// is not marked imported, so the next scan looks again.
        public var deferred = 0
        /// Why entries could not be read (also counted in `deferred`).
        public var problems: [String] = []
        /// Quarantined files that could not be moved (left where they are, with their row).
        public var leftInPlace: [String] = []
        public var hiddenIgnored = 0
        /// Series that got new or replaced images (and a queued job).
        public var series = 0
        public var complete: Bool { deferred == 0 }
    }

    public func importFolder(_ folder: String, now: Date = Date()) throws -> Report {
        var report = Report(folder: folder)
        // Taken before the walk: a file added while the import runs changes the folder after
        // this, so the next scan sees the change.
        guard let before = FileIdentity(path: folder), before.isDirectory else {
            throw QuarantineError(message: "\(folder) is not a folder")
        }
        let walk = FolderWalk(folder)
        report.hiddenIgnored = walk.hidden
        report.problems = walk.problems
        report.deferred = walk.problems.count
        var touchedSeries = Set<Int64>()
        var batches = stride(from: 0, to: walk.files.count, by: batchSize).map {
            Array(walk.files[$0..<min($0 + batchSize, walk.files.count)])
        }
        if batches.isEmpty { batches = [[]] }
        for (n, batch) in batches.enumerated() {
            let headers = FolderImporter.readHeaders(batch)
            // A file modified within the settle time may still be being written.
            let settled = batch.map { now.timeIntervalSince1970 - $0.identity.modifiedAt >= settle }
            let comparisons = try compareWithImported(zip(headers, settled).compactMap { $1 ? try? $0.get() : nil })
            let others = n == 0 ? walk.others : []
            try database.writer.write { db in
                var series: [String: Int64] = [:]
                let nowValue = now.databaseValue
                for ((file, header), isSettled) in zip(zip(batch, headers), settled) {
                    guard isSettled else {
                        report.deferred += 1
                        continue
                    }
                    switch header {
                    case .success(let h):
                        if let id = try record(db, h, comparisons[h.sopInstanceUID], now: now, nowValue: nowValue,
                                               series: &series, report: &report) {
                            touchedSeries.insert(id)
                        }
                    case .failure(let rejection):
                        if try quarantine.record(db, path: file.path, reason: rejection.reason, now: now) != nil {
                            report.quarantined += 1
                        }
                    }
                }
                for path in others {
                    if try quarantine.record(db, path: path, reason: "not a regular file (symbolic link or device), not followed", now: now) != nil {
                        report.quarantined += 1
                    }
                }
                if let firstStage {
                    for series in touchedSeries {
                        try JobQueue.enqueue(db, seriesId: series, stage: firstStage, maxAttempts: maxAttempts,
                                             now: now, reason: "new images from \(folder)")
                    }
                }
            }
        }
        report.series = touchedSeries.count
        report.leftInPlace = quarantine.finishPendingMoves(database).leftInPlace
        if report.complete {
            try database.writer.write { db in
                try ImportedFolderRecord(path: folder, device: before.device, inode: before.inode, modifiedAt: before.modifiedAt,
                                         images: report.added + report.replaced, duplicates: report.duplicates,
                                         quarantined: report.quarantined, at: now).save(db)
                try EventRecord(entity: "folder", entityId: nil, from: nil, to: "IMPORTED",
                                reason: "\(folder): \(report.added) added, \(report.replaced) replaced, \(report.duplicates) duplicates, \(report.quarantined) quarantined",
                                at: now).insert(db)
            }
        }
        return report
    }

    /// For instances of the batch already imported from another file: whether that file's data
    /// set is the same as the new one's. Done before the write transaction, so reading files
    /// never holds the database's write lock.
    struct Comparison {
        var oldPath: String
        var oldSize: Int64
        var sameDataSet: Bool
    }

    private func compareWithImported(_ headers: [ImageHeader]) throws -> [String: Comparison] {
        var existing: [String: (String, Int64)] = [:]
        try database.writer.read { db in
            for start in stride(from: 0, to: headers.count, by: 500) {
                let chunk = headers[start..<min(start + 500, headers.count)].map(\.sopInstanceUID)
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                for row in try Row.fetchAll(db, sql: "SELECT sopInstanceUID, path, size FROM image WHERE sopInstanceUID IN (\(marks))",
                                            arguments: StatementArguments(chunk)) {
                    existing[row[0]] = (row[1], row[2])
                }
            }
        }
        var result: [String: Comparison] = [:]
        for h in headers {
            guard let (path, size) = existing[h.sopInstanceUID], path != h.path else { continue }
            result[h.sopInstanceUID] = Comparison(oldPath: path, oldSize: size, sameDataSet: FolderImporter.sameDataSet(path, h))
        }
        return result
    }

    static func sameDataSet(_ oldPath: String, _ h: ImageHeader) -> Bool {
        guard case .success(let old) = ImageHeader.read(path: oldPath, size: 0) else { return false }
        return FileComparison.sameContents(oldPath, from: old.dataSetOffset, h.path, from: h.dataSetOffset)
    }

    /// Records one image; returns its series id if the series got a new or replaced image. The
    /// common case (a new instance) is one lookup and two inserts through cached statements:
    /// this loop is the import's hot path.
    private func record(_ db: Database, _ h: ImageHeader, _ comparison: Comparison?, now: Date, nowValue: DatabaseValue,
                        series: inout [String: Int64], report: inout Report) throws -> Int64? {
        let find = try db.cachedStatement(sql: "SELECT id, path, size, status FROM image WHERE sopInstanceUID = ?")
        if let existing = try Row.fetchOne(find, arguments: [h.sopInstanceUID]) {
            let id: Int64 = existing[0], path: String = existing[1], size: Int64 = existing[2], status: String = existing[3]
            if path == h.path && size == h.size {
                report.duplicates += 1
                return nil
            }
            let same: Bool
            if let comparison, comparison.oldPath == path, comparison.oldSize == size {
                same = comparison.sameDataSet
            } else {
                same = path != h.path && FolderImporter.sameDataSet(path, h)   // changed since the comparison: rare
            }
            let copy = try db.cachedStatement(sql: "INSERT OR IGNORE INTO otherCopy (imageId, path, kind, at) VALUES (?, ?, ?, ?)")
            if same {
                try copy.execute(arguments: [id, h.path, "duplicate", nowValue])
                report.duplicates += 1
                return nil
            }
            let seriesId = try self.seriesId(db, h, now: now, cache: &series)
            try db.execute(sql: """
                UPDATE image SET seriesId = ?, sopClassUID = ?, transferSyntaxUID = ?, path = ?, size = ?, status = 'NEW',
                statusReason = NULL, updatedAt = ? WHERE id = ?
                """, arguments: [seriesId, h.sopClassUID, h.transferSyntaxUID, h.path, h.size, nowValue, id])
            if path != h.path { try copy.execute(arguments: [id, path, "superseded", nowValue]) }
            try db.execute(sql: "DELETE FROM otherCopy WHERE path = ?", arguments: [h.path])
            // What destinations had was the older copy: the new one is delivered (and verified) again.
            try db.execute(sql: "DELETE FROM delivery WHERE imageId = ?", arguments: [id])
            try EventRecord(entity: "image", entityId: id, from: status, to: ImageStatus.new.rawValue,
                            reason: "replaced by a newer copy with a different data set: \(h.path) (was \(path))", at: now).insert(db)
            report.replaced += 1
            return seriesId
        }
        let seriesId = try self.seriesId(db, h, now: now, cache: &series)
        let insert = try db.cachedStatement(sql: """
            INSERT INTO image (seriesId, sopInstanceUID, sopClassUID, transferSyntaxUID, path, size, status, createdAt, updatedAt)
            VALUES (?, ?, ?, ?, ?, ?, 'NEW', ?, ?)
            """)
        try insert.execute(arguments: [seriesId, h.sopInstanceUID, h.sopClassUID, h.transferSyntaxUID, h.path, h.size, nowValue, nowValue])
        let event = try db.cachedStatement(sql: """
            INSERT INTO event (entity, entityId, fromStatus, toStatus, reason, at) VALUES ('image', ?, NULL, 'NEW', ?, ?)
            """)
        try event.execute(arguments: [db.lastInsertedRowID, "imported from " + h.path, nowValue])
        report.added += 1
        return seriesId
    }

    /// The series' row id, made (with its study's) if needed; cached for the transaction.
    private func seriesId(_ db: Database, _ h: ImageHeader, now: Date, cache: inout [String: Int64]) throws -> Int64 {
        if let id = cache[h.seriesInstanceUID] { return id }
        let id = try insertedSeries(db, h, now: now)
        cache[h.seriesInstanceUID] = id
        return id
    }

    private func insertedSeries(_ db: Database, _ h: ImageHeader, now: Date) throws -> Int64 {
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM series WHERE seriesInstanceUID = ?", arguments: [h.seriesInstanceUID]) {
            return id
        }
        let studyId: Int64
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM study WHERE studyInstanceUID = ?", arguments: [h.studyInstanceUID]) {
            studyId = id
        } else {
            var study = StudyRecord(studyInstanceUID: h.studyInstanceUID, createdAt: now)
            try study.insert(db)
            studyId = study.id!
        }
        var series = SeriesRecord(studyId: studyId, seriesInstanceUID: h.seriesInstanceUID, modality: h.modality, createdAt: now)
        try series.insert(db)
        return series.id!
    }

    /// Reads headers on all cores.
    static func readHeaders(_ files: [(path: String, identity: FileIdentity)]) -> [Result<ImageHeader, ImageHeader.Rejection>] {
        let results = UnsafeMutableBufferPointer<Result<ImageHeader, ImageHeader.Rejection>?>.allocate(capacity: files.count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        nonisolated(unsafe) let out = results
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            out[i] = ImageHeader.read(path: files[i].path, size: files[i].identity.size)
        }
        return results.map { $0! }
    }
}

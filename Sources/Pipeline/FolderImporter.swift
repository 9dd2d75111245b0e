import Dispatch
import Foundation
import GRDB

/// Imports a finished folder: reads every file's header (recursively; hidden files are left
/// alone), records Study, Series and Image rows (status NEW), quarantines what is not an
/// importable image, and queues the first stage for each series that got new images. Safe to
/// run again on the same folder, by the same or another process: UIDs are unique, so a file
/// already imported is recognised, and nothing is recorded twice.
public struct FolderImporter: Sendable {
    public let database: IndexDatabase
    public let quarantine: Quarantine
    /// The stage queued for a series with new images (nil: none).
    public let firstStage: String?
    public let maxAttempts: Int
    /// A file that cannot be read and was modified less than this many seconds ago may still be
    /// being written (a folder copied by hand against the contract): it is left for the next
    /// scan instead of being quarantined, and the folder is not marked imported.
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
        /// Instances already imported from another file with different bytes: the newer replaced
        /// the older.
        public var replaced = 0
        /// Files already imported, or the same bytes as an instance already imported: ignored.
        public var duplicates = 0
        public var quarantined = 0
        /// Unreadable files too recent to judge; the folder will be scanned again.
        public var deferred = 0
        public var hiddenIgnored = 0
        /// Series that got new or replaced images (and a queued job).
        public var series = 0
        public var complete: Bool { deferred == 0 }
    }

    public func importFolder(_ folder: String, now: Date = Date()) throws -> Report {
        var report = Report(folder: folder)
        guard let identity = FileIdentity(path: folder), identity.isDirectory else {
            throw QuarantineError(message: "\(folder) is not a folder")
        }
        var files: [(path: String, identity: FileIdentity)] = []
        var others: [String] = []
        FolderImporter.walk(folder, files: &files, others: &others, hidden: &report.hiddenIgnored)
        var touchedSeries = Set<Int64>()
        var batches = stride(from: 0, to: files.count, by: batchSize).map { Array(files[$0..<min($0 + batchSize, files.count)]) }
        if batches.isEmpty { batches = [[]] }
        for (n, batch) in batches.enumerated() {
            let headers = FolderImporter.readHeaders(batch)
            let extra = n == 0 ? others : []
            try database.writer.write { db in
                var series: [String: Int64] = [:]
                let nowValue = now.databaseValue
                for (file, header) in zip(batch, headers) {
                    switch header {
                    case .success(let h):
                        if let id = try record(db, h, now: now, nowValue: nowValue, series: &series, report: &report) {
                            touchedSeries.insert(id)
                        }
                    case .failure(let rejection):
                        if now.timeIntervalSince1970 - file.identity.modifiedAt < settle {
                            report.deferred += 1
                        } else {
                            try quarantine.record(db, path: file.path, reason: rejection.reason, now: now)
                            report.quarantined += 1
                        }
                    }
                }
                for path in extra {
                    try quarantine.record(db, path: path, reason: "not a regular file (symbolic link or device), not followed", now: now)
                    report.quarantined += 1
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
        try quarantine.finishPendingMoves(database)
        if report.complete, let after = FileIdentity(path: folder) {
            try database.writer.write { db in
                try ImportedFolderRecord(path: folder, device: after.device, inode: after.inode, modifiedAt: after.modifiedAt,
                                         images: report.added + report.replaced, duplicates: report.duplicates,
                                         quarantined: report.quarantined, at: now).save(db)
                try EventRecord(entity: "folder", entityId: nil, from: nil, to: "IMPORTED",
                                reason: "\(folder): \(report.added) added, \(report.replaced) replaced, \(report.duplicates) duplicates, \(report.quarantined) quarantined",
                                at: now).insert(db)
            }
        }
        return report
    }

    /// Records one image; returns its series id if the series got a new or replaced image. The
    /// common case (a new instance) is one lookup and two inserts through cached statements:
    /// this loop is the import's hot path.
    private func record(_ db: Database, _ h: ImageHeader, now: Date, nowValue: DatabaseValue,
                        series: inout [String: Int64], report: inout Report) throws -> Int64? {
        let find = try db.cachedStatement(sql: "SELECT id, path, size, status FROM image WHERE sopInstanceUID = ?")
        if let existing = try Row.fetchOne(find, arguments: [h.sopInstanceUID]) {
            let id: Int64 = existing[0], path: String = existing[1], size: Int64 = existing[2], status: String = existing[3]
            if path == h.path && size == h.size {
                report.duplicates += 1
                return nil
            }
            if path != h.path && FileComparison.sameContents(path, h.path) {
                report.duplicates += 1
                return nil
            }
            let seriesId = try self.seriesId(db, h, now: now, cache: &series)
            try db.execute(sql: """
                UPDATE image SET seriesId = ?, sopClassUID = ?, transferSyntaxUID = ?, path = ?, size = ?, status = 'NEW',
                statusReason = NULL, updatedAt = ? WHERE id = ?
                """, arguments: [seriesId, h.sopClassUID, h.transferSyntaxUID, h.path, h.size, nowValue, id])
            try EventRecord(entity: "image", entityId: id, from: status, to: ImageStatus.new.rawValue,
                            reason: "replaced by a newer copy with different bytes: \(h.path) (was \(path))", at: now).insert(db)
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

    /// Every regular file under `folder`, recursively, without following symbolic links; hidden
    /// entries (a name starting with ".", such as an rsync temporary file) are counted and left
    /// alone; anything else (a link, a device) is listed in `others`.
    static func walk(_ folder: String, files: inout [(path: String, identity: FileIdentity)], others: inout [String],
                     hidden: inout Int) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names.sorted() {
            if name.hasPrefix(".") {
                hidden += 1
                continue
            }
            let path = folder + "/" + name
            guard let identity = FileIdentity(path: path) else { continue }
            if identity.isDirectory {
                walk(path, files: &files, others: &others, hidden: &hidden)
            } else if identity.isRegularFile {
                files.append((path, identity))
            } else {
                others.append(path)
            }
        }
    }
}

import Foundation
internal import GRDB

/// The paths under a folder, as a range of the `image.path` index: every path under `folder/`
/// sorts between `folder/` and `folder0` ('0' follows '/').
struct PathRange {
    let low: String, high: String
    init(folder: String) {
        low = folder + "/"
        high = folder + "0"
    }
    func contains(_ path: String) -> Bool { path >= low && path < high }

    /// Whether the file's folder is unfinished by the folder contract (its extension starts
    /// with `tmp`, any case): a staging folder still being written.
    static func isInStagingFolder(_ path: String) -> Bool {
        let folder = path.split(separator: "/").dropLast().last.map(String.init) ?? ""
        guard let dot = folder.lastIndex(of: ".") else { return false }
        return folder[folder.index(after: dot)...].lowercased().hasPrefix("tmp")
    }
}

/// Images indexed before their study was quiet (`ImportedImage.staged`), and the rename of their
/// staging folder once it is: recorded before the rename, finished (the images' paths moved
/// under the new name) after it, in one transaction each, so that a kill between the two is
/// finished at the next start (`stagingRenames`). The images stay staged until the finished
/// folder's import is complete (`recordImportedFolder`), so nothing that needs the whole series
/// runs before every image of the folder is indexed.
extension IndexDatabase {
    /// Records that the staging folder `from` is about to be renamed `to` (full paths).
    public func recordStagingRename(from: String, to: String, now: Date) throws {
        try writer.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO stagingRename (fromFolder, toFolder, at) VALUES (?, ?, ?)",
                           arguments: [from, to, now])
        }
    }

    /// The folder was renamed: the staged images' paths under `from` move under `to` and the
    /// intent is dropped, in one transaction. Returns how many images moved.
    @discardableResult
    public func finishStagingRename(from: String, to: String, now: Date) throws -> Int {
        try writer.write { db in
            let range = PathRange(folder: from)
            let rows = try Row.fetchAll(db, sql: "SELECT id, path FROM image WHERE staged = 1 AND path >= ? AND path < ?",
                                        arguments: [range.low, range.high])
            let update = try db.cachedStatement(sql: "UPDATE image SET path = ? WHERE id = ?")
            for row in rows {
                let id: Int64 = row[0], path: String = row[1]
                try update.execute(arguments: [to + path.dropFirst(from.count), id])
            }
            try db.execute(sql: "DELETE FROM stagingRename WHERE fromFolder = ?", arguments: [from])
            if !rows.isEmpty {
                try EventRecord(entity: "folder", entityId: nil, from: "STAGING", to: "FINISHED",
                                reason: "\(from) finished as \(to): \(rows.count) images indexed while it arrived", at: now).insert(db)
            }
            return rows.count
        }
    }

    /// The staged images under `folder` are staged no longer; returns their series.
    func releaseStaged(_ db: Database, folder: String) throws -> [Int64] {
        let range = PathRange(folder: folder)
        let series = try Int64.fetchAll(db, sql: "SELECT DISTINCT seriesId FROM image WHERE staged = 1 AND path >= ? AND path < ?",
                                        arguments: [range.low, range.high])
        guard !series.isEmpty else { return [] }
        try db.execute(sql: "UPDATE image SET staged = 0 WHERE staged = 1 AND path >= ? AND path < ?", arguments: [range.low, range.high])
        return series
    }

    /// A staging folder vanished before it was finished (removed by hand): its staged images
    /// are staged no longer and FAILED with why (a person may have them sent again), its intent
    /// dropped. Returns how many images failed.
    @discardableResult
    public func abandonStagingFolder(_ folder: String, now: Date) throws -> Int {
        try writer.write { db in
            let range = PathRange(folder: folder)
            let rows = try Row.fetchAll(db, sql: "SELECT id, status FROM image WHERE staged = 1 AND path >= ? AND path < ?",
                                        arguments: [range.low, range.high])
            try db.execute(sql: "UPDATE image SET staged = 0 WHERE staged = 1 AND path >= ? AND path < ?", arguments: [range.low, range.high])
            let reason = "its staging folder \(folder) disappeared before its study was finished; send the study again"
            var failed = 0
            for row in rows {
                let id: Int64 = row[0]
                guard let status = ImageStatus(rawValue: row[1]), status != .failed, status != .done else { continue }
                if try ImageTransition.moveImage(db, imageId: id, from: status, to: .failed, reason: reason, at: now) { failed += 1 }
            }
            try db.execute(sql: "DELETE FROM stagingRename WHERE fromFolder = ?", arguments: [folder])
            return failed
        }
    }

    /// Renames recorded and not finished (a kill or an error came between), oldest first.
    public func stagingRenames() throws -> [(from: String, to: String)] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT fromFolder, toFolder FROM stagingRename ORDER BY at, fromFolder").map { ($0[0], $0[1]) }
        }
    }

    /// Forgets a recorded rename that did not happen (the folder is still being written, or gone).
    public func dropStagingRename(from: String) throws {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM stagingRename WHERE fromFolder = ?", arguments: [from])
        }
    }

    /// How many images are staged: in staging folders still being written, or in finished
    /// folders not yet imported whole.
    public func stagedImageCount() throws -> Int {
        try writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM image WHERE staged = 1") ?? 0 }
    }
}

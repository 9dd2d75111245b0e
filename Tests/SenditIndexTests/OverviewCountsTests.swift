import Foundation
import GRDB
@testable import SenditIndex
import Testing

/// The per-series image counts the triggers of "v10-overview-indexes" keep (what the dashboard and
/// the series list read instead of counting a million image rows) equal a count of the image
/// rows after each kind of write the pipeline makes, and the pages' answers equal the same
/// questions asked of the image rows directly.
@Suite struct OverviewCountsTests {
    /// (seriesId, status) -> images, counted from the image rows and read from the counts table.
    func counts(_ f: IndexFixture) throws -> (counted: [String: Int], kept: [String: Int]) {
        try f.database.writer.read { db in
            func map(_ sql: String) throws -> [String: Int] {
                var out: [String: Int] = [:]
                for row in try Row.fetchAll(db, sql: sql) { out["\(row[0] as Int64) \(row[1] as String)"] = row[2] }
                return out
            }
            return (try map("SELECT seriesId, status, COUNT(*) FROM image GROUP BY seriesId, status"),
                    try map("SELECT seriesId, status, images FROM seriesImageCount"))
        }
    }

    func expectCountsKept(_ f: IndexFixture, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (counted, kept) = try counts(f)
        #expect(!counted.isEmpty, sourceLocation: sourceLocation)
        #expect(kept == counted, sourceLocation: sourceLocation)
        // Each series' kept derived status (v13) is DerivedStatus.derive of its image rows.
        let (derived, keptStatus) = try f.database.writer.read { db -> ([Int64: String], [Int64: String]) in
            var perSeries: [Int64: [ImageStatus: Int]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id FROM series") { perSeries[row[0]] = [:] }
            for row in try Row.fetchAll(db, sql: "SELECT seriesId, status, COUNT(*) FROM image GROUP BY seriesId, status") {
                perSeries[row[0], default: [:]][ImageStatus(rawValue: row[1])!] = row[2]
            }
            var kept: [Int64: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, derivedStatus FROM series") { kept[row[0]] = row[1] }
            return (perSeries.mapValues { DerivedStatus.derive($0)?.rawValue ?? "EMPTY" }, kept)
        }
        #expect(keptStatus == derived, sourceLocation: sourceLocation)
    }

    /// Two series: IndexIntentsTests' de-identified one (two DONEPROCESSING, one FAILED), and one
    /// imported (NEW).
    func twoSeries() throws -> (IndexFixture, JobRecord) {
        let (f, job) = try IndexIntentsTests().deidentified()
        try f.add(series: "1.2.3.2", sops: ["1.2.3.2.1", "1.2.3.2.2"], study: "1.2.4", folder: "other", firstStage: "identify")
        return (f, job)
    }

    @Test func importsAndStatusChangesKeepTheCounts() throws {
        let (f, job) = try twoSeries()
        try expectCountsKept(f)
        let (_, kept) = try counts(f)
        #expect(kept == ["\(job.seriesId) DONEPROCESSING": 2, "\(job.seriesId) FAILED": 1, "\(job.seriesId + 1) NEW": 2])
        // Retried: the FAILED image goes back to PROCESSING; its zero count row goes.
        _ = try f.queue.retryFailedImages(seriesIds: [job.seriesId], stages: [(.new, "identify"), (.processing, "deidentify")],
                                          destinations: [SendDestination(name: "a", stage: "send:a")])
        try expectCountsKept(f)
        #expect(try counts(f).kept["\(job.seriesId) FAILED"] == nil)
    }

    @Test func deliveriesAndCleanUpKeepTheCounts() throws {
        let (f, job) = try twoSeries()
        let pending = try f.index.pendingDeliveries(seriesId: job.seriesId, destination: "a")
        try f.index.recordDeliveries(pending.map { ($0, .stored(dimseStatus: 0, warning: nil)) }, destination: "a", verified: true)
        try f.index.advanceDeliveries(seriesId: job.seriesId, destinations: ["a"])
        try expectCountsKept(f)
        #expect(try counts(f).kept["\(job.seriesId) DONE"] == 2)
        let outcome = try f.index.cleanUp(cutoff: Date(), limit: 10, skipping: [], project: nil, destinations: ["a"], reason: "t", now: Date()) { _ in true }
        #expect(outcome.removed.count == 2)
        try expectCountsKept(f)
        #expect(try counts(f).kept["\(job.seriesId) DONE"] == nil)
    }

    @Test func aReplacedCopyMovesBetweenSeriesInTheCounts() throws {
        let f = try IndexFixture()
        try f.add(series: "1.2.3.1", sops: ["1.2.3.1.1", "1.2.3.1.2"])
        // The same SOP Instance UID again, with another data set, in another series: the image row moves.
        try f.add(series: "1.2.3.9", sops: ["1.2.3.1.2"], folder: "again")
        try expectCountsKept(f)
        #expect(try counts(f).kept.values.sorted() == [1, 1])
    }

    @Test func theMigrationCountsWhatAnOlderIndexHolds() throws {
        let f = try IndexFixture()
        try f.add(series: "1.2.3.1", sops: ["1.2.3.1.1", "1.2.3.1.2"])
        // As if the index had been made before v10 (and v13): no counts, no derived statuses,
        // then the migrations again.
        try f.database.writer.write { db in
            for name in ["image_count_insert", "image_count_delete", "image_count_update"] {
                try db.execute(sql: "DROP TRIGGER IF EXISTS \(name)")
            }
            try db.execute(sql: "DROP TABLE seriesImageCount")
            try db.execute(sql: "DROP INDEX series_derivedStatus")
            try db.execute(sql: "ALTER TABLE series DROP COLUMN derivedStatus")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier IN ('v10-overview-indexes', 'v13-series-derived-status')")
        }
        try f.database.writer.write { db in
            for name in ["image_count_insert", "image_count_delete", "image_count_update"] {
                try db.execute(sql: "DROP TRIGGER IF EXISTS \(name)")
            }
            for name in ["delivery_state_destination", "series_modality", "image_problem"] {
                try db.execute(sql: "DROP INDEX IF EXISTS \(name)")
            }
        }
        try IndexDatabase.migrator.migrate(f.database.writer)
        try expectCountsKept(f)
    }

    @Test func thePagesAnswerAsTheImageRowsDo() throws {
        let (f, job) = try twoSeries()
        let figures = try f.database.dashboard(since: Date().addingTimeInterval(-3600))
        #expect(figures.images == 5)
        #expect(figures.imagesByStatus == ["DONEPROCESSING": 2, "FAILED": 1, "NEW": 2])
        #expect(figures.seriesByStatus == ["FAILED": 1, "NEW": 1])
        #expect(figures.latestProblems.map(\.images) == [1])
        let failed = try f.database.seriesList(SeriesFilter(status: .failed))
        #expect(failed.series.map(\.id) == [job.seriesId])
        #expect(failed.series.first?.imagesByStatus == ["DONEPROCESSING": 2, "FAILED": 1])
        #expect(try f.database.seriesList(SeriesFilter(status: .new)).series.map(\.id) == [job.seriesId + 1])
        #expect(try f.database.seriesList(SeriesFilter(status: .done)).series.isEmpty)
        #expect(try f.database.seriesList(SeriesFilter(modality: "CT")).series.count == 2)
        #expect(try f.database.seriesList(SeriesFilter(modality: "MR")).series.isEmpty)
        // A refusal at destination a fails the image there.
        let pending = try f.index.pendingDeliveries(seriesId: job.seriesId, destination: "a")
        try f.index.recordDeliveries([(pending[0], .refused(dimseStatus: 0xA700, reason: "out of resources"))], destination: "a", verified: false)
        #expect(try f.database.seriesList(SeriesFilter(failedAt: "a")).series.map(\.id) == [job.seriesId])
        #expect(try f.database.seriesList(SeriesFilter(failedAt: "b")).series.isEmpty)
    }
}

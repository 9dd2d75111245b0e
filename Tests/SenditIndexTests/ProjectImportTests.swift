import Foundation
import Testing
import GRDB
@testable import SenditIndex

/// Each study and series records its project; one study, series or instance may be in several
/// projects at once (a study split by rule, or sent to two projects' AE titles), each project
/// with rows of its own, never mixed.
@Suite struct ProjectImportTests {
    @Test func aSeriesRecordsItsProject() throws {
        let f = try IndexFixture()
        try f.add(series: "1.2.3.1", sops: ["1.2.3.1.1", "1.2.3.1.2"], project: "lung")
        let id = try #require(try f.images().first?.seriesId)
        #expect(try f.index.project(ofSeries: id) == "lung")
        #expect(try f.index.project(ofSeries: id + 100) == nil)
    }

    @Test func oneStudyInTwoProjectsHasRowsInEachNeverMixed() throws {
        let f = try IndexFixture()
        try f.add(series: "1.2.3.1", sops: ["1.2.3.1.1"], project: "lung")
        // The same instance, another of the same series and a series of its own, in another
        // project: each added to that project's rows, none quarantined.
        let neuro = try f.add(series: "1.2.3.1", sops: ["1.2.3.1.1", "1.2.3.1.9"], folder: "neuro+study", project: "neuro")
        #expect(neuro.added == 2 && neuro.quarantined == 0 && neuro.duplicates == 0)
        #expect(try f.add(series: "1.2.3.2", sops: ["1.2.3.2.1"], folder: "neuro+study", project: "neuro").added == 1)
        let rows = try f.database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT st.project, st.studyInstanceUID, s.seriesInstanceUID, i.sopInstanceUID FROM image AS i
                JOIN series AS s ON s.id = i.seriesId JOIN study AS st ON st.id = s.studyId ORDER BY i.id
                """).map { "\($0[0] as String) \($0[1] as String) \($0[2] as String) \($0[3] as String)" }
        }
        #expect(rows == ["lung 1.2.3 1.2.3.1 1.2.3.1.1", "neuro 1.2.3 1.2.3.1 1.2.3.1.1", "neuro 1.2.3 1.2.3.1 1.2.3.1.9",
                         "neuro 1.2.3 1.2.3.2 1.2.3.2.1"])
        let studies = try f.database.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM study WHERE studyInstanceUID = '1.2.3'") }
        #expect(studies == 2)
        // Each series row its own job: the projects' pipelines never share a series.
        #expect(Set(try f.jobs().map(\.seriesId)).count == 3)
        // Imported again, each copy is recognised in its own project only.
        #expect(try f.add(series: "1.2.3.1", sops: ["1.2.3.1.1"], project: "lung").duplicates == 1)
        #expect(try f.add(series: "1.2.3.1", sops: ["1.2.3.1.1"], folder: "neuro+study", project: "neuro").duplicates == 1)
        #expect(try f.images().count == 4)
        // Lookups by UID name the project, or answer for every project holding it.
        let both = try f.index.seriesIds(instanceUIDs: ["1.2.3.1"], project: nil)["1.2.3.1"] ?? []
        #expect(both.count == 2)
        let lungId = try #require(try f.index.seriesIds(instanceUIDs: ["1.2.3.1"], project: "lung")["1.2.3.1"]?.first)
        #expect(try f.index.project(ofSeries: lungId) == "lung")
        #expect(try f.index.seriesIds(instanceUIDs: ["1.2.3.1"], project: "trial").isEmpty)
        let latest = try #require(try f.database.seriesDetail(seriesInstanceUID: "1.2.3.1", project: nil))
        #expect(latest.project == "neuro" && latest.alsoIn == ["lung"] && latest.images.count == 2)
        let lung = try #require(try f.database.seriesDetail(seriesInstanceUID: "1.2.3.1", project: "lung"))
        #expect(lung.project == "lung" && lung.alsoIn == ["neuro"] && lung.images.count == 1)
        #expect(try f.database.seriesDetail(seriesInstanceUID: "1.2.3.1", project: "trial") == nil)
        #expect(try f.database.imagePaths(seriesInstanceUID: "1.2.3.1", project: "lung", limit: 10).count == 1)
        #expect(try f.database.imagePaths(seriesInstanceUID: "1.2.3.1", project: nil, limit: 10).count == 3)
        #expect(try f.database.importedCopies(of: [InstanceKey(project: "lung", sopInstanceUID: "1.2.3.1.9")]).isEmpty)
        #expect(try f.database.importedCopies(of: [InstanceKey(project: "neuro", sopInstanceUID: "1.2.3.1.9")]).count == 1)
    }

    @Test func aVolumeUploadedForOneProjectIsNotAnotherProjectsEarlierUpload() throws {
        let f = try IndexFixture()
        try f.add(series: "1.2.3.1", sops: ["1.2.3.1.1"], project: "lung")
        try f.add(series: "1.2.3.1", sops: ["1.2.3.1.1"], folder: "neuro+study", project: "neuro")
        let neuro = try #require(try f.index.seriesIds(instanceUIDs: ["1.2.3.1"], project: "neuro")["1.2.3.1"]?.first)
        // lung's copy of the series went to the shared bucket and was cleaned up: its summary
        // names the destination. neuro's copy has not been uploaded anywhere.
        try f.database.writer.write { db in
            try db.execute(sql: """
                INSERT INTO seriesSummary (seriesInstanceUID, studyInstanceUID, images, bytes, deidentifiedBytes, destinations,
                                           receivedAt, cleanedAt, project)
                VALUES ('1.2.3.1', '1.2.3', 1, 100, 100, 'bucket', '2026-01-01 00:00:00.000', '2026-01-02 00:00:00.000', 'lung')
                """)
        }
        #expect(try f.database.earlierUpload(seriesId: neuro, destination: "bucket") == nil)
        let lung = try #require(try f.index.seriesIds(instanceUIDs: ["1.2.3.1"], project: "lung")["1.2.3.1"]?.first)
        #expect(try f.database.earlierUpload(seriesId: lung, destination: "bucket") == "an earlier upload")
    }

    @Test func aSeriesHeldInTwoProjectsIsReleasedOnlyForTheProjectNamed() throws {
        let f = try IndexFixture()
        try f.add(series: "1.2.3.1", sops: ["1.2.3.1.1"], project: "lung")
        try f.add(series: "1.2.3.1", sops: ["1.2.3.1.1"], folder: "neuro+study", project: "neuro")
        try f.database.writer.write { try $0.execute(sql: "UPDATE image SET status = 'HELD'") }
        let ambiguous = try HeldImages.release(f.index, uids: ["1.2.3.1", "1.2.3.1.1"], drop: false, reason: "looked", maxAttempts: 3)
        #expect(ambiguous.images == 0 && ambiguous.refused.count == 2 && ambiguous.refused.allSatisfy { $0.contains("lung, neuro") })
        let lung = try HeldImages.release(f.index, uids: ["1.2.3.1"], project: "lung", drop: true, reason: "looked", maxAttempts: 3)
        #expect(lung.images == 1 && lung.refused.isEmpty)
        let statuses = try f.database.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT s.project, i.status FROM image AS i JOIN series AS s ON s.id = i.seriesId ORDER BY s.project")
                .map { "\($0[0] as String) \($0[1] as String)" }
        }
        #expect(statuses == ["lung FAILED", "neuro HELD"])
        // Now only neuro holds it: without a project, that one is meant.
        #expect(try HeldImages.release(f.index, uids: ["1.2.3.1"], drop: true, reason: "looked", maxAttempts: 3).images == 1)
    }
}

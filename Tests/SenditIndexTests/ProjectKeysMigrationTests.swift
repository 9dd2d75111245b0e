import Foundation
import Testing
import GRDB
@testable import SenditIndex

/// v17-project-keys rebuilds study, series, image and seriesSummary under keys per project: an
/// index made before keeps every row, id and reference, and its triggers still count.
@Suite struct ProjectKeysMigrationTests {
    @Test func anIndexFromBeforeKeepsItsRowsAndItsTriggersAndTakesAStudyInTwoProjects() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sendit-v17-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) } }
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        try IndexDatabase.migrator.migrate(queue, upTo: "v16-summary-project")
        try queue.write { (db: Database) throws in
            try db.execute(sql: """
                INSERT INTO study (id, studyInstanceUID, createdAt, project) VALUES (7, '1.2.3', '2026-01-01 00:00:00.000', 'lung');
                INSERT INTO series (id, studyId, seriesInstanceUID, modality, createdAt, project) VALUES (11, 7, '1.2.3.1', 'CT', '2026-01-01 00:00:00.000', 'lung');
                INSERT INTO image (id, seriesId, sopInstanceUID, sopClassUID, transferSyntaxUID, path, size, status, createdAt, updatedAt)
                    VALUES (21, 11, '1.2.3.1.1', '1.2.840.10008.5.1.4.1.1.2', '1.2.840.10008.1.2.1', '/d/a.dcm', 10, 'NEW', '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000');
                INSERT INTO job (seriesId, stage, state, attempts, maxAttempts, availableAt, createdAt, updatedAt)
                    VALUES (11, 'identify', 'queued', 0, 3, '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000');
                INSERT INTO seriesSummary (seriesInstanceUID, studyInstanceUID, images, bytes, deidentifiedBytes, destinations, receivedAt, cleanedAt, project)
                    VALUES ('1.9.1', '1.9', 3, 30, 30, 'orthanc', '2026-01-01 00:00:00.000', '2026-01-02 00:00:00.000', 'lung');
                """)
        }
        try IndexDatabase.migrator.migrate(queue)
        try queue.read { (db: Database) throws in
            #expect(try Row.fetchOne(db, sql: "SELECT id, studyId, project FROM series WHERE seriesInstanceUID = '1.2.3.1'")
                    == ["id": 11, "studyId": 7, "project": "lung"])
            #expect(try Int64.fetchOne(db, sql: "SELECT seriesId FROM image WHERE id = 21") == 11)
            #expect(try Int.fetchOne(db, sql: "SELECT images FROM seriesImageCount WHERE seriesId = 11 AND status = 'NEW'") == 1)
            #expect(try String.fetchOne(db, sql: "SELECT derivedStatus FROM series WHERE id = 11") == "NEW")
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM job WHERE seriesId = 11") == 1)
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
            // The triggers of v10 and v13 are there again, all seven.
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'") == 7)
        }
        try queue.write { (db: Database) throws in
            // The same study, series, instance and summary in another project: rows of its own.
            try db.execute(sql: """
                INSERT INTO study (id, studyInstanceUID, createdAt, project) VALUES (8, '1.2.3', '2026-01-01 00:00:00.000', 'neuro');
                INSERT INTO series (id, studyId, seriesInstanceUID, modality, createdAt, project) VALUES (12, 8, '1.2.3.1', 'CT', '2026-01-01 00:00:00.000', 'neuro');
                INSERT INTO image (id, seriesId, sopInstanceUID, sopClassUID, transferSyntaxUID, path, size, status, createdAt, updatedAt)
                    VALUES (22, 12, '1.2.3.1.1', '1.2.840.10008.5.1.4.1.1.2', '1.2.840.10008.1.2.1', '/d/b.dcm', 10, 'HELD', '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000');
                INSERT INTO seriesSummary (seriesInstanceUID, studyInstanceUID, images, bytes, deidentifiedBytes, destinations, receivedAt, cleanedAt, project)
                    VALUES ('1.9.1', '1.9', 3, 30, 30, 'other', '2026-01-01 00:00:00.000', '2026-01-02 00:00:00.000', 'neuro');
                """)
            #expect(try String.fetchOne(db, sql: "SELECT derivedStatus FROM series WHERE id = 12") == "HELD")
            // Within one project the keys still hold.
            #expect(throws: DatabaseError.self) {
                try db.execute(sql: "INSERT INTO series (studyId, seriesInstanceUID, createdAt, project) VALUES (7, '1.2.3.1', '2026-01-01 00:00:00.000', 'lung')")
            }
            #expect(throws: DatabaseError.self) {
                try db.execute(sql: """
                    INSERT INTO image (seriesId, sopInstanceUID, sopClassUID, transferSyntaxUID, path, size, status, createdAt, updatedAt)
                    VALUES (11, '1.2.3.1.1', '1', '1', '/d/c.dcm', 1, 'NEW', '2026-01-01 00:00:00.000', '2026-01-01 00:00:00.000')
                    """)
            }
            // The references kept their meaning: a study's deletion still takes its series and images.
            try db.execute(sql: "DELETE FROM study WHERE id = 7")
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM image") == 1)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM job") == 0)
        }
    }
}

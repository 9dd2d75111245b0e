internal import GRDB

/// v17-project-keys: one study, series or instance may be in several projects at once (a study
/// split by rule, or the same study sent to two projects' AE titles). Study and series rows are
/// unique per project and UID, an image per series and SOP Instance UID, a cleaned-up series'
/// summary per project and UID. SQLite cannot drop a UNIQUE constraint, so the four tables are
/// rebuilt under their new constraints, row ids kept (every reference stays valid; the migrator
/// runs with foreign keys off and checks them before it commits). The triggers, which name these
/// tables, are dropped first and made again, as they were, afterwards; the tables' own indexes
/// likewise (image_series gives way to the (seriesId, sopInstanceUID) key, which serves the
/// same lookups).
extension IndexDatabase {
    static func migrateToProjectKeys(_ db: Database) throws {
        let tables = ["study", "series", "image", "seriesSummary"]
        let marks = tables.map { "'\($0)'" }.joined(separator: ",")
        let triggers = try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL ORDER BY name")
        let indexes = try Row.fetchAll(db, sql: """
            SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (\(marks)) ORDER BY name
            """).map { (name: $0[0] as String, sql: $0[1] as String) }
        for name in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'") {
            try db.execute(sql: "DROP TRIGGER \(name.quotedDatabaseIdentifier)")
        }
        try rebuild(db, "study", """
            id INTEGER PRIMARY KEY,
            studyInstanceUID TEXT NOT NULL,
            createdAt DATETIME NOT NULL,
            project TEXT NOT NULL DEFAULT 'default',
            UNIQUE (project, studyInstanceUID)
            """, columns: "id, studyInstanceUID, createdAt, project")
        try rebuild(db, "series", """
            id INTEGER PRIMARY KEY,
            studyId INTEGER NOT NULL REFERENCES study(id) ON DELETE CASCADE,
            seriesInstanceUID TEXT NOT NULL,
            modality TEXT,
            createdAt DATETIME NOT NULL,
            derivedStatus TEXT NOT NULL DEFAULT 'EMPTY',
            project TEXT NOT NULL DEFAULT 'default',
            UNIQUE (project, seriesInstanceUID)
            """, columns: "id, studyId, seriesInstanceUID, modality, createdAt, derivedStatus, project")
        try rebuild(db, "image", """
            id INTEGER PRIMARY KEY,
            seriesId INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
            sopInstanceUID TEXT NOT NULL,
            sopClassUID TEXT NOT NULL,
            transferSyntaxUID TEXT NOT NULL,
            path TEXT NOT NULL,
            size INTEGER NOT NULL CHECK (size >= 0),
            status TEXT NOT NULL CHECK (status IN ('NEW','PROCESSING','DONEPROCESSING','SENT','DONE','QUARANTINED','HELD','FAILED')),
            statusReason TEXT,
            createdAt DATETIME NOT NULL,
            updatedAt DATETIME NOT NULL,
            receivedAt DATETIME,
            UNIQUE (seriesId, sopInstanceUID)
            """, columns: "id, seriesId, sopInstanceUID, sopClassUID, transferSyntaxUID, path, size, status, statusReason, createdAt, updatedAt, receivedAt")
        try rebuild(db, "seriesSummary", """
            seriesInstanceUID TEXT NOT NULL,
            studyInstanceUID TEXT NOT NULL,
            deidentifiedSeriesInstanceUID TEXT,
            modality TEXT,
            images INTEGER NOT NULL CHECK (images >= 0),
            bytes INTEGER NOT NULL CHECK (bytes >= 0),
            deidentifiedBytes INTEGER NOT NULL CHECK (deidentifiedBytes >= 0),
            destinations TEXT NOT NULL,
            receivedAt DATETIME NOT NULL,
            deliveredAt DATETIME,
            cleanedAt DATETIME NOT NULL,
            deidentifiedAt DATETIME,
            project TEXT NOT NULL DEFAULT 'default',
            PRIMARY KEY (project, seriesInstanceUID)
            """, columns: """
            seriesInstanceUID, studyInstanceUID, deidentifiedSeriesInstanceUID, modality, images, bytes, deidentifiedBytes,
            destinations, receivedAt, deliveredAt, cleanedAt, deidentifiedAt, project
            """)
        for index in indexes where index.name != "image_series" { try db.execute(sql: index.sql) }
        try db.execute(sql: """
            CREATE INDEX study_uid ON study(studyInstanceUID);
            CREATE INDEX series_uid ON series(seriesInstanceUID);
            CREATE INDEX image_sop ON image(sopInstanceUID);
            CREATE INDEX seriesSummary_uid ON seriesSummary(seriesInstanceUID);
            """)
        for sql in triggers { try db.execute(sql: sql) }
    }

    /// Makes `table` again with `definition`, its rows copied (`columns` in both).
    private static func rebuild(_ db: Database, _ table: String, _ definition: String, columns: String) throws {
        let new = table + "_v17"
        try db.execute(sql: """
            CREATE TABLE \(new) (
            \(definition)
            );
            INSERT INTO \(new) (\(columns)) SELECT \(columns) FROM \(table);
            DROP TABLE \(table);
            ALTER TABLE \(new) RENAME TO \(table);
            """)
    }
}

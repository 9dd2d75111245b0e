internal import GRDB
import Foundation

/// The index's schema: migrations named and frozen (a released one is never edited; a change is
/// a new migration). The CHECK constraints below spell out the status values as they were when
/// each migration was released.
extension IndexDatabase {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-index") { db in
            try db.execute(sql: """
                CREATE TABLE study (
                    id INTEGER PRIMARY KEY,
                    studyInstanceUID TEXT NOT NULL UNIQUE,
                    createdAt DATETIME NOT NULL
                );
                CREATE TABLE series (
                    id INTEGER PRIMARY KEY,
                    studyId INTEGER NOT NULL REFERENCES study(id) ON DELETE CASCADE,
                    seriesInstanceUID TEXT NOT NULL UNIQUE,
                    modality TEXT,
                    createdAt DATETIME NOT NULL
                );
                CREATE INDEX series_study ON series(studyId);
                CREATE TABLE image (
                    id INTEGER PRIMARY KEY,
                    seriesId INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
                    sopInstanceUID TEXT NOT NULL UNIQUE,
                    sopClassUID TEXT NOT NULL,
                    transferSyntaxUID TEXT NOT NULL,
                    path TEXT NOT NULL,
                    size INTEGER NOT NULL CHECK (size >= 0),
                    status TEXT NOT NULL CHECK (status IN ('NEW','PROCESSING','DONEPROCESSING','SENT','DONE','QUARANTINED','HELD','FAILED')),
                    statusReason TEXT,
                    createdAt DATETIME NOT NULL,
                    updatedAt DATETIME NOT NULL
                );
                CREATE INDEX image_series ON image(seriesId);
                CREATE INDEX image_status ON image(status);
                CREATE TABLE seriesIdentifiers (
                    seriesId INTEGER PRIMARY KEY REFERENCES series(id) ON DELETE CASCADE,
                    json TEXT NOT NULL,
                    createdAt DATETIME NOT NULL
                );
                CREATE TABLE job (
                    id INTEGER PRIMARY KEY,
                    seriesId INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
                    stage TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('queued','running','done','failed')),
                    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                    maxAttempts INTEGER NOT NULL CHECK (maxAttempts >= 1),
                    availableAt DATETIME NOT NULL,
                    leaseOwner TEXT,
                    leaseExpiresAt DATETIME,
                    lastError TEXT,
                    createdAt DATETIME NOT NULL,
                    updatedAt DATETIME NOT NULL,
                    CHECK ((state = 'running') = (leaseOwner IS NOT NULL AND leaseExpiresAt IS NOT NULL))
                );
                CREATE UNIQUE INDEX job_queued_per_series_stage ON job(seriesId, stage) WHERE state = 'queued';
                CREATE UNIQUE INDEX job_running_per_series_stage ON job(seriesId, stage) WHERE state = 'running';
                CREATE INDEX job_ready ON job(state, availableAt);
                CREATE INDEX job_series ON job(seriesId, id);
                CREATE TABLE otherCopy (
                    id INTEGER PRIMARY KEY,
                    imageId INTEGER NOT NULL REFERENCES image(id) ON DELETE CASCADE,
                    path TEXT NOT NULL UNIQUE,
                    kind TEXT NOT NULL CHECK (kind IN ('duplicate','superseded')),
                    at DATETIME NOT NULL
                );
                CREATE INDEX otherCopy_image ON otherCopy(imageId);
                CREATE TABLE event (
                    id INTEGER PRIMARY KEY,
                    entity TEXT NOT NULL CHECK (entity IN ('study','series','image','job','quarantine','folder')),
                    entityId INTEGER,
                    fromStatus TEXT,
                    toStatus TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    at DATETIME NOT NULL
                );
                CREATE INDEX event_entity ON event(entity, entityId);
                CREATE TABLE quarantine (
                    id INTEGER PRIMARY KEY,
                    fileName TEXT NOT NULL,
                    folder TEXT NOT NULL,
                    movedTo TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    moved BOOLEAN NOT NULL CHECK (moved IN (0, 1)),
                    at DATETIME NOT NULL
                );
                CREATE INDEX quarantine_pending ON quarantine(moved) WHERE moved = 0;
                CREATE TABLE importedFolder (
                    path TEXT PRIMARY KEY,
                    device INTEGER NOT NULL,
                    inode INTEGER NOT NULL,
                    modifiedAt DOUBLE NOT NULL,
                    images INTEGER NOT NULL CHECK (images >= 0),
                    duplicates INTEGER NOT NULL CHECK (duplicates >= 0),
                    quarantined INTEGER NOT NULL CHECK (quarantined >= 0),
                    at DATETIME NOT NULL
                );
                """)
        }
        // The de-identified copy of each image: where the outbox holds it and its new UIDs; and
        // the HELD images a person released (the burned-in rules no longer hold them).
        m.registerMigration("v2-deidentified") { db in
            try db.execute(sql: """
                CREATE TABLE deidentified (
                    imageId INTEGER PRIMARY KEY REFERENCES image(id) ON DELETE CASCADE,
                    studyInstanceUID TEXT NOT NULL,
                    seriesInstanceUID TEXT NOT NULL,
                    sopInstanceUID TEXT NOT NULL,
                    path TEXT NOT NULL UNIQUE,
                    size INTEGER NOT NULL CHECK (size >= 0),
                    createdAt DATETIME NOT NULL
                );
                CREATE INDEX deidentified_series ON deidentified(seriesInstanceUID);
                CREATE TABLE released (
                    imageId INTEGER PRIMARY KEY REFERENCES image(id) ON DELETE CASCADE,
                    reason TEXT NOT NULL,
                    at DATETIME NOT NULL
                );
                """)
        }
        // Delivery: a record per image and destination (what the destination answered, when it
        // was verified there); a summary per series that outlives clean-up (the audit trail);
        // and `delivery` and `cleanup` events (the event table is rebuilt to allow them).
        m.registerMigration("v3-delivery") { db in
            try db.execute(sql: """
                CREATE TABLE delivery (
                    id INTEGER PRIMARY KEY,
                    imageId INTEGER NOT NULL REFERENCES image(id) ON DELETE CASCADE,
                    destination TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('sent','done','failed','skipped')),
                    dimseStatus INTEGER,
                    detail TEXT,
                    bytes INTEGER NOT NULL CHECK (bytes >= 0),
                    sentAt DATETIME,
                    verifiedAt DATETIME,
                    updatedAt DATETIME NOT NULL,
                    UNIQUE (imageId, destination)
                );
                CREATE INDEX delivery_destination_state ON delivery(destination, state);
                CREATE TABLE seriesSummary (
                    seriesInstanceUID TEXT PRIMARY KEY,
                    studyInstanceUID TEXT NOT NULL,
                    deidentifiedSeriesInstanceUID TEXT,
                    modality TEXT,
                    images INTEGER NOT NULL CHECK (images >= 0),
                    bytes INTEGER NOT NULL CHECK (bytes >= 0),
                    deidentifiedBytes INTEGER NOT NULL CHECK (deidentifiedBytes >= 0),
                    destinations TEXT NOT NULL,
                    receivedAt DATETIME NOT NULL,
                    deliveredAt DATETIME,
                    cleanedAt DATETIME NOT NULL
                );
                CREATE TABLE event_v3 (
                    id INTEGER PRIMARY KEY,
                    entity TEXT NOT NULL CHECK (entity IN ('study','series','image','job','quarantine','folder','delivery','cleanup')),
                    entityId INTEGER,
                    fromStatus TEXT,
                    toStatus TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    at DATETIME NOT NULL
                );
                INSERT INTO event_v3 (id, entity, entityId, fromStatus, toStatus, reason, at)
                    SELECT id, entity, entityId, fromStatus, toStatus, reason, at FROM event;
                DROP TABLE event;
                ALTER TABLE event_v3 RENAME TO event;
                CREATE INDEX event_entity ON event(entity, entityId);
                """)
        }
        // Storage Commitment requests sendit made, and whether the destination answered; results
        // name de-identified SOP Instance UIDs, hence their index.
        m.registerMigration("v4-commitment") { db in
            try db.execute(sql: """
                CREATE TABLE commitmentRequest (
                    transactionUID TEXT PRIMARY KEY,
                    destination TEXT NOT NULL,
                    seriesId INTEGER NOT NULL,
                    images INTEGER NOT NULL CHECK (images >= 0),
                    requestedAt DATETIME NOT NULL,
                    answeredAt DATETIME,
                    committed INTEGER,
                    failed INTEGER
                );
                CREATE INDEX commitmentRequest_series ON commitmentRequest(seriesId, destination);
                CREATE INDEX deidentified_sop ON deidentified(sopInstanceUID);
                """)
        }
        // Identity (a patient is its exact ID, a study belongs to one patient): each series'
        // identifiers record the keyed digest of the patient they were given for (NULL: given
        // by an earlier sendit; see IdentifyStage), so a series reuses a sibling's identifiers
        // only when it is the same study and the same patient. `identifierCode` records every
        // code given and the keyed digest of its original, so no two originals share a code;
        // it outlives clean-up. `identityHold` records the images held because their study (or
        // series) was seen with another patient, and whether a person released them.
        m.registerMigration("v5-identity") { db in
            try db.execute(sql: """
                ALTER TABLE seriesIdentifiers ADD COLUMN patientDigest TEXT;
                CREATE TABLE identifierCode (
                    kind TEXT NOT NULL CHECK (kind IN ('patient','study')),
                    code TEXT NOT NULL,
                    originalDigest TEXT NOT NULL,
                    createdAt DATETIME NOT NULL,
                    PRIMARY KEY (kind, code)
                );
                CREATE TABLE identityHold (
                    imageId INTEGER PRIMARY KEY REFERENCES image(id) ON DELETE CASCADE,
                    patientDigest TEXT NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('study','series')),
                    heldAt DATETIME NOT NULL,
                    releasedAt DATETIME
                );
                """)
        }
        // What the engine did to each de-identified image: counts per kind of action
        // (`removed=41 cleaned=3 …`, never a value), for the audit trail.
        m.registerMigration("v6-deidentify-actions") { db in
            try db.execute(sql: "ALTER TABLE deidentified ADD COLUMN actions TEXT NOT NULL DEFAULT ''")
        }
        // The web pages and JSON API: users (bcrypt hashes only), API tokens and sessions (by
        // the SHA-256 digest of the secret, never the secret), the audit trail, the keyed digests
        // of each series' original patient ID and accession number (`searchKey`: found by them,
        // never showing or keeping them in clear), and images and
        // bytes per hour and kind (`activity`: the dashboard's chart and `sendit report`; it
        // outlives clean-up).
        m.registerMigration("v7-access") { db in
            try db.execute(sql: """
                CREATE TABLE webUser (
                    name TEXT PRIMARY KEY,
                    role TEXT NOT NULL CHECK (role IN ('viewer','operator','admin')),
                    passwordHash TEXT NOT NULL,
                    createdAt DATETIME NOT NULL,
                    updatedAt DATETIME NOT NULL
                );
                CREATE TABLE apiToken (
                    name TEXT PRIMARY KEY,
                    role TEXT NOT NULL CHECK (role IN ('viewer','operator','admin')),
                    digest TEXT NOT NULL UNIQUE,
                    createdAt DATETIME NOT NULL,
                    lastUsedAt DATETIME
                );
                CREATE TABLE webSession (
                    digest TEXT PRIMARY KEY,
                    userName TEXT NOT NULL,
                    role TEXT NOT NULL CHECK (role IN ('viewer','operator','admin')),
                    csrfToken TEXT NOT NULL,
                    address TEXT NOT NULL,
                    createdAt DATETIME NOT NULL,
                    lastSeenAt DATETIME NOT NULL,
                    expiresAt DATETIME NOT NULL
                );
                CREATE INDEX webSession_user ON webSession(userName);
                CREATE TABLE audit (
                    id INTEGER PRIMARY KEY,
                    at DATETIME NOT NULL,
                    actor TEXT NOT NULL,
                    address TEXT NOT NULL,
                    action TEXT NOT NULL,
                    target TEXT NOT NULL,
                    detail TEXT NOT NULL
                );
                CREATE INDEX audit_at ON audit(at);
                CREATE TABLE searchKey (
                    seriesId INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL CHECK (kind IN ('patient','study')),
                    digest TEXT NOT NULL,
                    PRIMARY KEY (seriesId, kind, digest)
                );
                CREATE INDEX searchKey_digest ON searchKey(digest);
                CREATE TABLE activity (
                    hour TEXT NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('received','deidentified','delivered','quarantined','failed','held')),
                    images INTEGER NOT NULL CHECK (images >= 0),
                    bytes INTEGER NOT NULL CHECK (bytes >= 0),
                    PRIMARY KEY (hour, kind)
                );
                """)
        }
        // `sendit report`: when each series' last image was de-identified, kept in its summary
        // row after clean-up (NULL for rows written before).
        m.registerMigration("v8-report") { db in
            try db.execute(sql: "ALTER TABLE seriesSummary ADD COLUMN deidentifiedAt DATETIME")
        }
        // Alerts (webhooks): one row per alert raised, keyed by its condition and the how-many-th
        // time that condition arose (a condition clears when it no longer holds, and may arise
        // again); one delivery row per webhook (by the digest of its URL, never the URL) with
        // its tries. `nodeRun`: each `sendit serve` and how it ended, so the next start knows the
        // last one crashed.
        m.registerMigration("v9-alerts") { db in
            try db.execute(sql: """
                CREATE TABLE alert (
                    id INTEGER PRIMARY KEY,
                    key TEXT NOT NULL UNIQUE,
                    condition TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    body TEXT NOT NULL,
                    createdAt DATETIME NOT NULL,
                    clearedAt DATETIME
                );
                CREATE INDEX alert_open ON alert(condition) WHERE clearedAt IS NULL;
                CREATE TABLE alertDelivery (
                    alertId INTEGER NOT NULL REFERENCES alert(id) ON DELETE CASCADE,
                    target TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                    nextAttemptAt DATETIME NOT NULL,
                    sentAt DATETIME,
                    lastError TEXT,
                    PRIMARY KEY (alertId, target)
                );
                CREATE INDEX alertDelivery_due ON alertDelivery(nextAttemptAt) WHERE sentAt IS NULL;
                CREATE TABLE nodeRun (
                    id INTEGER PRIMARY KEY,
                    startedAt DATETIME NOT NULL,
                    endedAt DATETIME,
                    ending TEXT CHECK (ending IN ('clean','failed')),
                    noticedAt DATETIME
                );
                """)
        }
        // The pages' reads at a million images (scripts/bench-web): images per series and status,
        // kept by triggers in the transaction of every image insert, status or series change and
        // delete (so the dashboard and the series list read ~one row per series and status, not
        // every image row); sent deliveries per destination by state first; series by modality;
        // the FAILED and HELD images' reasons (a partial index: only those rows).
        // No CHECK on the counts: a count the code got wrong must not stop the pipeline's writes
        // (OverviewCountsTests compares them with the image rows).
        m.registerMigration("v10-overview-indexes") { db in
            try db.execute(sql: """
                CREATE TABLE seriesImageCount (
                    seriesId INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
                    status TEXT NOT NULL,
                    images INTEGER NOT NULL,
                    PRIMARY KEY (seriesId, status)
                ) WITHOUT ROWID;
                CREATE INDEX seriesImageCount_status ON seriesImageCount(status, seriesId);
                INSERT INTO seriesImageCount (seriesId, status, images) SELECT seriesId, status, COUNT(*) FROM image GROUP BY seriesId, status;
                CREATE TRIGGER image_count_insert AFTER INSERT ON image BEGIN
                    INSERT INTO seriesImageCount (seriesId, status, images) VALUES (NEW.seriesId, NEW.status, 1)
                        ON CONFLICT (seriesId, status) DO UPDATE SET images = images + 1;
                END;
                CREATE TRIGGER image_count_delete AFTER DELETE ON image BEGIN
                    UPDATE seriesImageCount SET images = images - 1 WHERE seriesId = OLD.seriesId AND status = OLD.status;
                    DELETE FROM seriesImageCount WHERE seriesId = OLD.seriesId AND status = OLD.status AND images <= 0;
                END;
                CREATE TRIGGER image_count_update AFTER UPDATE OF seriesId, status ON image
                WHEN OLD.seriesId IS NOT NEW.seriesId OR OLD.status IS NOT NEW.status BEGIN
                    UPDATE seriesImageCount SET images = images - 1 WHERE seriesId = OLD.seriesId AND status = OLD.status;
                    DELETE FROM seriesImageCount WHERE seriesId = OLD.seriesId AND status = OLD.status AND images <= 0;
                    INSERT INTO seriesImageCount (seriesId, status, images) VALUES (NEW.seriesId, NEW.status, 1)
                        ON CONFLICT (seriesId, status) DO UPDATE SET images = images + 1;
                END;
                CREATE INDEX delivery_state_destination ON delivery(state, destination);
                CREATE INDEX series_modality ON series(modality);
                CREATE INDEX image_problem ON image(status, seriesId, statusReason, updatedAt) WHERE status IN ('FAILED','HELD');
                """)
        }
        // No original at rest in the identifiers: each stored answer loses the `id` and
        // `id_source` the service echoes (the original patient ID, its issuer, the accession
        // number); only codes, jitter and jittered timestamps remain. New answers are stored so
        // (`IdentifiersResponse.coded`); this rewrites the ones stored before.
        m.registerMigration("v11-identifiers-coded") { db in
            // Every old byte zeroed, in freed pages too, while these rows are rewritten.
            try db.execute(sql: "PRAGMA secure_delete = ON")
            defer { try? db.execute(sql: "PRAGMA secure_delete = FAST") }
            let rows = try Row.fetchAll(db, sql: "SELECT seriesId, json FROM seriesIdentifiers")
            for row in rows {
                let json: String = row["json"]
                guard let coded = IndexDatabase.withoutOriginals(json), coded != json else { continue }
                try db.execute(sql: "UPDATE seriesIdentifiers SET json = ? WHERE seriesId = ?", arguments: [coded, row["seriesId"] as Int64])
            }
        }
        // When each image was received (its file's time), so the end-to-end latency counts from
        // the last image's C-STORE, not from the import a stable age later. NULL in older rows.
        m.registerMigration("v12-received-at") { db in
            try db.execute(sql: "ALTER TABLE image ADD COLUMN receivedAt DATETIME")
        }
        // Each series' derived status kept beside it (`series.derivedStatus`, indexed), recomputed
        // by triggers from its few seriesImageCount rows whenever one changes: the dashboard
        // counts series per status from the index instead of deriving 10,000 statuses per
        // request (bench-web: that aggregate was most of the dashboard's time). The rule is
        // DerivedStatus's, written into the triggers as it is today; a change of the rule is a
        // new migration. 'EMPTY': no image.
        m.registerMigration("v13-series-derived-status") { db in
            let derived = "(SELECT \(DerivedStatus.sqlAggregate()) FROM seriesImageCount AS c WHERE c.seriesId = %@)"
            func recompute(_ row: String) -> String {
                "UPDATE series SET derivedStatus = \(derived.replacingOccurrences(of: "%@", with: row + ".seriesId")) WHERE id = \(row).seriesId;"
            }
            try db.execute(sql: """
                ALTER TABLE series ADD COLUMN derivedStatus TEXT NOT NULL DEFAULT 'EMPTY';
                UPDATE series SET derivedStatus = \(derived.replacingOccurrences(of: "%@", with: "series.id"));
                CREATE INDEX series_derivedStatus ON series(derivedStatus);
                CREATE TRIGGER series_status_insert AFTER INSERT ON seriesImageCount BEGIN \(recompute("NEW")) END;
                CREATE TRIGGER series_status_update AFTER UPDATE OF images ON seriesImageCount BEGIN \(recompute("NEW")) END;
                CREATE TRIGGER series_status_move AFTER UPDATE OF seriesId ON seriesImageCount
                WHEN OLD.seriesId IS NOT NEW.seriesId BEGIN \(recompute("NEW")) \(recompute("OLD")) END;
                CREATE TRIGGER series_status_delete AFTER DELETE ON seriesImageCount BEGIN \(recompute("OLD")) END;
                """)
        }
        // Projects: each study and series records the project routing chose for it ('default'
        // on a node without projects, and for everything indexed before). The series' copy
        // saves a join for the pages' project filter.
        m.registerMigration("v14-projects") { db in
            try db.execute(sql: """
                ALTER TABLE study ADD COLUMN project TEXT NOT NULL DEFAULT 'default';
                ALTER TABLE series ADD COLUMN project TEXT NOT NULL DEFAULT 'default';
                CREATE INDEX series_project ON series(project);
                """)
        }
        // Retrieval from an archive (`sendit retrieve`): a job per requester's list, an item per
        // value (the requester's own input, kept as given: shown only to operators allowed to
        // retrieve), a row per study an item's C-FIND found, with its state, so a kill resumes.
        m.registerMigration("v15-retrieval") { db in
            let items = RetrievalItem.State.allCases.sqlList
            let studies = RetrievalStudy.State.allCases.sqlList
            let kinds = RetrievalList.Kind.allCases.sqlList
            try db.execute(sql: """
                CREATE TABLE retrievalJob (
                    id INTEGER PRIMARY KEY,
                    source TEXT NOT NULL,
                    project TEXT NOT NULL,
                    method TEXT NOT NULL CHECK (method IN ('move','get')),
                    requester TEXT NOT NULL,
                    paused INTEGER NOT NULL DEFAULT 0,
                    createdAt DATETIME NOT NULL,
                    updatedAt DATETIME NOT NULL
                );
                CREATE TABLE retrievalItem (
                    id INTEGER PRIMARY KEY,
                    jobId INTEGER NOT NULL REFERENCES retrievalJob(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL CHECK (kind IN \(kinds)),
                    value TEXT NOT NULL,
                    researchId TEXT,
                    dates TEXT,
                    state TEXT NOT NULL CHECK (state IN \(items)),
                    outcome TEXT,
                    studiesFound INTEGER,
                    remaining INTEGER NOT NULL DEFAULT 0,
                    completed INTEGER NOT NULL DEFAULT 0,
                    failed INTEGER NOT NULL DEFAULT 0,
                    warning INTEGER NOT NULL DEFAULT 0,
                    finalStatus TEXT,
                    statusMeaning TEXT,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    notBefore DATETIME,
                    updatedAt DATETIME NOT NULL
                );
                CREATE INDEX retrievalItem_job ON retrievalItem(jobId, state);
                CREATE TABLE retrievalStudy (
                    id INTEGER PRIMARY KEY,
                    itemId INTEGER NOT NULL REFERENCES retrievalItem(id) ON DELETE CASCADE,
                    studyInstanceUID TEXT NOT NULL,
                    expectedInstances INTEGER,
                    state TEXT NOT NULL CHECK (state IN \(studies)),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    remaining INTEGER NOT NULL DEFAULT 0,
                    completed INTEGER NOT NULL DEFAULT 0,
                    failed INTEGER NOT NULL DEFAULT 0,
                    warning INTEGER NOT NULL DEFAULT 0,
                    finalStatus TEXT,
                    statusMeaning TEXT,
                    notBefore DATETIME,
                    updatedAt DATETIME NOT NULL,
                    UNIQUE (itemId, studyInstanceUID)
                );
                CREATE INDEX retrievalStudy_state ON retrievalStudy(state);
                """)
        }
        // A cleaned-up series' summary keeps its project (reports per project).
        m.registerMigration("v16-summary-project") { db in
            try db.execute(sql: "ALTER TABLE seriesSummary ADD COLUMN project TEXT NOT NULL DEFAULT 'default'")
        }
        // One study, series or instance in several projects at once: keys per project
        // (IndexMigrations+ProjectKeys.swift).
        m.registerMigration("v17-project-keys") { db in try IndexDatabase.migrateToProjectKeys(db) }
        // Images indexed while their staging folder is still being written (`staged` 1: imported
        // before their study was quiet); a folder's rename recorded before it is done, so a
        // kill between the rename and the paths' update is finished at start-up.
        m.registerMigration("v18-staged-images") { db in
            try db.execute(sql: """
                ALTER TABLE image ADD COLUMN staged INTEGER NOT NULL DEFAULT 0 CHECK (staged IN (0, 1));
                CREATE INDEX image_staged_path ON image(path) WHERE staged = 1;
                CREATE TABLE stagingRename (
                    fromFolder TEXT PRIMARY KEY,
                    toFolder TEXT NOT NULL,
                    at DATETIME NOT NULL
                );
                """)
        }
        return m
    }

    /// An identifiers answer (JSON) without `id` and `id_source` in its results and their
    /// items; nil if it is not the expected JSON (left as it is: the de-identify stage refuses it).
    static func withoutOriginals(_ json: String) -> String? {
        guard var object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any],
              var results = object["results"] as? [[String: Any]] else { return nil }
        for r in results.indices {
            results[r]["id"] = nil
            results[r]["id_source"] = nil
            if var items = results[r]["items"] as? [[String: Any]] {
                for i in items.indices {
                    items[i]["id"] = nil
                    items[i]["id_source"] = nil
                }
                results[r]["items"] = items
            }
        }
        object["results"] = results
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}

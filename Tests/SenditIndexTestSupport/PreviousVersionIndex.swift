import Foundation
import GRDB
@testable import SenditIndex

/// An index as the previous version of sendit left it (migrations up to v4-commitment), for
/// the tests that open such a database with this version. Test-only.
public enum PreviousVersionIndex {
    /// One study with one series and one image, DONEPROCESSING, whose identifiers were stored
    /// in the old form (no patient digest).
    public static func write(path: String, studyInstanceUID: String, seriesInstanceUID: String, modality: String,
                             sopInstanceUID: String, sopClassUID: String, transferSyntaxUID: String, imagePath: String,
                             identifiersJSON: String) throws {
        let writer = try DatabasePool(path: path)
        try IndexDatabase.migrator.migrate(writer, upTo: "v4-commitment")
        try writer.write { db in
            let now = Date()
            try db.execute(sql: "INSERT INTO study (id, studyInstanceUID, createdAt) VALUES (1, ?, ?)", arguments: [studyInstanceUID, now])
            try db.execute(sql: "INSERT INTO series (id, studyId, seriesInstanceUID, modality, createdAt) VALUES (1, 1, ?, ?, ?)",
                           arguments: [seriesInstanceUID, modality, now])
            try db.execute(sql: """
                INSERT INTO image (seriesId, sopInstanceUID, sopClassUID, transferSyntaxUID, path, size, status, createdAt, updatedAt)
                VALUES (1, ?, ?, ?, ?, 1, ?, ?, ?)
                """, arguments: [sopInstanceUID, sopClassUID, transferSyntaxUID, imagePath, ImageStatus.doneProcessing.rawValue, now, now])
            try db.execute(sql: "INSERT INTO seriesIdentifiers (seriesId, json, createdAt) VALUES (1, ?, ?)", arguments: [identifiersJSON, now])
        }
        try writer.close()
    }
}

import Foundation
import GRDB
@testable import SenditIndex

/// Evaluates `DerivedStatus.sqlAggregate` (what the dashboard counts series by) on one series'
/// image counts, in an in-memory SQLite, for the test that holds it to `DerivedStatus.derive`.
enum DerivedStatusSQL {
    static func derive(_ counts: [ImageStatus: Int]) throws -> String {
        let queue = try DatabaseQueue()
        return try queue.write { db in
            try db.execute(sql: "CREATE TABLE counts (seriesId INTEGER, status TEXT, images INTEGER)")
            for (status, images) in counts {
                try db.execute(sql: "INSERT INTO counts VALUES (1, ?, ?)", arguments: [status.rawValue, images])
            }
            return try String.fetchOne(db, sql: "SELECT \(DerivedStatus.sqlAggregate()) FROM counts GROUP BY seriesId") ?? "no row"
        }
    }
}

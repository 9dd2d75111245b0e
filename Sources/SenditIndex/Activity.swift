#if canImport(Glibc)
import Glibc
#endif
import Foundation
internal import GRDB

/// Images and bytes per hour and kind, counted in the same transaction as what they count
/// (an import, a de-identification, a delivery), so the dashboard's chart and `sendit report`
/// read a few hundred rows instead of scanning every image; kept after clean-up.
public enum Activity {
    public enum Kind: String, CaseIterable, Codable, Sendable {
        case received, deidentified, delivered, quarantined, failed, held
    }

    /// The hour an instant falls in, as the table keys it (UTC, `2026-12-07T05`).
    public static func hour(_ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970.rounded(.down)), parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02dT%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour))
    }

    static func add(_ db: Database, _ kind: Kind?, images: Int, bytes: Int64, at: Date) throws {
        guard let kind, images > 0 else { return }
        let statement = try db.cachedStatement(sql: """
            INSERT INTO activity (hour, kind, images, bytes) VALUES (?, ?, ?, ?)
            ON CONFLICT (hour, kind) DO UPDATE SET images = images + excluded.images, bytes = bytes + excluded.bytes
            """)
        try statement.execute(arguments: [hour(at), kind.rawValue, images, bytes])
    }
}

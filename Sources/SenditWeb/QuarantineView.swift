import Foundation
import SenditIndex

/// The quarantine as a reader may see it. A file's name, and the folder it was dropped in, can
/// be a patient's name: admins see the file's name as received and where it is now, relative to
/// QUARANTINE_FOLDER (`<id>-<name>`, never a full path); everyone else sees the quarantine id,
/// when and why only (a failed move's note, which names paths, cut to "left in place"; admins see it
/// whole).
enum QuarantineView {
    struct Line: Codable, Sendable, Equatable {
        var id: Int64
        var at: Date
        var reason: String
        var fileName: String?
        var movedTo: String?
    }

    static func shown(_ lines: [QuarantineLine], to role: AccessRole) -> [Line] {
        lines.map { q in
            guard role == .admin else {
                let reason = q.reason.range(of: " (left in place: ").map { q.reason[..<$0.lowerBound] + " (left in place)" } ?? q.reason
                return Line(id: q.id, at: q.at, reason: reason)
            }
            return Line(id: q.id, at: q.at, reason: q.reason, fileName: q.fileName,
                        movedTo: q.movedTo.isEmpty ? "" : (q.movedTo as NSString).lastPathComponent)
        }
    }
}

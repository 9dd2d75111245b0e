#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SenditIndex

/// The summary CSV of a retrieval job (`sendit retrieve --summary FILE`): one row per item of
/// the requester's list with its outcome. It holds the requester's identifiers: written with
/// mode 0600, never elsewhere.
enum RetrievalSummary {
    static let header = ["item", "kind", "value", "research_id", "outcome", "studies_found", "completed", "failed", "warning",
                         "remaining", "final_status", "status_meaning", "description"]

    static func csv(_ items: [RetrievalItem]) -> String {
        var lines = [header.joined(separator: ",")]
        for i in items {
            let row: [String] = [
                "\(i.id)", i.kind.rawValue, i.value, i.researchID ?? "", i.outcome?.rawValue ?? i.state.rawValue,
                i.studiesFound.map(String.init) ?? "", "\(i.counts.completed)", "\(i.counts.failed)", "\(i.counts.warning)",
                "\(i.counts.remaining)", i.finalStatus ?? "", i.statusMeaning ?? "", RetrievalOutcome.describe(i),
            ]
            lines.append(row.map(field).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A CSV field: quoted when it holds a comma, a quote or a line break; one starting as a formula
    /// (a leading = + @ or tab) is prefixed with ' so a spreadsheet does not run it as a formula.
    static func field(_ s: String) -> String {
        var v = s
        if let first = v.first, "=+@\t".contains(first) { v = "'" + v }
        guard v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return v }
        return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Writes `text` to `path` with mode 0600 (an existing file is replaced, its mode too).
    static func write(_ text: String, to path: String) throws {
        let tmp = path + ".tmp\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path]) }
        fchmod(fd, 0o600)
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { close(fd); unlink(tmp); throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
            written += n
        }
        fsync(fd)
        close(fd)
        guard rename(tmp, path) == 0 else { unlink(tmp); throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
    }
}

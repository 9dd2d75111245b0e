import DICOMFile
import Foundation

/// One table of `sendit report` (days, series, audit) and its three renderings: tab-separated,
/// comma-separated (RFC 4180 quoting) and JSON (an array of objects, keys in column order).
/// Pure: values in, text out.
struct ReportTable: Equatable {
    enum Cell: Equatable {
        case text(String)
        case integer(Int64)
        /// A number shown with `digits` decimals.
        case number(Double, digits: Int)
        /// An instant, UTC, ISO 8601 to the second.
        case time(Date)
        /// No value: empty in TSV and CSV, null in JSON.
        case none

        static func count(_ n: Int) -> Cell { .integer(Int64(n)) }
        static func at(_ date: Date?) -> Cell { date.map { .time($0) } ?? .none }
        static func maybe(_ s: String?) -> Cell { s.map { .text($0) } ?? .none }
        static func seconds(from start: Date?, to end: Date?) -> Cell {
            guard let start, let end else { return .none }
            return .number(end.timeIntervalSince(start), digits: 3)
        }

        /// The value as text (no quoting).
        var plain: String {
            switch self {
            case .text(let s): s
            case .integer(let n): String(n)
            case .number(let x, let digits): String(format: "%.\(digits)f", x)
            case .time(let date): ReportTable.timestamp(date)
            case .none: ""
            }
        }

        /// The value as a spreadsheet may read it: a text starting with = + - @, a tab or a CR
        /// would be taken as a formula (a user name typed at the login page, a Modality from a
        /// data set), so it gets a leading apostrophe.
        var spreadsheetSafe: String {
            guard case .text(let s) = self, let first = s.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return plain }
            return "'" + s
        }

        var json: String {
            switch self {
            case .text(let s): ReportTable.jsonString(s)
            case .time: ReportTable.jsonString(plain)
            case .integer, .number: plain
            case .none: "null"
            }
        }
    }

    var name: String
    var columns: [String]
    var rows: [[Cell]]

    /// Header and rows, tab-separated; a tab, CR or LF inside a value becomes a space (TSV has
    /// no quoting).
    var tsv: String {
        let clean = { (s: String) in String(s.map { $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" ? " " : $0 }) }
        return ([columns.joined(separator: "\t")] + rows.map { $0.map { clean($0.spreadsheetSafe) }.joined(separator: "\t") })
            .map { $0 + "\n" }.joined()
    }

    /// Header and rows, comma-separated, CRLF line ends (RFC 4180): a value with a comma, a
    /// quote, CR or LF is quoted, its quotes doubled.
    var csv: String {
        let quote = { (s: String) -> String in
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
                ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        return ([columns.map(quote).joined(separator: ",")] + rows.map { $0.map { quote($0.spreadsheetSafe) }.joined(separator: ",") })
            .map { $0 + "\r\n" }.joined()
    }

    /// The rows as a JSON array of objects, one per line.
    var json: String {
        guard !rows.isEmpty else { return "[]" }
        let objects = rows.map { row in
            "{" + zip(columns, row).map { "\(ReportTable.jsonString($0)): \($1.json)" }.joined(separator: ", ") + "}"
        }
        return "[\n    " + objects.joined(separator: ",\n    ") + "\n  ]"
    }

    /// `2026-12-07T05:00:00Z`.
    static func timestamp(_ date: Date) -> String { date.formatted(.iso8601) }

    /// A JSON string literal.
    static func jsonString(_ s: String) -> String { "\"" + JSONModelEncoder.escape(s) + "\"" }
}

import Foundation

/// A TSV file of spec/ read by the tests themselves (not through the generated code): one header
/// row, tab-separated fields, rows as dictionaries by column name.
public struct SpecTSV: Sendable {
    public let columns: [String]
    public let rows: [[String: String]]
    /// The rows as read, cells in column order (a short row stays short).
    public let cells: [[String]]

    /// `relativePath` under spec/, e.g. `dicom/ul-actions.tsv`.
    public init(_ relativePath: String) throws {
        try self.init(path: ExternalTools.packageRoot.path + "/spec/" + relativePath)
    }

    public init(path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map {
            $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
        let head = lines.removeFirst()
        columns = head
        cells = lines
        rows = lines.map { cells in
            var row: [String: String] = [:]
            for (i, name) in head.enumerated() { row[name] = i < cells.count ? cells[i] : "" }
            return row
        }
    }

    /// `60XX0010` or `60xx0010` with the x digits replaced by `digits` (consumed from the right,
    /// one per x), parsed as a tag value.
    public static func tag(_ text: String, x digits: String = "0") -> UInt32? {
        var fill = Array(digits)
        var out: [Character] = []
        for c in text.reversed() {
            if c == "x" || c == "X" {
                out.append(fill.popLast() ?? "0")
            } else {
                out.append(c)
            }
        }
        return UInt32(String(out.reversed()), radix: 16)
    }
}

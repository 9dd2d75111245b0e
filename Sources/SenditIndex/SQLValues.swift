/// Status values as SQL text: every status in a query comes from its enum, never typed in.
/// Only for the enums' own constant values (no input from outside reaches these lists).
extension RawRepresentable where RawValue == String {
    /// `'VALUE'`, quoted for SQL.
    var sql: String { "'" + rawValue.replacingOccurrences(of: "'", with: "''") + "'" }
}

extension Sequence where Element: RawRepresentable, Element.RawValue == String {
    /// `('A','B')`, for `IN`.
    var sqlList: String { "(" + map(\.sql).joined(separator: ",") + ")" }
}

extension Array {
    /// The values in pieces of at most 500, each small enough to bind in one statement (SQLite
    /// allows 999 parameters in the oldest versions sendit may run on).
    var sqlChunks: [[Element]] {
        stride(from: 0, to: count, by: 500).map { Array(self[$0..<Swift.min($0 + 500, count)]) }
    }
}

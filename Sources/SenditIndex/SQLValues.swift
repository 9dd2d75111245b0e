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

import Foundation
import Hummingbird
import SenditIndex

/// The series list's query string as a `SeriesFilter` (the same for the page and the API);
/// a value that is not understood is refused, not ignored.
enum SeriesQuery {
    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    /// A request's query parameters (the first of each name).
    static func parameters(_ request: Request) -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in request.uri.queryParameters where out[String(key)] == nil { out[String(key)] = String(value) }
        return out
    }

    static func filter(_ query: [String: String]) throws -> SeriesFilter {
        func text(_ key: String) -> String? {
            guard let v = query[key]?.trimmingCharacters(in: CharacterSet.whitespaces), !v.isEmpty else { return nil }
            return String(v.prefix(200))
        }
        var filter = SeriesFilter()
        if let s = text("status") {
            guard let status = ImageStatus(rawValue: s) else { throw Invalid(description: "status: unknown status \(s)") }
            filter.status = status
        }
        filter.modality = text("modality")
        filter.project = text("project")
        if let d = text("from") {
            guard let day = parseDay(d) else { throw Invalid(description: "from: a date as YYYY-MM-DD") }
            filter.receivedFrom = day
        }
        if let d = text("to") {
            guard let day = parseDay(d) else { throw Invalid(description: "to: a date as YYYY-MM-DD") }
            filter.receivedTo = day.addingTimeInterval(24 * 3600)
        }
        filter.uid = text("uid")
        filter.failedAt = text("failedAt")
        if let l = text("limit") {
            guard let n = Int(l), (1...500).contains(n) else { throw Invalid(description: "limit: 1 to 500") }
            filter.limit = n
        }
        if let b = text("before") {
            guard let n = Int64(b) else { throw Invalid(description: "before: a series id from the previous page") }
            filter.before = n
        }
        return filter
    }

    static func parseDay(_ text: String) -> Date? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        return f.date(from: text)
    }

    static func day(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        return f.string(from: date)
    }
}

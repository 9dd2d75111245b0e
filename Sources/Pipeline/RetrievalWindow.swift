import Foundation

/// When retrievals may run (RETRIEVE_WINDOW: `HH:MM-HH:MM`, local time; a window past midnight
/// such as `20:00-06:00` wraps; empty: always). Pure: minutes of the day in, open or not out.
public struct RetrievalWindow: Sendable, Equatable, CustomStringConvertible {
    /// Minutes after midnight; `start == end` would be empty and is refused.
    public let start: Int
    public let end: Int

    public static let always: RetrievalWindow? = nil

    public init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let s = RetrievalWindow.minutes(parts[0]), let e = RetrievalWindow.minutes(parts[1]), s != e else {
            return nil
        }
        start = s
        end = e
    }

    static func minutes(_ text: Substring) -> Int? {
        let hm = text.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
        guard hm.count == 2, hm[0].count <= 2, hm[1].count == 2, let h = Int(hm[0]), let m = Int(hm[1]),
              (0...24).contains(h), (0...59).contains(m), h * 60 + m <= 24 * 60 else { return nil }
        return h * 60 + m
    }

    /// Whether the window is open at `minute` (0..<1440) of the day.
    public func contains(minute: Int) -> Bool {
        start < end ? (start <= minute && minute < end) : (minute >= start || minute < end)
    }

    /// Whether the window is open at `date`, in `timeZone`.
    public func isOpen(at date: Date, timeZone: TimeZone = .current) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.hour, .minute], from: date)
        return contains(minute: (c.hour ?? 0) * 60 + (c.minute ?? 0))
    }

    public var description: String {
        String(format: "%02d:%02d-%02d:%02d", start / 60, start % 60, end / 60, end % 60)
    }
}

import Foundation

/// Fast paths for text that is all ASCII, as nearly every header value is. Each gives the same
/// answer as the Unicode-aware call it stands for; those go through NSString or the Unicode
/// property tables on Linux, and cost the de-identifier about a fifth of its time.
enum PlainText {
    static func isASCII(_ s: String) -> Bool {
        // Native strings are contiguous: a loop over the buffer, not the generic iterator.
        if let answer = s.utf8.withContiguousStorageIfAvailable({ !$0.contains { $0 >= 0x80 } }) { return answer }
        return s.utf8.allSatisfy { $0 < 0x80 }
    }

    /// `s.trimmingCharacters(in: .whitespaces)`: in ASCII, the space and the tab.
    static func trimmingWhitespace(_ s: String) -> String {
        guard isASCII(s) else { return s.trimmingCharacters(in: .whitespaces) }
        let u = s.utf8
        guard let first = u.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }),
              let last = u.lastIndex(where: { $0 != 0x20 && $0 != 0x09 }) else { return "" }
        if first == u.startIndex && u.index(after: last) == u.endIndex { return s }
        return String(decoding: u[first...last], as: UTF8.self)
    }

    /// `s.unicodeScalars.contains { $0.properties.isIdeographic }`: never in ASCII.
    static func hasIdeographic(_ s: String) -> Bool {
        !isASCII(s) && s.unicodeScalars.contains { $0.properties.isIdeographic }
    }

    /// The words of lower-cased text: `lower.split(whereSeparator: { !($0.isLetter ||
    /// $0.isNumber) })`, which in ASCII are runs of letters and digits.
    static func words(_ lower: String) -> Set<String> {
        guard isASCII(lower) else {
            return Set(lower.split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init))
        }
        let parts = lower.utf8.split(whereSeparator: { b in
            !((b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A))
        })
        return Set(parts.map { String(decoding: $0, as: UTF8.self) })
    }
}

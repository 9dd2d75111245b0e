import DICOMCore
import Synchronization

/// Substring tests on UTF-8 bytes, and per-tag answers remembered: `String.contains(String)`
/// goes through NSString on Linux, which cost the engine a third of its time.
enum TextSearch {
    static func contains(_ haystack: String, _ needle: String) -> Bool {
        contains(Array(haystack.utf8), Array(needle.utf8))
    }

    static func contains(_ h: [UInt8], _ n: [UInt8]) -> Bool {
        guard !n.isEmpty else { return true }
        guard h.count >= n.count else { return false }
        let first = n[0]
        var i = 0
        while i <= h.count - n.count {
            if h[i] == first {
                var j = 1
                while j < n.count && h[i + j] == n[j] { j += 1 }
                if j == n.count { return true }
            }
            i += 1
        }
        return false
    }

    private static let keywordAnswers = Mutex<[UInt64: Bool]>([:])

    /// Whether the dictionary keyword of `tag` contains one of `words` (and none of `unless`),
    /// remembered per tag and question.
    static func keyword(of tag: Tag, question: UInt32, containsAny words: [String], unless: [String] = []) -> Bool {
        let key = UInt64(question) << 32 | UInt64(tag.rawValue)
        if let known = keywordAnswers.withLock({ $0[key] }) { return known }
        var answer = false
        if let keyword = DataDictionary.entry(for: tag)?.keyword, !keyword.isEmpty {
            answer = words.contains { contains(keyword, $0) } && !unless.contains { contains(keyword, $0) }
        }
        keywordAnswers.withLock { $0[key] = answer }
        return answer
    }
}

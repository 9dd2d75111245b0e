@testable import SenditIndex
import Testing

/// The dashboard counts series by their derived status computed in SQL; the pages and
/// `sendit status` derive it in Swift. Both from the same lists, held to the same answer for
/// every set of statuses a series can have (each present or not, and present with 0 images).
@Suite struct DerivedStatusSQLTests {
    @Test func theSQLRuleAnswersAsTheSwiftRuleForEveryCombination() throws {
        let statuses = ImageStatus.allCases
        var checked = 0
        for mask in 1..<(1 << statuses.count) {
            var counts: [ImageStatus: Int] = [:]
            for (i, s) in statuses.enumerated() where mask & (1 << i) != 0 { counts[s] = i + 1 }
            #expect(try DerivedStatusSQL.derive(counts) == (DerivedStatus.derive(counts)?.rawValue ?? "EMPTY"), "\(counts)")
            // The same set with one status at 0 images: as if absent.
            if let first = counts.keys.sorted(by: { $0.rawValue < $1.rawValue }).first {
                counts[first] = 0
                #expect(try DerivedStatusSQL.derive(counts) == (DerivedStatus.derive(counts)?.rawValue ?? "EMPTY"), "\(counts)")
            }
            checked += 1
        }
        #expect(checked == (1 << statuses.count) - 1)
    }
}

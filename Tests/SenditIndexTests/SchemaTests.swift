import Foundation
import GRDB
@testable import SenditIndex
import Testing

/// The status values the code writes are those the schema allows: the migrations' CHECK
/// constraints are frozen text, the enums are not.
@Suite struct SchemaTests {
    func allowed(_ table: String, _ column: String, in f: IndexFixture) throws -> Set<String> {
        let sql = try #require(try f.database.writer.read {
            try String.fetchOne($0, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", arguments: [table])
        })
        let marker = "CHECK (\(column) IN ("
        let start = try #require(sql.range(of: marker)).upperBound
        let end = try #require(sql[start...].firstIndex(of: ")"))
        return Set(sql[start..<end].split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "' ")) })
    }

    @Test func everyStatusTheEnumsHaveTheSchemaAllows() throws {
        let f = try IndexFixture()
        #expect(try allowed("image", "status", in: f) == Set(ImageStatus.allCases.map(\.rawValue)))
        #expect(try allowed("job", "state", in: f) == Set(JobRecord.State.allCases.map(\.rawValue)))
        #expect(try allowed("delivery", "state", in: f) == Set(DeliveryRecord.State.allCases.map(\.rawValue)))
        #expect(try allowed("identityHold", "kind", in: f) == ["study", "series"])
        #expect(IdentityHold.Kind.study.rawValue == "study" && IdentityHold.Kind.series.rawValue == "series")
    }

    @Test func statusesAreQuotedFromTheirEnums() {
        #expect([ImageStatus.doneProcessing, .sent].sqlList == "('DONEPROCESSING','SENT')")
        #expect(JobRecord.State.queued.sql == "'queued'")
    }
}

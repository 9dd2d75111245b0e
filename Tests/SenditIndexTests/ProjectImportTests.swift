import Foundation
import Testing
import GRDB
@testable import SenditIndex

/// Each study and series records its project; a study (or series, or instance) already held by
/// one project is never mixed into another: the later copy is quarantined, named.
@Suite struct ProjectImportTests {
    @Test func aSeriesRecordsItsProject() throws {
        let f = try IndexFixture()
        try f.add(series: "1.2.3.1", sops: ["1.2.3.1.1", "1.2.3.1.2"], project: "lung")
        let id = try #require(try f.images().first?.seriesId)
        #expect(try f.index.project(ofSeries: id) == "lung")
        #expect(try f.index.project(ofSeries: id + 100) == nil)
    }

    @Test func aStudyInOneProjectIsNotMixedIntoAnother() throws {
        let f = try IndexFixture()
        try f.add(series: "1.2.3.1", sops: ["1.2.3.1.1"], project: "lung")
        // Another series of the same study, an instance of the same series, and the same instance,
        // each routed to another project: quarantined, not added.
        for (series, sop) in [("1.2.3.2", "1.2.3.2.1"), ("1.2.3.1", "1.2.3.1.9"), ("1.2.3.1", "1.2.3.1.1")] {
            let counts = try f.add(series: series, sops: [sop], folder: "neuro+study", project: "neuro")
            #expect(counts.added == 0 && counts.quarantined == 1, "\(sop)")
        }
        #expect(try f.images().count == 1)
        let reasons = try f.database.writer.read { try String.fetchAll($0, sql: "SELECT reason FROM quarantine") }
        #expect(reasons.count == 3 && reasons.allSatisfy { $0.contains("project neuro") && $0.contains("project lung") })
        // Within one batch: the series is found clear once, and an instance another project
        // holds, sent under a new series, is still caught (the check per instance, not per series).
        let mixed = try f.add(series: "9.9.1", sops: ["9.9.1.1", "1.2.3.1.1", "9.9.1.2"], study: "9.9", folder: "neuro+other", project: "neuro")
        #expect(mixed.added == 2 && mixed.quarantined == 1)
        #expect(try f.images().filter { $0.sopInstanceUID == "1.2.3.1.1" }.count == 1)
        // The same project adds to it as before.
        #expect(try f.add(series: "1.2.3.2", sops: ["1.2.3.2.1"], project: "lung").added == 1)
    }
}

import Foundation
import SenditIndex
@testable import sendit
import Testing

/// `sendit retrieve`'s pure parts: the date range, the progress line and the summary CSV (its
/// fields quoted, a formula defused, mode 0600).
@Suite struct RetrieveCommandTests {
    @Test func datesAreDICOMRangesOfWholeDates() {
        for good in ["20200101", "20200101-20201231", "20200101-", "-20191231"] { #expect(RetrieveCommand.isDateRange(good)) }
        for bad in ["", "-", "2020", "20200101-2020", "2020-01-01", "20200101--", "a0200101"] { #expect(!RetrieveCommand.isDateRange(bad)) }
    }

    func progress() -> RetrievalProgress {
        var p = RetrievalProgress(job: RetrievalJob(id: 7, source: "pacs", project: "lung", method: .move, createdAt: Date(), requester: "t"))
        p.items = 20
        p.itemsDone = 5
        p.outcomes = ["retrieved": 3, "not_found": 1, "failed": 1, "found": 2]
        p.studiesFound = 12
        p.studiesDone = 4
        p.studiesFailed = 1
        p.expectedInstances = 1200
        p.counts = RetrievalCounts(completed: 390, failed: 2, warning: 10)
        return p
    }

    @Test func theProgressShowsCountsAndRateWithABarOnATerminal() {
        #expect(RetrievalProgressText.line(progress(), elapsed: 10, bar: true, width: 8)
                == "job 7 [##------] 5/20 items, 5/12 studies, 400/1200 instances (40.0/s), 2 failed")
        #expect(RetrievalProgressText.line(progress(), elapsed: 0, bar: false)
                == "job 7 5/20 items, 5/12 studies, 400/1200 instances, 2 failed")
        #expect(RetrievalProgressText.outcomes(progress()) == "retrieved 3, being retrieved 2, not found 1, failed 1, waiting 13")
    }

    @Test func theSummaryHasOneRowPerValueAndIsWrittenPrivately() throws {
        let item = RetrievalItem(id: 3, jobId: 7, kind: .accession, value: "=A,1", researchID: "R\"1", dates: nil, state: .done,
                                 outcome: .failed, studiesFound: 1, counts: RetrievalCounts(), finalStatus: "0xA801",
                                 statusMeaning: "Move destination unknown", attempts: 1, updatedAt: Date())
        let csv = RetrievalSummary.csv([item])
        let lines = csv.split(separator: "\n")
        #expect(lines.count == 2 && lines[0].hasPrefix("item,kind,value,research_id,outcome"))
        #expect(lines[1] == "3,accession,\"'=A,1\",\"R\"\"1\",failed,1,0,0,0,0,0xA801,Move destination unknown,failed: 0xA801 Move destination unknown")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("summary-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        FileManager.default.createFile(atPath: path, contents: Data("old".utf8), attributes: [.posixPermissions: 0o644])
        try RetrievalSummary.write(csv, to: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == csv)
    }
}

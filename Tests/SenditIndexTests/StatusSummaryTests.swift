import Foundation
import SenditIndex
import Testing

/// `sendit status`'s summary lists the newest series and, however old, every FAILED or HELD one
/// with its reasons.
@Suite struct StatusSummaryTests {
    @Test func everyHeldOrFailedSeriesIsListedBeyondTheLimit() throws {
        let f = try IndexFixture()
        // The oldest series: one image held, one refused by the gate.
        try f.add(series: "1.1", sops: ["1.1.1", "1.1.2"])
        let job = try #require(try f.queue.claimNext(owner: "t", stages: ["process"]))
        #expect(try f.queue.takeImages(for: job, from: [.new], to: .processing) == 2)
        let ids = try f.index.images(seriesId: job.seriesId).compactMap(\.id)
        try f.index.recordDeidentified([.held(imageId: ids[0], reason: "burned-in text rule: US"),
                                        .refused(imageId: ids[1], reason: "PHI gate: (0010,0010) left")])
        for n in 2...4 { try f.add(series: "1.\(n)", sops: ["1.\(n).1"]) }

        let summary = try f.index.summary(limit: 1)
        #expect(summary.series == 4)
        #expect(summary.seriesLines.map(\.seriesInstanceUID) == ["1.4", "1.1"], "the newest, then the one with problems")
        let problem = try #require(summary.seriesLines.last)
        #expect(problem.status == "FAILED")
        #expect(problem.heldReasons == ["burned-in text rule: US": 1])
        #expect(problem.failedReasons == ["PHI gate: (0010,0010) left": 1])
        #expect(try f.index.summary(limit: nil).seriesLines.count == 4)
        #expect(try f.index.summary(limit: 3).seriesLines.map(\.seriesInstanceUID) == ["1.4", "1.3", "1.2", "1.1"])
    }
}

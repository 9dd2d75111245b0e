import Foundation
import MetricsTestKit
import Pipeline
import SenditIndex
import Testing

/// What the stages count, as `PipelineMetrics` turns recorded outcomes into counters and
/// histograms (labels: stage and destination names only).
@Suite struct PipelineMetricsTests {
    @Test func deidentifyOutcomesAreCountedByKind() throws {
        let metrics = TestMetrics()
        let counting = PipelineMetrics(factory: metrics)
        let copy = DeidentifiedCopy(imageId: 1, studyInstanceUID: "2.25.1", seriesInstanceUID: "2.25.2", sopInstanceUID: "2.25.3",
                                    path: "/outbox/1.dcm", size: 10)
        counting.deidentified([.placed(copy), .placed(copy), .held(imageId: 3, reason: "burned-in rule"),
                               .refused(imageId: 4, reason: "PHI gate"), .refused(imageId: 5, reason: "unreadable")],
                              gateRefusals: 1)
        counting.heldForIdentity(7)
        #expect(try metrics.expectCounter(PipelineMetrics.deidentified).totalValue == 2)
        #expect(try metrics.expectCounter(PipelineMetrics.held, [("stage", "deidentify")]).totalValue == 1)
        #expect(try metrics.expectCounter(PipelineMetrics.held, [("stage", "identify")]).totalValue == 7)
        #expect(try metrics.expectCounter(PipelineMetrics.deidentifyFailed).totalValue == 2)
        #expect(try metrics.expectCounter(PipelineMetrics.gateRefusals).totalValue == 1)
    }

    @Test func deliveriesAreCountedPerDestination() throws {
        let metrics = TestMetrics()
        let counting = PipelineMetrics(factory: metrics)
        counting.sent(3, destination: "orthanc")
        counting.verified(2, destination: "orthanc")
        counting.failed(1, destination: "orthanc")
        counting.sent(5, destination: "google")
        #expect(try metrics.expectCounter(PipelineMetrics.sent, [("destination", "orthanc")]).totalValue == 3)
        #expect(try metrics.expectCounter(PipelineMetrics.verified, [("destination", "orthanc")]).totalValue == 2)
        #expect(try metrics.expectCounter(PipelineMetrics.failed, [("destination", "orthanc")]).totalValue == 1)
        #expect(try metrics.expectCounter(PipelineMetrics.sent, [("destination", "google")]).totalValue == 5)
    }

    @Test func jobTimesAndEndToEndLatencyAreRecordedInNanoseconds() throws {
        let metrics = TestMetrics()
        let counting = PipelineMetrics(factory: metrics)
        counting.jobRan(stage: "deidentify", nanoseconds: 1_500_000_000)
        counting.jobFailed(stage: "send:orthanc")
        let last = Date(timeIntervalSince1970: 1_700_000_000)
        counting.completed(SeriesCompletion(seriesId: 1, images: 3, lastImageAt: last, doneAt: last + 12.5))
        counting.completed(nil)
        #expect(try metrics.expectTimer(PipelineMetrics.jobSeconds, [("stage", "deidentify")]).values == [1_500_000_000])
        #expect(try metrics.expectCounter(PipelineMetrics.jobsFailed, [("stage", "send:orthanc")]).totalValue == 1)
        #expect(try metrics.expectTimer(PipelineMetrics.endToEndSeconds).values == [12_500_000_000])
    }

    @Test func declaringMakesEveryMetricForTheStagesAndDestinations() throws {
        let metrics = TestMetrics()
        PipelineMetrics(factory: metrics).declare(stages: ["identify", "deidentify", "send:orthanc"], destinations: ["orthanc"])
        for label in [PipelineMetrics.sent, PipelineMetrics.verified, PipelineMetrics.failed] {
            #expect(try metrics.expectCounter(label, [("destination", "orthanc")]).totalValue == 0)
        }
        for stage in ["identify", "deidentify", "send:orthanc"] {
            #expect(try metrics.expectTimer(PipelineMetrics.jobSeconds, [("stage", stage)]).values.isEmpty)
        }
        #expect(try metrics.expectCounter(PipelineMetrics.gateRefusals).totalValue == 0)
        #expect(try metrics.expectTimer(PipelineMetrics.endToEndSeconds).values.isEmpty)
    }
}

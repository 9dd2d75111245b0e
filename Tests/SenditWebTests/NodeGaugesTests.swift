import MetricsTestKit
import SenditIndex
import SenditWeb
import Testing

/// The gauges set at each scrape: every known stage and destination (at zero when idle), open
/// associations, free space per folder.
@Suite struct NodeGaugesTests {
    @Test func everyGaugeIsSetFromTheFigures() throws {
        let metrics = TestMetrics()
        let gauges = NodeGauges(stages: ["identify", "deidentify", "send:orthanc"], destinations: ["orthanc"], factory: metrics)
        gauges.set(depths: QueueDepths(queued: ["deidentify": 3], running: ["send:orthanc": 1], undelivered: ["orthanc": 12]),
                   openAssociations: 2, freeBytes: [("data", 1_000), ("outbox", nil)])
        #expect(try metrics.expectGauge(NodeGauges.jobsQueued, [("stage", "deidentify")]).lastValue == 3)
        #expect(try metrics.expectGauge(NodeGauges.jobsQueued, [("stage", "identify")]).lastValue == 0)
        #expect(try metrics.expectGauge(NodeGauges.jobsRunning, [("stage", "send:orthanc")]).lastValue == 1)
        #expect(try metrics.expectGauge(NodeGauges.undelivered, [("destination", "orthanc")]).lastValue == 12)
        #expect(try metrics.expectGauge(NodeGauges.openAssociations).lastValue == 2)
        #expect(try metrics.expectGauge(NodeGauges.diskFree, [("folder", "data")]).lastValue == 1_000)
        #expect(try metrics.expectGauge(NodeGauges.diskFree, [("folder", "outbox")]).lastValue?.isNaN == true)
        // The next scrape: what finished shows zero again.
        gauges.set(depths: QueueDepths(), openAssociations: 0, freeBytes: [])
        #expect(try metrics.expectGauge(NodeGauges.jobsQueued, [("stage", "deidentify")]).lastValue == 0)
        #expect(try metrics.expectGauge(NodeGauges.undelivered, [("destination", "orthanc")]).lastValue == 0)
        #expect(try metrics.expectGauge(NodeGauges.openAssociations).lastValue == 0)
    }
}

import DICOMCore
import DICOMUpperLayer
import DICOMFile
@testable import DICOMNetwork
import Foundation
import MetricsTestKit
import Testing

/// The listener counts what it receives into the metrics factory it is given.
@Suite struct ReceiveMetricsTests {
    @Test func associationsImagesBytesAndReceiveTimesAreCounted() throws {
        let metrics = TestMetrics()
        let f = try StorageSCPTests.Fixture(metrics: ReceiveMetrics(factory: metrics))
        let paths = [try f.instance(sop: "1.2.3.4.1"), try f.instance(sop: "1.2.3.4.2", pixels: 300_000),
                     try f.instance(sop: "1.2.3.4.3")]
        let results = StorageSCU.send(paths: paths, to: f.destination())
        #expect(results.allSatisfy { $0.succeeded }, "\(results)")
        let dataSetBytes = try paths.map { try DataSetEncoder(explicitVR: true).encode(Part10File.read(path: $0).dataSet).count }
            .reduce(0, +)
        // (Everything is counted before the association's release is answered, so by now.)
        #expect(try metrics.expectCounter(ReceiveMetrics.associations).totalValue == 1)
        #expect(try metrics.expectCounter(ReceiveMetrics.associationsRejected).totalValue == 0)
        #expect(try metrics.expectCounter(ReceiveMetrics.imagesReceived).totalValue == 3)
        #expect(try metrics.expectCounter(ReceiveMetrics.bytesReceived).totalValue == Int64(dataSetBytes))
        #expect(try metrics.expectCounter(ReceiveMetrics.storeFailures).totalValue == 0)
        let times = try metrics.expectTimer(ReceiveMetrics.receiveSeconds).values
        #expect(times.count == 3 && times.allSatisfy { $0 > 0 && $0 < 10_000_000_000 }, "\(times)")
    }

    @Test func aStoreThatFailsIsCountedAsAFailureNotAsReceived() throws {
        let metrics = TestMetrics()
        let f = try StorageSCPTests.Fixture(metrics: ReceiveMetrics(factory: metrics))
        let a = try RequestorAssociation(RequestorAssociation.Parameters(host: "127.0.0.1", port: f.server.port, callingAETitle: "T",
                                                                         calledAETitle: "SENDIT", presentationContexts: f.contexts()))
        let bytes = try DataSetEncoder(explicitVR: true).encode(Part10File.read(path: try f.instance(sop: "1.2.3.4.7")).dataSet)
        // The command names another instance: refused (A900), and the next one stored.
        let mismatch = try a.store(sopClassUID: UID.ctImageStorage.rawValue, sopInstanceUID: "1.2.3.4.8", contextID: 1) { send in
            try bytes.withUnsafeBytes { try send($0, true) }
        }
        #expect(mismatch.status == .dataSetDoesNotMatchSOPClass)
        let ok = try a.store(sopClassUID: UID.ctImageStorage.rawValue, sopInstanceUID: "1.2.3.4.7", contextID: 1) { send in
            try bytes.withUnsafeBytes { try send($0, true) }
        }
        #expect(ok.status == .success)
        try a.release()
        #expect(try metrics.expectCounter(ReceiveMetrics.imagesReceived).totalValue == 1)
        #expect(try metrics.expectCounter(ReceiveMetrics.bytesReceived).totalValue == Int64(bytes.count))
        #expect(try metrics.expectCounter(ReceiveMetrics.storeFailures).totalValue == 1)
        #expect(try metrics.expectTimer(ReceiveMetrics.receiveSeconds).values.count == 1)
    }

    @Test func declaringMakesEveryMetricAtZero() throws {
        let metrics = TestMetrics()
        ReceiveMetrics(factory: metrics).declare()
        for label in [ReceiveMetrics.associations, ReceiveMetrics.associationsRejected, ReceiveMetrics.imagesReceived,
                      ReceiveMetrics.bytesReceived, ReceiveMetrics.storeFailures] {
            #expect(try metrics.expectCounter(label).totalValue == 0)
        }
        #expect(try metrics.expectTimer(ReceiveMetrics.receiveSeconds).values.isEmpty)
    }
}

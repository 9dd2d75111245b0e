import CoreMetrics

/// What the DICOM listener counts (swift-metrics; `sendit serve` shows them at /metrics): the
/// associations accepted and rejected, the images stored (answered Success) and their bytes,
/// the C-STOREs answered with a failure, and each stored image's receive time, from its
/// C-STORE request's command to the response. No label: nothing from the data or the peer.
public struct ReceiveMetrics: Sendable {
    public static let associations = "sendit_associations_total"
    public static let associationsRejected = "sendit_associations_rejected_total"
    public static let imagesReceived = "sendit_images_received_total"
    public static let bytesReceived = "sendit_bytes_received_total"
    public static let storeFailures = "sendit_store_failures_total"
    public static let receiveSeconds = "sendit_image_receive_seconds"
    /// The receive-time histogram's buckets: 1 ms to 1 min.
    public static let receiveBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
    ]

    /// Nil: the process's (`MetricsSystem.factory`, as bootstrapped when the handles are made).
    let factory: (any MetricsFactory)?

    public init(factory: (any MetricsFactory)? = nil) {
        self.factory = factory
    }

    /// The handles one association uses, made when it starts (a registry look-up per
    /// association; per image only an increment).
    struct Handles {
        let associations, associationsRejected, imagesReceived, bytesReceived, storeFailures: Counter
        let receiveTime: CoreMetrics.Timer
    }

    func handles() -> Handles {
        let f = factory ?? MetricsSystem.factory
        return Handles(associations: Counter(label: Self.associations, factory: f),
                       associationsRejected: Counter(label: Self.associationsRejected, factory: f),
                       imagesReceived: Counter(label: Self.imagesReceived, factory: f),
                       bytesReceived: Counter(label: Self.bytesReceived, factory: f),
                       storeFailures: Counter(label: Self.storeFailures, factory: f),
                       receiveTime: CoreMetrics.Timer(label: Self.receiveSeconds, factory: f))
    }

    /// Makes every metric, so that /metrics shows them (at zero) before the first association.
    public func declare() { _ = handles() }
}

import CoreMetrics
import Prometheus

/// The node's metrics registry: swift-metrics' counters, gauges and timers recorded anywhere in
/// sendit land here (the executable bootstraps the metrics system with it), and /metrics
/// shows them in Prometheus' text format. Gauges read at scrape time (queue depths, free disk)
/// are set by `beforeScrape`.
public final class WebMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let beforeScrape: @Sendable () -> Void

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), beforeScrape: @escaping @Sendable () -> Void = {}) {
        self.registry = registry
        self.beforeScrape = beforeScrape
    }

    /// The metrics factory to bootstrap `MetricsSystem` with (once per process).
    public var factory: any MetricsFactory { factory(durationBuckets: [:]) }

    /// The same, with the buckets (seconds) of the timers named (the others get swift-prometheus'
    /// defaults, 5 ms to 10 s).
    public func factory(durationBuckets: [String: [Duration]]) -> any MetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = durationBuckets
        return factory
    }

    public func exposition() -> String {
        beforeScrape()
        return registry.emitToString()
    }
}

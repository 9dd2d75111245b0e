import CoreMetrics
import SenditIndex

/// What the pipeline counts (swift-metrics; `sendit serve` shows them at /metrics), each after
/// the index recorded it. Labels are stage and destination names only, never a value from the
/// data.
public struct PipelineMetrics: Sendable {
    public static let deidentified = "sendit_images_deidentified_total"
    /// Images the de-identify stage failed (unreadable, refused by the engine or the PHI gate).
    public static let deidentifyFailed = "sendit_images_deidentify_failed_total"
    /// De-identified copies the PHI gate refused (also counted in `deidentifyFailed`).
    public static let gateRefusals = "sendit_gate_refusals_total"
    /// Images held for a person, `stage`: identify (identity) or deidentify (burned-in rule).
    public static let held = "sendit_images_held_total"
    /// Per `destination`: answered Success (or uploaded), verified there, refused or given up.
    public static let sent = "sendit_images_sent_total"
    public static let verified = "sendit_images_verified_total"
    public static let failed = "sendit_images_failed_total"
    /// Per `stage`: jobs that failed for good.
    public static let jobsFailed = "sendit_jobs_failed_total"
    /// Per `stage`: how long each completed job ran (the de-identify stage's is the per-series
    /// processing time).
    public static let jobSeconds = "sendit_job_seconds"
    /// From a series' newest image's arrival in the index to the series DONE.
    public static let endToEndSeconds = "sendit_series_end_to_end_seconds"

    /// The histograms' buckets: a job from 10 ms to 1 h; end to end from 1 s to 1 day.
    public static let jobBuckets: [Duration] = [
        .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120), .seconds(300), .seconds(900),
        .seconds(3600),
    ]
    public static let endToEndBuckets: [Duration] = [
        .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120), .seconds(300),
        .seconds(600), .seconds(1800), .seconds(3600), .seconds(3 * 3600), .seconds(6 * 3600), .seconds(12 * 3600),
        .seconds(24 * 3600),
    ]

    /// Nil: the process's (`MetricsSystem.factory` when counted).
    let factory: (any MetricsFactory)?

    public init(factory: (any MetricsFactory)? = nil) {
        self.factory = factory
    }

    private var f: any MetricsFactory { factory ?? MetricsSystem.factory }

    private func add(_ label: String, _ n: Int, _ dimensions: [(String, String)] = []) {
        Counter(label: label, dimensions: dimensions, factory: f).increment(by: n)
    }

    /// One recorded batch of de-identify outcomes.
    public func deidentified(_ outcomes: [DeidentifiedOutcome], gateRefusals: Int) {
        var placed = 0, held = 0, refused = 0
        for outcome in outcomes {
            switch outcome {
            case .placed: placed += 1
            case .held: held += 1
            case .refused: refused += 1
            case .dropped: break
            }
        }
        add(Self.deidentified, placed)
        add(Self.held, held, [("stage", "deidentify")])
        add(Self.deidentifyFailed, refused)
        add(Self.gateRefusals, gateRefusals)
    }

    public func heldForIdentity(_ images: Int) { add(Self.held, images, [("stage", "identify")]) }
    public func sent(_ images: Int, destination: String) { add(Self.sent, images, [("destination", destination)]) }
    public func verified(_ images: Int, destination: String) { add(Self.verified, images, [("destination", destination)]) }
    public func failed(_ images: Int, destination: String) { add(Self.failed, images, [("destination", destination)]) }
    public func jobFailed(stage: String) { add(Self.jobsFailed, 1, [("stage", stage)]) }

    public func jobRan(stage: String, nanoseconds: Int64) {
        CoreMetrics.Timer(label: Self.jobSeconds, dimensions: [("stage", stage)], factory: f).recordNanoseconds(nanoseconds)
    }

    /// A series that became DONE (nil: none did).
    public func completed(_ completion: SeriesCompletion?) {
        guard let completion else { return }
        CoreMetrics.Timer(label: Self.endToEndSeconds, factory: f).recordNanoseconds(Int64(completion.seconds * 1e9))
    }

    /// Makes every metric, so that /metrics shows them (at zero, the histograms empty) before
    /// the first image: for these stages and destinations.
    public func declare(stages: [String], destinations: [String]) {
        deidentified([], gateRefusals: 0)
        heldForIdentity(0)
        for d in destinations {
            sent(0, destination: d)
            verified(0, destination: d)
            failed(0, destination: d)
        }
        for stage in stages {
            add(Self.jobsFailed, 0, [("stage", stage)])
            _ = CoreMetrics.Timer(label: Self.jobSeconds, dimensions: [("stage", stage)], factory: f)
        }
        _ = CoreMetrics.Timer(label: Self.endToEndSeconds, factory: f)
    }
}

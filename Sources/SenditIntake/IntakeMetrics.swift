import CoreMetrics

/// What the importer counts (swift-metrics; `sendit serve` shows them at /metrics), after each
/// batch's transaction: images imported into the index (new, or replacing an earlier copy) and
/// their bytes, duplicates ignored, files quarantined. No label.
public struct IntakeMetrics: Sendable {
    public static let imported = "sendit_images_imported_total"
    public static let importedBytes = "sendit_bytes_imported_total"
    public static let duplicates = "sendit_images_duplicate_total"
    public static let quarantined = "sendit_images_quarantined_total"

    /// Nil: the process's (`MetricsSystem.factory` when counted).
    let factory: (any MetricsFactory)?

    public init(factory: (any MetricsFactory)? = nil) {
        self.factory = factory
    }

    /// Counts one recorded batch.
    public func count(_ counts: ImportTally) {
        let f = factory ?? MetricsSystem.factory
        Counter(label: Self.imported, factory: f).increment(by: counts.imported)
        Counter(label: Self.importedBytes, factory: f).increment(by: counts.bytes)
        Counter(label: Self.duplicates, factory: f).increment(by: counts.duplicates)
        Counter(label: Self.quarantined, factory: f).increment(by: counts.quarantined)
    }

    /// Makes every metric, so that /metrics shows them (at zero) before the first import.
    public func declare() { count(ImportTally()) }

    /// One batch's figures.
    public struct ImportTally: Sendable, Equatable {
        public var imported = 0, duplicates = 0, quarantined = 0
        public var bytes: Int64 = 0
        public init(imported: Int = 0, duplicates: Int = 0, quarantined: Int = 0, bytes: Int64 = 0) {
            self.imported = imported
            self.duplicates = duplicates
            self.quarantined = quarantined
            self.bytes = bytes
        }
    }
}

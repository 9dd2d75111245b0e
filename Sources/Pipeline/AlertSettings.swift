import Foundation

/// The alerts' settings (ALERT_WEBHOOK_URLS, ALERT_DESTINATION_DOWN_AFTER, ALERT_DISK_MIN_FREE;
/// the node's name is DICOM_AE_TITLE).
public struct AlertSettings: Sendable, Equatable {
    /// Where each alert is POSTed; none: no alerts.
    public var webhooks: [URL] = []
    /// Seconds a destination may keep failing before it is alerted as down.
    public var destinationDownAfter: TimeInterval = 900
    /// Free bytes below which the data folder's or the outbox's file system is alerted (0: never).
    public var diskMinFree: Int64 = 5_000_000_000
    /// The node's name in each alert.
    public var node = "SENDIT"
    /// Seconds between looks at the index, and between sweeps of the deliveries due.
    public var interval: TimeInterval = 5
    /// A series whose images are still being processed is alerted once its first FAILED or HELD
    /// image is this old (else when it has nothing in flight), so its counts are whole.
    public var seriesSettle: TimeInterval = 60
    /// Seconds to wait for a webhook's answer.
    public var timeout: TimeInterval = 10

    public var enabled: Bool { !webhooks.isEmpty }

    public init() {}
}

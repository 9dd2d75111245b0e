import Foundation

/// The alerts' settings (ALERT_WEBHOOK_URLS, ALERT_DESTINATION_DOWN_AFTER, ALERT_DISK_MIN_FREE;
/// the node's name is DICOM_AE_TITLE, the refusing watermark DISK_MIN_FREE).
public struct AlertSettings: Sendable, Equatable {
    /// Where each alert is POSTed; none: no alerts.
    public var webhooks: [URL] = []
    /// Seconds a destination may keep failing before it is alerted as down.
    public var destinationDownAfter: TimeInterval = 900
    /// ALERT_DISK_MIN_FREE: an earlier warning than the node's refusals (nil: none).
    public var diskMinFree: DiskWatermark? = nil
    /// DISK_MIN_FREE: below it the node refuses images, so a disk there is always alerted.
    public var refuseBelow: DiskWatermark = .automatic
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

    /// The free bytes below which a file system of `totalBytes` is alerted: ALERT_DISK_MIN_FREE
    /// or DISK_MIN_FREE, whichever asks for more (0: no disk alert). So the node never refuses
    /// images for want of space without an alert, whatever the two say.
    public func alertBelow(totalBytes: Int64) -> Int64 {
        max(diskMinFree?.minimumFree(totalBytes: totalBytes) ?? 0, refuseBelow.minimumFree(totalBytes: totalBytes))
    }

    public init() {}
}

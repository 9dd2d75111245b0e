import Foundation
import Pipeline

extension NodeConfiguration {
    /// ALERT_WEBHOOK_URLS (a secret: a refusal never repeats a URL, which may hold a token),
    /// ALERT_DESTINATION_DOWN_AFTER, ALERT_DISK_MIN_FREE (DISK_MIN_FREE's syntax; empty: the
    /// disk is alerted where the node starts refusing, `refuseBelow`).
    static func resolveAlerts(_ r: inout SettingsResolver, node: String, refuseBelow: DiskWatermark) -> AlertSettings {
        var alerts = AlertSettings()
        alerts.node = node
        alerts.refuseBelow = refuseBelow
        alerts.webhooks = r.value(.alertWebhookURLs) { text in
            try SettingsResolver.list(text).enumerated().map { n, item in
                guard let url = Setting.Kind.httpURL(item) else {
                    throw SettingsResolver.Refusal("entry \(n + 1) is not an http(s) URL with a host")
                }
                return url
            }
        }
        alerts.destinationDownAfter = r.seconds(.alertDestinationDownAfter)
        alerts.diskMinFree = r.value(.alertDiskMinFree) { text in
            if text.trimmingCharacters(in: .whitespaces).isEmpty { return nil }
            guard let watermark = DiskWatermark(setting: text) else { throw SettingsResolver.Refusal(Setting.alertDiskMinFree.kind.mustBe) }
            return watermark
        }
        return alerts
    }
}

import Foundation
import Pipeline

extension NodeConfiguration {
    /// ALERT_WEBHOOK_URLS (a secret: a refusal never repeats a URL, which may hold a token),
    /// ALERT_DESTINATION_DOWN_AFTER, ALERT_DISK_MIN_FREE.
    static func resolveAlerts(_ r: inout SettingsResolver, node: String) -> AlertSettings {
        var alerts = AlertSettings()
        alerts.node = node
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
            guard let bytes = byteSize(text) else { throw SettingsResolver.Refusal(Setting.alertDiskMinFree.kind.mustBe) }
            return bytes
        }
        return alerts
    }

    /// "5GB", "500 MB", "1.5TB", "123456" (bytes): bytes, powers of 1000; nil if not a size.
    static func byteSize(_ text: String) -> Int64? {
        let t = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3), ("B", 1)]
        var number = t, factor = 1.0
        for (unit, f) in units where t.uppercased().hasSuffix(unit) {
            number = String(t.dropLast(unit.count)).trimmingCharacters(in: .whitespaces)
            factor = f
            break
        }
        guard let value = Double(number), value.isFinite, value >= 0, value * factor < 9e18,
              number.allSatisfy({ $0.isNumber || $0 == "." }) else { return nil }
        return Int64(value * factor)
    }
}

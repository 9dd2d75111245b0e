import Foundation
@testable import sendit
import Testing

/// ALERT_* settings as `NodeConfiguration.resolve` makes them.
@Suite struct AlertSettingsTests {
    @Test func sizes() {
        #expect(NodeConfiguration.byteSize("5GB") == 5_000_000_000)
        #expect(NodeConfiguration.byteSize("1.5 TB") == 1_500_000_000_000)
        #expect(NodeConfiguration.byteSize("500mb") == 500_000_000)
        #expect(NodeConfiguration.byteSize("2kB") == 2000)
        #expect(NodeConfiguration.byteSize("123") == 123)
        #expect(NodeConfiguration.byteSize("0") == 0)
        for bad in ["", "GB", "-1GB", "5 GiB", "five", "1e3", "99999999TB"] {
            #expect(NodeConfiguration.byteSize(bad) == nil, "\(bad)")
        }
    }

    @Test func theAlertsAreOffByDefaultAndOnWithAWebhook() throws {
        let defaults = try NodeConfiguration.resolve(SettingValues(file: "", text: nil, environment: [:]))
        #expect(!defaults.alerts.enabled && defaults.alerts.destinationDownAfter == 900 && defaults.alerts.diskMinFree == 5_000_000_000)
        let on = try NodeConfiguration.resolve(SettingValues(file: "", text: nil, environment: [
            "ALERT_WEBHOOK_URLS": "http://127.0.0.1:9/a, https://hooks.example/b?token=x", "ALERT_DESTINATION_DOWN_AFTER": "30",
            "ALERT_DISK_MIN_FREE": "0", "DICOM_AE_TITLE": "NODE_B"]))
        #expect(on.alerts.webhooks.map(\.absoluteString) == ["http://127.0.0.1:9/a", "https://hooks.example/b?token=x"])
        #expect(on.alerts.enabled && on.alerts.destinationDownAfter == 30 && on.alerts.diskMinFree == 0 && on.alerts.node == "NODE_B")
    }
}

import Foundation
@testable import sendit
import Testing

/// ALERT_* settings as `NodeConfiguration.resolve` makes them.
@Suite struct AlertSettingsTests {
    @Test func theAlertsAreOffByDefaultAndOnWithAWebhook() throws {
        let defaults = try NodeConfiguration.resolve(SettingValues(file: "", text: nil, environment: [:]))
        #expect(!defaults.alerts.enabled && defaults.alerts.destinationDownAfter == 900 && defaults.alerts.diskMinFree == nil
                && defaults.alerts.refuseBelow == .automatic)
        let on = try NodeConfiguration.resolve(SettingValues(file: "", text: nil, environment: [
            "ALERT_WEBHOOK_URLS": "http://127.0.0.1:9/a, https://hooks.example/b?token=x", "ALERT_DESTINATION_DOWN_AFTER": "30",
            "ALERT_DISK_MIN_FREE": "0", "DISK_MIN_FREE": "2%", "DICOM_AE_TITLE": "NODE_B"]))
        #expect(on.alerts.webhooks.map(\.absoluteString) == ["http://127.0.0.1:9/a", "https://hooks.example/b?token=x"])
        #expect(on.alerts.enabled && on.alerts.destinationDownAfter == 30 && on.alerts.diskMinFree == .off
                && on.alerts.refuseBelow == .percent(2) && on.alerts.node == "NODE_B")
    }
}

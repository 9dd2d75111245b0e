import Foundation
import Pipeline
import SenditIndex
import Testing

/// The alerts' pure core: which conditions are alerted, once, and which clear; the bodies;
/// the backoff; the masking of anything like a UID.
@Suite struct AlertConditionsTests {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    var settings: AlertSettings {
        var s = AlertSettings()
        s.webhooks = [URL(string: "http://127.0.0.1:9/hook")!]
        s.destinationDownAfter = 900
        s.diskMinFree = .bytes(5_000_000_000)
        s.refuseBelow = .off
        s.seriesSettle = 60
        s.node = "NODE_A"
        return s
    }

    func series(_ id: Int64, failed: Int = 0, held: Int = 0, inFlight: Int = 0, since: TimeInterval = 0) -> AlertObservation.Series {
        AlertObservation.Series(id: id, modality: "CT", images: 10, failed: failed, held: held, inFlight: inFlight,
                                troubleSince: t0.addingTimeInterval(since))
    }

    func keys(_ d: AlertConditions.Decision) -> [String] { d.raise.map(\.key) }

    @Test func aSeriesIsAlertedOnceByItsDerivedStatusWhenSettled() {
        let o = AlertObservation(series: [series(1, failed: 2, held: 3), series(2, held: 4), series(3, failed: 1, inFlight: 5)])
        let d = AlertConditions.decide(o, disks: [], settings: settings, now: t0.addingTimeInterval(10))
        // FAILED wins over HELD; a series still in flight waits (its counts may grow).
        #expect(keys(d) == ["series-failed:1", "series-held:2"])
        #expect(d.clear.isEmpty)
        // Once its trouble is a minute old it is alerted, in flight or not.
        let later = AlertConditions.decide(o, disks: [], settings: settings, now: t0.addingTimeInterval(60))
        #expect(keys(later) == ["series-failed:1", "series-held:2", "series-failed:3"])
        // What is open is not alerted again; what no longer holds clears.
        var open = o
        open.open = ["series-failed:1", "series-held:2", "series-held:9", "restart-after-crash:4"]
        let again = AlertConditions.decide(open, disks: [], settings: settings, now: t0.addingTimeInterval(60))
        #expect(keys(again) == ["series-failed:3"])
        #expect(again.clear == ["series-held:9"], "a restart alert never clears; a series no longer HELD does")
    }

    @Test func aSeriesThatTurnsFromHeldToFailedIsANewCondition() {
        var o = AlertObservation(series: [series(5, failed: 1, held: 2)], open: ["series-held:5"])
        let d = AlertConditions.decide(o, disks: [], settings: settings, now: t0)
        #expect(keys(d) == ["series-failed:5"] && d.clear == ["series-held:5"])
        o.series = []
        o.open = ["series-failed:5"]
        #expect(AlertConditions.decide(o, disks: [], settings: settings, now: t0).clear == ["series-failed:5"])
    }

    @Test func aDestinationIsDownOnlyAfterItsTimeAndClearsWhenItWorksAgain() {
        let failing = AlertObservation.Destination(name: "orthanc", failingSince: t0, jobs: 3, lastError: "orthanc: connection refused")
        var o = AlertObservation(failingDestinations: [failing])
        #expect(keys(AlertConditions.decide(o, disks: [], settings: settings, now: t0.addingTimeInterval(899))).isEmpty)
        let d = AlertConditions.decide(o, disks: [], settings: settings, now: t0.addingTimeInterval(900))
        #expect(keys(d) == ["destination-down:orthanc"])
        // Failing but not yet for long: an open alert stays open.
        o.open = ["destination-down:orthanc"]
        #expect(AlertConditions.decide(o, disks: [], settings: settings, now: t0.addingTimeInterval(10)).clear.isEmpty)
        o.failingDestinations = []
        #expect(AlertConditions.decide(o, disks: [], settings: settings, now: t0).clear == ["destination-down:orthanc"])
    }

    /// A TLS failure (a certificate that does not verify) does not pass by waiting: alerted at
    /// once, saying so; the images wait (nothing goes in clear text).
    @Test func aDestinationFailingTLSIsDownAtOnce() throws {
        let tls = AlertObservation.Destination(name: "pacs", failingSince: t0, jobs: 1, lastError:
            "pacs: TLS: handshake failed: certificate verification failed: certificate has expired")
        let d = AlertConditions.decide(AlertObservation(failingDestinations: [tls]), disks: [], settings: settings, now: t0)
        #expect(keys(d) == ["destination-down:pacs"])
        let body = try AlertBody.decode(AlertConditions.alert(d.raise[0], settings: settings, now: t0).body("destination-down:pacs"))
        #expect(body.summary.contains("fails DICOM over TLS") && body.summary.contains("certificate has expired"), "\(body.summary)")
        #expect(!AlertConditions.isTLSFailure("pacs: connection refused"))
    }

    @Test func aRetrievalSourceFailingTLSIsAlertedAtOnceAndClearsWhenNothingWaits() throws {
        let source = AlertObservation.RetrievalSource(name: "pacs", failingSince: t0, waiting: 3, lastError:
            "pacs: TLS: handshake failed: certificate verification failed: unable to get local issuer certificate")
        let d = AlertConditions.decide(AlertObservation(retrievalSourcesFailingTLS: [source]), disks: [], settings: settings, now: t0)
        #expect(keys(d) == ["retrieval-source-tls:pacs"])
        let body = try AlertBody.decode(AlertConditions.alert(d.raise[0], settings: settings, now: t0.addingTimeInterval(90))
            .body("retrieval-source-tls:pacs"))
        #expect(body.kind == "retrieval-source-tls" && body.retrievalSource?.waiting == 3 && body.retrievalSource?.seconds == 90)
        #expect(body.summary.contains("retrieval source pacs fails DICOM over TLS") && body.summary.contains("local issuer"), "\(body.summary)")
        // Open and still failing: not alerted again; nothing waits any more: cleared.
        let open = AlertObservation(retrievalSourcesFailingTLS: [source], open: ["retrieval-source-tls:pacs"])
        #expect(AlertConditions.decide(open, disks: [], settings: settings, now: t0).raise.isEmpty)
        let cleared = AlertConditions.decide(AlertObservation(open: ["retrieval-source-tls:pacs"]), disks: [], settings: settings, now: t0)
        #expect(cleared.clear == ["retrieval-source-tls:pacs"])
    }

    @Test func foldersOnOneFileSystemMakeOneDiskConditionThatClearsTenPercentAbove() {
        let low: [AlertConditions.Disk] = [.init(name: "data", device: 7, available: 1_000_000_000, total: 100_000_000_000),
                                           .init(name: "outbox", device: 7, available: 1_000_000_000, total: 100_000_000_000),
                                           .init(name: "other", device: 8, available: 9_000_000_000, total: 100_000_000_000),
                                           .init(name: "missing", device: 0, available: nil, total: 0)]
        var o = AlertObservation()
        let d = AlertConditions.decide(o, disks: low, settings: settings, now: t0)
        #expect(d.raise == [.diskLow(folders: ["data", "outbox"], available: 1_000_000_000, minimum: 5_000_000_000)])
        #expect(keys(d) == ["disk-low:data+outbox"])
        o.open = ["disk-low:data+outbox"]
        let hovering = low.map { var x = $0; if x.device == 7 { x.available = 5_200_000_000 }; return x }
        #expect(AlertConditions.decide(o, disks: hovering, settings: settings, now: t0).clear.isEmpty)
        let freed = low.map { var x = $0; if x.device == 7 { x.available = 5_600_000_000 }; return x }
        #expect(AlertConditions.decide(o, disks: freed, settings: settings, now: t0).clear == ["disk-low:data+outbox"])
        var off = settings
        off.diskMinFree = nil
        #expect(AlertConditions.decide(AlertObservation(), disks: low, settings: off, now: t0).raise.isEmpty)
    }

    /// The node refuses images below DISK_MIN_FREE; the alert must come there too, even when
    /// ALERT_DISK_MIN_FREE asks for less (5 GB against 5 % of a 1 TB disk, 50 GB).
    @Test func aDiskIsAlertedWhereTheNodeRefusesEvenBelowTheAlertsOwnMinimum() {
        var s = settings
        s.refuseBelow = .automatic
        let disk = AlertConditions.Disk(name: "data", device: 7, available: 20_000_000_000, total: 1_000_000_000_000)
        let d = AlertConditions.decide(AlertObservation(), disks: [disk], settings: s, now: t0)
        #expect(d.raise == [.diskLow(folders: ["data"], available: 20_000_000_000, minimum: 50_000_000_000)])
        // Without ALERT_DISK_MIN_FREE, at DISK_MIN_FREE alone; an earlier warning when it asks for more.
        s.diskMinFree = nil
        #expect(s.alertBelow(totalBytes: 1_000_000_000_000) == 50_000_000_000)
        s.diskMinFree = .percent(10)
        #expect(s.alertBelow(totalBytes: 1_000_000_000_000) == 100_000_000_000)
        s.refuseBelow = .off
        s.diskMinFree = nil
        #expect(s.alertBelow(totalBytes: 1_000_000_000_000) == 0, "both off: no disk alert")
    }

    @Test func aBodyCarriesCountsAndMaskedReasonsNeverAUID() throws {
        let c = AlertConditions.Condition.seriesFailed(series(12, failed: 3))
        let reasons = [AlertObservation.Reason(reason: "orthanc refused it: 0x0122 SOP class not supported for 1.2.826.0.1.3680043.2.1125.1.77.", images: 3)]
        let alert = AlertConditions.alert(c, reasons: reasons, settings: settings, now: t0)
        #expect(alert.condition == "series-failed:12" && alert.kind == "series-failed")
        let text = alert.body("series-failed:12")
        #expect(!text.contains("1.2.826") && text.contains("<UID>."))
        let body = try AlertBody.decode(text)
        #expect(body.key == "series-failed:12" && body.node == "NODE_A" && body.at == t0 && body.kind == "series-failed")
        let s = try #require(body.series)
        #expect(s.id == 12 && s.modality == "CT" && s.images == 10 && s.failed == 3 && s.held == 0)
        #expect(body.summary.hasPrefix("series 12 (CT) is FAILED: 3 of 10 images FAILED; orthanc refused it"))
        let down = AlertConditions.alert(.destinationDown(.init(name: "pacs", failingSince: t0, jobs: 2, lastError: "pacs: refused")),
                                         settings: settings, now: t0.addingTimeInterval(3700))
        let d = try AlertBody.decode(down.body("destination-down:pacs#2"))
        #expect(d.key == "destination-down:pacs#2" && d.destination?.seconds == 3700 && d.destination?.jobs == 2)
        #expect(d.summary == "destination pacs has been unreachable for 1 h 1 min; 2 series wait: pacs: refused")
    }

    @Test func theCrashAlertNamesTheLastRunThatDidNotEndCleanly() throws {
        #expect(AlertConditions.crashAlert([], settings: settings, now: t0) == nil)
        let runs = [NodeRun(id: 3, startedAt: t0), NodeRun(id: 5, startedAt: t0.addingTimeInterval(60), ending: .failed)]
        let alert = try #require(AlertConditions.crashAlert(runs, settings: settings, now: t0.addingTimeInterval(120)))
        #expect(alert.condition == "restart-after-crash:5")
        let body = try AlertBody.decode(alert.body(alert.condition))
        let restart = try #require(body.restart)
        #expect(restart.runs == 2 && restart.lastStartedAt == t0.addingTimeInterval(60) && restart.ending == "a service failed")
    }

    @Test func masking() {
        #expect(AlertConditions.masked("to 10.0.0.2:104 failed") == "to 10.0.0.2:104 failed")
        #expect(AlertConditions.masked("image 1.2.3.4.5 refused") == "image <UID> refused")
        #expect(AlertConditions.masked("series 12345678901234567.890 x") == "series <UID> x")
        #expect(AlertConditions.masked("version 1.2, attempt 3 of 10") == "version 1.2, attempt 3 of 10")
        #expect(AlertConditions.masked("a\nb") == "a b")
        #expect(AlertConditions.masked(String(repeating: "x", count: 400)).count == 300)
    }

    @Test func aWebhookIsTriedAgainAfterFiveSecondsDoublingToFiveMinutes() {
        let delays = [1, 2, 3, 7, 8, 50].map { AlertConditions.nextAttempt(after: $0, now: t0).timeIntervalSince(t0) }
        #expect(delays == [5, 10, 20, 300, 300, 300])
    }
}

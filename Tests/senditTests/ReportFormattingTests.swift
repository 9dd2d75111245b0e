import Foundation
import SenditIndex
import Testing
@testable import sendit

/// `sendit report`'s tables and their renderings, and the other pure texts of the CLI: the
/// starting configuration file, `version`, the start-up summary.
@Suite struct ReportFormattingTests {
    static let day0 = Date(timeIntervalSince1970: 1_796_601_600)   // 2026-12-07T00:00:00Z

    @Test func theHoursAreSummedPerUTCDayWithEmptyDaysShown() throws {
        // (The rows as the index gives them; their type has no public initializer.)
        let rows = try JSONDecoder().decode([ActivityRow].self, from: Data("""
            [{"hour": "2026-12-07T05", "kind": "received", "images": 3, "bytes": 1500000000},
             {"hour": "2026-12-07T23", "kind": "received", "images": 2, "bytes": 500000000},
             {"hour": "2026-12-07T23", "kind": "delivered", "images": 5, "bytes": 900000000},
             {"hour": "2026-12-09T00", "kind": "held", "images": 1, "bytes": 0}]
            """.utf8))
        let now = Self.day0 + 2 * 86_400 + 3600
        let since = Report.start(days: 3, now: now)
        #expect(since == Self.day0)
        let days = Report.days(rows, since: since, now: now)
        #expect(days.map(\.day) == ["2026-12-07", "2026-12-08", "2026-12-09"])
        #expect(days[0].images[.received] == 5 && days[0].bytes[.received] == 2_000_000_000 && days[0].images[.delivered] == 5)
        #expect(days[1].images.isEmpty && days[2].images[.held] == 1)
        let report = Report(since: since, generatedAt: now, days: days, series: [], audit: [])
        #expect(report.render(.tsv, tables: [.days]) == """
            day\treceived_images\treceived_gb\tdeidentified_images\tdeidentified_gb\tdelivered_images\tdelivered_gb\tquarantined_images\tfailed_images\theld_images
            2026-12-07\t5\t2.000\t0\t0.000\t5\t0.900\t0\t0\t0
            2026-12-08\t0\t0.000\t0\t0.000\t0\t0.000\t0\t0\t0
            2026-12-09\t0\t0.000\t0\t0.000\t0\t0.000\t0\t0\t1

            """)
        #expect(Report.start(days: 1, now: now) == Self.day0 + 2 * 86_400, "one day: today from midnight UTC")
    }

    @Test func seriesTimesGiveDurationsAndEmptyCellsForWhatHasNotHappened() throws {
        let received = Self.day0 + 100
        let series = [
            SeriesTimes(seriesInstanceUID: "1.2.1", studyInstanceUID: "1.2", deidentifiedSeriesInstanceUID: "2.25.9", modality: "CT",
                        status: "CLEANED", images: 3, cleanedImages: 3, bytes: 3_000_000, deidentifiedBytes: 2_900_000,
                        destinations: "orthanc", receivedAt: received, deidentifiedAt: received + 1, deliveredAt: received + 4),
            SeriesTimes(seriesInstanceUID: "1.2.2", studyInstanceUID: "1.2", modality: nil, status: "HELD", images: 1, bytes: 10,
                        receivedAt: received),
        ]
        let report = Report(since: Self.day0, generatedAt: Self.day0 + 1000, days: [], series: series, audit: [])
        let lines = report.render(.csv, tables: [.series]).components(separatedBy: "\r\n")
        #expect(lines[0] == "series_uid,study_uid,deidentified_series_uid,modality,status,images,cleaned_images,received_gb,deidentified_gb,"
                + "destinations,received_at,deidentified_at,delivered_at,deidentify_seconds,deliver_seconds,total_seconds,project")
        #expect(lines[1] == "1.2.1,1.2,2.25.9,CT,CLEANED,3,3,0.003,0.003,orthanc,2026-12-07T00:01:40Z,2026-12-07T00:01:41Z,"
                + "2026-12-07T00:01:44Z,1.000,3.000,4.000,default")
        #expect(lines[2] == "1.2.2,1.2,,,HELD,1,0,0.000,0.000,,2026-12-07T00:01:40Z,,,,,,default")
        #expect(lines.count == 4 && lines[3].isEmpty)
    }

    /// Values with separators, quotes, line ends and control characters (an audit detail can hold
    /// anything a person typed) survive each format.
    @Test func awkwardValuesAreQuotedOrEscaped() throws {
        let awkward = "a,b \"q\"\tt\nn\r\u{1}"
        let table = ReportTable(name: "t", columns: ["x", "y"], rows: [[.text(awkward), .none], [.count(7), .number(0.5, digits: 3)]])
        #expect(table.csv == "x,y\r\n\"a,b \"\"q\"\"\tt\nn\r\u{1}\",\r\n7,0.500\r\n")
        #expect(table.tsv == "x\ty\na,b \"q\" t n \u{1}\t\n7\t0.500\n")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(table.json.utf8)) as? [[String: Any]])
        #expect(json[0]["x"] as? String == awkward && json[0]["y"] is NSNull)
        #expect(json[1]["x"] as? Int == 7 && json[1]["y"] as? Double == 0.5)
        #expect(ReportTable(name: "t", columns: ["x"], rows: []).json == "[]")
    }

    @Test func aTextASpreadsheetWouldTakeForAFormulaIsDefused() throws {
        let table = ReportTable(name: "audit", columns: ["target", "n"],
                                rows: [[.text("=HYPERLINK(\"http://evil/\",\"x\")"), .integer(-5)], [.text("@SUM(A1)"), .number(-1.5, digits: 1)],
                                       [.text("+1"), .integer(1)], [.text("-x"), .integer(2)], [.text("plain"), .integer(3)]])
        let csv = table.csv.split(separator: "\r\n").dropFirst().map(String.init)
        #expect(csv == ["\"'=HYPERLINK(\"\"http://evil/\"\",\"\"x\"\")\",-5", "'@SUM(A1),-1.5", "'+1,1", "'-x,2", "plain,3"])
        let tsv = table.tsv.split(separator: "\n").dropFirst().map(String.init)
        #expect(tsv.allSatisfy { !"=+-@".contains($0.first!) })
        #expect(table.json.contains("\"=HYPERLINK"))   // JSON is data, not a spreadsheet: kept as is
    }

    @Test func theJSONHasThePeriodAndEveryTable() throws {
        let entry = AuditEntry(id: 1, at: Self.day0 + 60, actor: "cli:ops", address: "-", action: .userAdded, target: "alice", detail: "admin")
        let report = Report(since: Self.day0, generatedAt: Self.day0 + 120, days: [Report.Day(day: "2026-12-07")], series: [],
                            audit: [entry])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.render(.json).utf8)) as? [String: Any])
        #expect(json["since"] as? String == "2026-12-07T00:00:00Z" && json["generated_at"] as? String == "2026-12-07T00:02:00Z")
        #expect((json["days"] as? [[String: Any]])?.first?["received_images"] as? Int == 0)
        #expect((json["series"] as? [Any])?.isEmpty == true)
        let audit = try #require((json["audit"] as? [[String: Any]])?.first)
        #expect(audit["action"] as? String == "user-added" && audit["actor"] as? String == "cli:ops" && audit["at"] as? String == "2026-12-07T00:01:00Z")
    }

    @Test func theStartingFileIsEverySettingCommentedOutAndValidUncommented() throws {
        let text = SettingsReference.startingFile
        for s in Setting.allCases { #expect(text.contains("\n#\(s.name)=\(s.defaultValue)\n"), "\(s.name)") }
        let asWritten = SettingValues(file: "sendit.conf", text: text, environment: [:])
        #expect(asWritten.problems.isEmpty)
        #expect(Setting.allCases.allSatisfy { asWritten[$0].source == .default })
        // Every line uncommented: the defaults, each now from the file, still a valid configuration.
        let uncommented = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in Setting.allCases.contains { line.hasPrefix("#\($0.name)=") } ? String(line.dropFirst()) : String(line) }
            .joined(separator: "\n")
        let values = SettingValues(file: "sendit.conf", text: uncommented, environment: [:])
        #expect(values.problems.isEmpty && Setting.allCases.allSatisfy { values[$0].source != .default })
        _ = try NodeConfiguration.resolve(values)
    }

    @Test func versionNamesTheBuildTheCompilerAndTheSchema() {
        let lines = VersionCommand.lines
        #expect(lines.count == 4 && lines[0] == "sendit \(VersionCommand.version)")
        #expect(lines[1].hasPrefix("build  ") && lines[1].count > "build  ".count)
        #expect(lines[2].hasPrefix("swift  6."))
        #expect(lines[3] == "schema \(IndexDatabase.schemaVersion)" && IndexDatabase.schemaVersion.hasPrefix("v"))
    }

    @Test func theStartupSummaryNamesPortsFoldersDestinationsAndNoSecret() throws {
        let values = SettingValues(file: "t.conf", text: """
            DATA_FOLDER=/srv/s/data
            DATABASE=/srv/s/sendit.db
            QUARANTINE_FOLDER=/srv/s/var/quarantine
            ORTHANC_PASSWORD=hunter2-secret
            LOCKDOWN_PASSWORDS=shared-password-1
            EXTRA_DESTINATIONS=peer=PEER@10.0.0.9:104 commitment
            RETRIEVE_SOURCES=pacs=PACS@10.0.0.7:104 get
            HTTP_PORT=8081
            WORKERS=3
            """, environment: [:])
        let node = try NodeConfiguration.resolve(values)
        let text = StartupSummary.lines(node, values: values, dicomPort: 11113).joined(separator: "\n")
        for part in ["SENDIT on 0.0.0.0:11113", "http://127.0.0.1:8081/ (login required)", "/srv/s/data", "/srv/s/sendit.db",
                     "/srv/s/var/quarantine", "/srv/s/var/outbox", "orthanc ORTHANC@127.0.0.1:4747 (verified through Orthanc's REST API)",
                     "peer PEER@10.0.0.9:104 (verified by Storage Commitment)", "local keyed pseudonymizer",
                     "burned-in rules built-in", "3 processing, 2 sending", "clean-up: immediately",
                     "retrieve from   pacs PACS@10.0.0.7:104 (C-GET)"] {
            #expect(text.contains(part), "\(part) in\n\(text)")
        }
        #expect(!text.contains("hunter2") && !text.contains("shared-password") && !text.contains("listening"))
    }
}

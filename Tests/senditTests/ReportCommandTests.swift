import DICOMCore
import DICOMFile
import Foundation
import SenditIndex
import Testing
import TestSupport

/// `sendit report`, `config init` and `version` through the real executable. The report comes
/// from a node (A) that received a study, de-identified it, delivered it to a second node (B)
/// and cleaned it up, and held an ultrasound image: its figures are checked against A's index,
/// against what B received, and its CSV and JSON are read by Python's csv and json modules.
@Suite struct ReportCommandTests {
    let root: String

    init() throws { root = try ExternalTools.temporaryDirectory("report").path }

    /// Values a report must never carry (none should reach the index either).
    static let planted = ["Planted^Patient", "PHI-PID-4711", "19450607", "ACC-PLANTED-99"]

    func config(_ name: String, _ extra: String) throws -> String {
        let dir = root + "/" + name
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        let path = dir + "/sendit.conf"
        try """
            DATA_FOLDER=\(dir)/data
            DATABASE=\(dir)/sendit.db
            QUARANTINE_FOLDER=\(dir)/var/quarantine
            OUTBOX_FOLDER=\(dir)/var/outbox
            SECRETS_FILE=\(dir)/var/secrets
            SEND_TO_ORTHANC=false
            HTTP_ENABLED=false
            STABLE_AGE=1
            RESCAN_INTERVAL=1
            CLEANUP_INTERVAL=1
            FSYNC=false
            \(extra)
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func image(_ folder: String, series: String, sop: String, us: Bool = false) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var ds = DataSet()
        ds.set(DataElement(tag: .sopClassUID, vr: .UI, string: (us ? UID.ultrasoundImageStorage : UID.ctImageStorage).rawValue))
        ds.set(DataElement(tag: .sopInstanceUID, vr: .UI, string: sop))
        ds.set(DataElement(tag: .studyInstanceUID, vr: .UI, string: "1.2.3"))
        ds.set(DataElement(tag: .seriesInstanceUID, vr: .UI, string: series))
        ds.set(DataElement(tag: .modality, vr: .CS, string: us ? "US" : "CT"))
        ds.set(DataElement(tag: .patientName, vr: .PN, string: Self.planted[0]))
        ds.set(DataElement(tag: .patientID, vr: .LO, string: Self.planted[1]))
        ds.set(DataElement(tag: .patientBirthDate, vr: .DA, string: Self.planted[2]))
        ds.set(DataElement(tag: .accessionNumber, vr: .SH, string: Self.planted[3]))
        try Part10Writer.write(Part10File(dataSet: ds, transferSyntax: .explicitVRLittleEndian), to: folder + "/\(sop).dcm")
    }

    func run(_ args: [String], config: String) throws -> DumpCommandTests.Run {
        try DumpCommandTests.run(DumpCommandTests.sendit, args + ["--config", config])
    }

    func statusJSON(_ config: String) throws -> [String: Any] {
        let r = try run(["status", "--json"], config: config)
        return (try? JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any]) ?? [:]
    }

    @Test func aNodesReportAgreesWithItsIndexAndWithTheNodeItDeliveredTo() throws {
        let b = try config("b", "DICOM_AE_TITLE=PEER")
        let nodeB = try RunningNode(config: b, logPath: root + "/b.log", arguments: ["--port", "0"])
        let port = try #require(nodeB.listeningPort(), "B did not listen: \(nodeB.log)")
        let a = try config("a", "EXTRA_DESTINATIONS=peer=PEER@127.0.0.1:\(port)\nRETENTION=0")
        #expect(try run(["user", "add", "alice", "--role", "operator"], config: a).status == 0)
        // A finished folder: three CT images (sent, then cleaned up) and an ultrasound image (HELD).
        for n in 1...3 { try image(root + "/a/data/study", series: "1.2.3.1", sop: "1.2.3.1.\(n)") }
        try image(root + "/a/data/study", series: "1.2.3.2", sop: "1.2.3.2.1", us: true)
        let nodeA = try RunningNode(config: a, logPath: root + "/a.log", arguments: ["--port", "0"])
        // A: the CT series delivered and cleaned up, the ultrasound image left HELD; B: three received.
        let settled = try RunningNode.wait(seconds: 120) {
            let sa = try statusJSON(a), sb = try statusJSON(b)
            return sa["series"] as? Int == 1 && (sa["imagesByStatus"] as? [String: Int]) == ["HELD": 1] && sb["images"] as? Int == 3
        }
        let seen = "A: \(try statusJSON(a)) \(nodeA.log.suffix(3000))\nB: \(try statusJSON(b))"
        #expect(settled, "\(seen)")
        // The start-up summary, once, on stderr.
        #expect(nodeA.log.components(separatedBy: " starting\n").count == 2)
        #expect(nodeA.log.contains("  destinations    peer PEER@127.0.0.1:\(port) (C-STORE answer final)"), "\(nodeA.log)")
        #expect(nodeA.log.contains("  web             off (HTTP_ENABLED=false)"))
        #expect(nodeA.stop() == 0 && nodeB.stop() == 0)

        // Every status shows the HELD series' reason, also when it is not among the newest.
        let status = try run(["status", "--limit", "1"], config: a)
        #expect(status.out.contains("HELD 1: ") && status.out.contains("1.2.3.2"), "\(status.out)")

        let json = try run(["report", "--format", "json", "--days", "2"], config: a)
        #expect(json.status == 0, "\(json.err)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        let days = try #require(report["days"] as? [[String: Any]])
        let series = try #require(report["series"] as? [[String: Any]])
        let audit = try #require(report["audit"] as? [[String: Any]])
        func total(_ rows: [[String: Any]], _ key: String) -> Int { rows.compactMap { $0[key] as? Int }.reduce(0, +) }
        #expect(days.count == 2)
        #expect(total(days, "received_images") == 4 && total(days, "deidentified_images") == 3 && total(days, "delivered_images") == 3
                && total(days, "held_images") == 1, "\(days)")

        // Against A's index: the same sums per kind, the same series, the same audit entries.
        let index = try IndexDatabase(path: root + "/a/sendit.db")
        let sinceText = try #require(report["since"] as? String)
        let since = try #require(ISO8601DateFormatter().date(from: sinceText))
        var perKind: [String: Int] = [:]
        for row in try index.activity(since: since) { perKind[row.kind.rawValue + "_images", default: 0] += row.images }
        for (key, n) in perKind { #expect(total(days, key) == n, "\(key)") }
        let times = try index.seriesTimes(since: since)
        #expect(series.count == times.count && series.count == 2)
        #expect(series.map { $0["series_uid"] as? String } == times.map(\.seriesInstanceUID))
        #expect(total(series, "images") == times.map(\.images).reduce(0, +))
        let ct = try #require(series.first { $0["series_uid"] as? String == "1.2.3.1" })
        #expect(ct["status"] as? String == "CLEANED" && ct["images"] as? Int == 3 && ct["cleaned_images"] as? Int == 3)
        #expect(ct["destinations"] as? String == "peer" && ct["delivered_at"] is String && ct["deidentified_at"] is String)
        #expect((ct["total_seconds"] as? Double ?? -1) >= 0 && (ct["deliver_seconds"] as? Double ?? -1) >= 0)
        let us = try #require(series.first { $0["series_uid"] as? String == "1.2.3.2" })
        #expect(us["status"] as? String == "HELD" && us["delivered_at"] is NSNull)
        #expect(audit.count == (try index.auditTrail(limit: 100, before: nil, since: since)).count)
        #expect(audit.contains { $0["action"] as? String == "user-added" && $0["target"] as? String == "alice" })

        // What A delivered is what B received.
        let fromB = try run(["report", "--format", "json", "--days", "2", "--table", "days"], config: b)
        let bDays = try #require((try JSONSerialization.jsonObject(with: Data(fromB.out.utf8)) as? [String: Any])?["days"] as? [[String: Any]])
        #expect(total(bDays, "received_images") == total(days, "delivered_images"))

        // CSV, TSV and JSON as Python's modules read them: the same tables, the same row counts.
        let csv = try run(["report", "--format", "csv", "--days", "2"], config: a)
        let tsv = try run(["report", "--format", "tsv", "--days", "2"], config: a)
        for (name, text) in [("report.csv", csv.out), ("report.tsv", tsv.out), ("report.json", json.out)] {
            try text.write(toFile: root + "/" + name, atomically: true, encoding: .utf8)
            for value in Self.planted { #expect(!text.contains(value), "\(name) holds \(value)") }
        }
        let counted = try ExternalTools.run(try ExternalTools.python(), ["-c", Self.readBack, root + "/report.csv", root + "/report.tsv",
                                                                         root + "/report.json"])
        let expected = "days=\(days.count) series=\(series.count) audit=\(audit.count)"
        #expect(counted == "csv \(expected)\ntsv \(expected)\njson \(expected)\n", "\(counted)")
    }

    /// Reads the CSV and TSV (tables separated by an empty row, every row as wide as its header)
    /// and the JSON, and prints each one's row count per table.
    static let readBack = """
        import csv, json, sys
        def tables(path, **dialect):
            with open(path, newline='') as f:
                rows = list(csv.reader(f, strict=True, **dialect))
            out, current = [], []
            for row in rows + [[]]:
                if row:
                    current.append(row)
                elif current:
                    out.append(current)
                    current = []
            assert [t[0][0] for t in out] == ['day', 'series_uid', 'at'], out
            for t in out:
                assert all(len(r) == len(t[0]) for r in t), t
            return 'days=%d series=%d audit=%d' % tuple(len(t) - 1 for t in out)
        print('csv', tables(sys.argv[1]))
        print('tsv', tables(sys.argv[2], delimiter='\\t', quoting=csv.QUOTE_NONE))
        with open(sys.argv[3]) as f:
            j = json.load(f)
        print('json', 'days=%d series=%d audit=%d' % (len(j['days']), len(j['series']), len(j['audit'])))
        """

    @Test func configInitWritesAValidCommentedFileAndKeepsAnExistingOne() throws {
        let path = root + "/new.conf"
        let first = try DumpCommandTests.run(DumpCommandTests.sendit, ["config", "init", path])
        #expect(first.status == 0 && first.out.contains("wrote \(path)"), "\(first.err)")
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("\n#DICOM_PORT=11112\n") && text.contains("# ORTHANC_PASSWORD: "))
        let check = try DumpCommandTests.run(DumpCommandTests.sendit, ["config", "check", "--config", path])
        #expect(check.status == 0, "\(check.out)")
        // An existing file is kept unless --force.
        try "DICOM_PORT=104\n".write(toFile: path, atomically: true, encoding: .utf8)
        let again = try DumpCommandTests.run(DumpCommandTests.sendit, ["config", "init", path])
        #expect(again.status == 1 && again.err.contains("exists; --force replaces it"))
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "DICOM_PORT=104\n")
        let forced = try DumpCommandTests.run(DumpCommandTests.sendit, ["config", "init", "--force", path])
        let replaced = try String(contentsOfFile: path, encoding: .utf8)
        #expect(forced.status == 0 && replaced == text)
        #expect(FileManager.default.enumerator(atPath: root)?.allObjects.compactMap { $0 as? String }.allSatisfy { !$0.contains(".tmp-") } == true)
        let out = try DumpCommandTests.run(DumpCommandTests.sendit, ["config", "init", "-"])
        #expect(out.status == 0 && out.out == text)
    }

    @Test func versionAndExitStatuses() throws {
        let version = try DumpCommandTests.run(DumpCommandTests.sendit, ["version"])
        let lines = version.out.split(separator: "\n").map(String.init)
        #expect(version.status == 0 && lines.count == 4, "\(version.out)")
        #expect(lines[0].hasPrefix("sendit ") && lines[2].hasPrefix("swift  6.") && lines[3].hasPrefix("schema v"))
        // The commit of this checkout (the tests run from one), or "unknown" without git.
        let head = try? ExternalTools.run("git", ["-C", ExternalTools.packageRoot.path, "rev-parse", "--short=12", "HEAD"])
        let build = String(lines[1].dropFirst("build  ".count))
        if let head = head?.trimmingCharacters(in: .whitespacesAndNewlines), !head.isEmpty {
            #expect(build == head || build == head + "-modified", "\(build) vs \(head)")
        } else {
            #expect(build == "unknown")
        }
        #expect(try DumpCommandTests.run(DumpCommandTests.sendit, ["--version"]).out == String(lines[0].dropFirst("sendit ".count)) + "\n")
        // Usage errors are 64; a report of an index that is not there is a failed command, 1.
        #expect(try DumpCommandTests.run(DumpCommandTests.sendit, ["report", "--days", "0"]).status == 64)
        #expect(try DumpCommandTests.run(DumpCommandTests.sendit, ["report", "--format", "xml"]).status == 64)
        #expect(try DumpCommandTests.run(DumpCommandTests.sendit, ["no-such-command"]).status == 64)
        let none = try DumpCommandTests.run(DumpCommandTests.sendit, ["report", "--config", try config("empty", "")])
        #expect(none.status == 1 && none.err.contains("no index at"))
    }
}

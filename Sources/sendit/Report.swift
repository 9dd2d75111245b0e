import Foundation
import SenditIndex

/// What `sendit report` gives (the seed's export_metrics and summary_metrics): per day, images
/// and GB received, de-identified and delivered; per series, when it was received,
/// de-identified and delivered and how long each step took; the audit trail. Made from what
/// the index holds, which is never an original patient name, ID, birth date or accession
/// number. Pure: the command reads the index, this shapes the tables.
struct Report: Equatable {
    /// One UTC day's sums of the activity table.
    struct Day: Equatable {
        var day: String
        var images: [Activity.Kind: Int] = [:]
        var bytes: [Activity.Kind: Int64] = [:]
    }

    var since: Date
    var generatedAt: Date
    var days: [Day]
    var series: [SeriesTimes]
    var audit: [AuditEntry]

    enum Table: String, CaseIterable {
        case days, series, audit
    }

    /// The first instant of the UTC day `days - 1` days before `now`: `--days N` covers N
    /// calendar days (UTC), today included.
    static func start(days: Int, now: Date) -> Date {
        let midnight = (now.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400
        return Date(timeIntervalSince1970: midnight - Double(max(days, 1) - 1) * 86_400)
    }

    /// The hourly rows summed per UTC day, one entry for every day from `since` to `now`
    /// (a day with nothing has zeros), oldest first.
    static func days(_ rows: [ActivityRow], since: Date, now: Date) -> [Day] {
        var out: [Day] = []
        var day = Date(timeIntervalSince1970: (since.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400)
        while day <= now {
            out.append(Day(day: String(Activity.hour(day).prefix(10))))
            day += 86_400
        }
        var index = Dictionary(uniqueKeysWithValues: out.enumerated().map { ($1.day, $0) })
        for row in rows {
            let key = String(row.hour.prefix(10))
            if index[key] == nil {   // outside the range asked for (a clock set back): shown, not dropped
                out.append(Day(day: key))
                index[key] = out.count - 1
            }
            out[index[key]!].images[row.kind, default: 0] += row.images
            out[index[key]!].bytes[row.kind, default: 0] += row.bytes
        }
        return out.sorted { $0.day < $1.day }
    }

    static func gigabytes(_ bytes: Int64?) -> ReportTable.Cell { .number(Double(bytes ?? 0) / 1e9, digits: 3) }

    func table(_ table: Table) -> ReportTable {
        switch table {
        case .days:
            return ReportTable(
                name: "days",
                columns: ["day", "received_images", "received_gb", "deidentified_images", "deidentified_gb", "delivered_images",
                          "delivered_gb", "quarantined_images", "failed_images", "held_images"],
                rows: days.map { d in
                    [.text(d.day), .count(d.images[.received] ?? 0), Self.gigabytes(d.bytes[.received]),
                     .count(d.images[.deidentified] ?? 0), Self.gigabytes(d.bytes[.deidentified]),
                     .count(d.images[.delivered] ?? 0), Self.gigabytes(d.bytes[.delivered]),
                     .count(d.images[.quarantined] ?? 0), .count(d.images[.failed] ?? 0), .count(d.images[.held] ?? 0)]
                })
        case .series:
            return ReportTable(
                name: "series",
                columns: ["series_uid", "study_uid", "deidentified_series_uid", "modality", "status", "images", "cleaned_images",
                          "received_gb", "deidentified_gb", "destinations", "received_at", "deidentified_at", "delivered_at",
                          "deidentify_seconds", "deliver_seconds", "total_seconds", "project"],
                rows: series.map { s in
                    [.text(s.seriesInstanceUID), .text(s.studyInstanceUID), .maybe(s.deidentifiedSeriesInstanceUID), .maybe(s.modality),
                     .text(s.status), .count(s.images), .count(s.cleanedImages), Self.gigabytes(s.bytes), Self.gigabytes(s.deidentifiedBytes),
                     .text(s.destinations), .at(s.receivedAt), .at(s.deidentifiedAt), .at(s.deliveredAt),
                     .seconds(from: s.receivedAt, to: s.deidentifiedAt), .seconds(from: s.deidentifiedAt, to: s.deliveredAt),
                     .seconds(from: s.receivedAt, to: s.deliveredAt), .text(s.project)]
                })
        case .audit:
            return ReportTable(
                name: "audit", columns: ["at", "actor", "address", "action", "target", "detail"],
                rows: audit.map { [.at($0.at), .text($0.actor), .text($0.address), .text($0.action.rawValue), .text($0.target), .text($0.detail)] })
        }
    }

    enum Format: String, CaseIterable {
        case tsv, csv, json
    }

    /// The tables asked for: in TSV and CSV each with its header row, separated by an empty line;
    /// in JSON one object with the period and an array per table.
    func render(_ format: Format, tables: [Table] = Table.allCases) -> String {
        let chosen = tables.map { table($0) }
        switch format {
        case .tsv: return chosen.map(\.tsv).joined(separator: "\n")
        case .csv: return chosen.map(\.csv).joined(separator: "\r\n")
        case .json:
            let head = ["\"since\": \(ReportTable.jsonString(ReportTable.timestamp(since)))",
                        "\"generated_at\": \(ReportTable.jsonString(ReportTable.timestamp(generatedAt)))"]
            return "{\n  " + (head + chosen.map { "\(ReportTable.jsonString($0.name)): \($0.json)" }).joined(separator: ",\n  ") + "\n}\n"
        }
    }
}

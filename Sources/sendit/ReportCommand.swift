import ArgumentParser
import Foundation
import SenditIndex

extension Report.Format: ExpressibleByArgument {}
extension Report.Table: ExpressibleByArgument {}

/// `sendit report`: the per-day figures, the series' times and the audit trail, from the index.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Print per-day volumes, each series' times and the audit trail, as TSV, CSV or JSON.",
        discussion: """
            Three tables, for the last --days calendar days (UTC, today included):
            days: per day, images and GB (10^9 bytes) received, de-identified and delivered, and
            images quarantined, failed and held (from the activity the index counts per hour,
            which outlives clean-up); series: each series received in the period, still in the
            index or cleaned up since, with its status, images, destinations, when it was
            received, de-identified (its last image) and delivered (its last image verified at
            its last destination; empty until every image is DONE), the seconds between, and its
            project (--project keeps one project's series);
            audit: every login, failed login, logout, retry, release, drop, force-complete, user
            and token change, oldest first. TSV and CSV print each table with a header row, the
            tables separated by an empty line (--table picks one or more); CSV quotes as RFC
            4180 says. Nothing in it is an original patient name, ID, birth date or accession
            number. Reads DATABASE only; it works while `sendit serve` runs.
            """)

    @OptionGroup var configurationOptions: ConfigurationOptions

    @Option(name: .long, help: "Calendar days (UTC) to cover, today included.")
    var days = 7

    @Option(name: .long, help: "tsv, csv or json.")
    var format: Report.Format = .tsv

    @Option(name: .customLong("table"), help: "days, series or audit; repeat for several (default: all three).")
    var tables: [Report.Table] = []

    @Option(name: .long, help: "Only this project's series in the series table (its last column is each series' project).")
    var project: String?

    func validate() throws {
        guard (1...36_500).contains(days) else { throw ValidationError("--days must be from 1 to 36500") }
    }

    func run() throws {
        let database = try PipelineWiring(try configurationOptions.resolve(), existing: true).database
        let now = Date()
        let since = Report.start(days: days, now: now)
        let report = Report(since: since, generatedAt: now,
                            days: Report.days(try database.activity(since: since), since: since, now: now),
                            series: try database.seriesTimes(since: since).filter { project == nil || $0.project == project },
                            audit: try Self.auditTrail(database, since: since))
        print(report.render(format, tables: tables.isEmpty ? Report.Table.allCases : tables), terminator: "")
    }

    /// Every audit entry since `since`, oldest first (read a page at a time).
    static func auditTrail(_ access: any AccessStore, since: Date) throws -> [AuditEntry] {
        var entries: [AuditEntry] = [], before: Int64? = nil
        while true {
            let page = try access.auditTrail(limit: 1000, before: before, since: since)
            entries += page
            guard let last = page.last?.id else { break }
            before = last
        }
        return entries.reversed()
    }
}

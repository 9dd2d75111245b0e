#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import Pipeline
import SenditIndex

struct RetrieveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrieve",
        abstract: "Retrieve studies from an archive by a list of accession numbers, patient IDs or study UIDs.",
        discussion: """
            Writes a retrieval job into the index; a running `sendit serve` (with
            RETRIEVE_SOURCES) carries it out: for each value a C-FIND (Study Root, STUDY
            level, with --dates), then each study found is moved to DICOM_AE_TITLE (C-MOVE)
            or fetched (C-GET), throttled by RETRIEVE_MAX_ACTIVE and RETRIEVE_WINDOW. What
            arrives goes to the job's --project. The list is CSV with a header row (a
            column named accession, patient_id or study_uid, and optionally research_id) or
            one value per line.

            --wait shows the progress until the job is done; --summary writes one row per
            value with its outcome (not found, retrieved, partly retrieved with the counts,
            failed with the status and its meaning), mode 0600: it holds the list's values.
            --status [JOB] shows the jobs (or one); --pause and --resume hold a job or let
            it go on (a study already moving finishes).
            """)

    @OptionGroup var configurationOptions: ConfigurationOptions

    @Option(name: .long, help: "The archive: a name of RETRIEVE_SOURCES.") var from: String?
    @Option(name: .long, help: "The project the studies go to (one of PROJECTS_FILE's; default without it).") var project = "default"
    @Option(name: .long, help: "A file of accession numbers.") var accessions: String?
    @Option(name: .customLong("patient-ids"), help: "A file of patient IDs.") var patientIDs: String?
    @Option(name: .customLong("study-uids"), help: "A file of Study Instance UIDs.") var studyUIDs: String?
    @Option(name: .long, help: "Study dates: YYYYMMDD, YYYYMMDD-YYYYMMDD, YYYYMMDD- or -YYYYMMDD.") var dates: String?
    @Flag(name: .long, help: "Show the progress until the job is done.") var wait = false
    @Option(name: .long, help: "Write the outcome per value to this CSV file (mode 0600).") var summary: String?
    @Flag(name: .long, help: "Show the retrieval jobs (or the one given).") var status = false
    @Option(name: .long, help: "Pause this job.") var pause: Int64?
    @Option(name: .long, help: "Resume this job.") var resume: Int64?
    @Argument(help: "With --status: a job id.") var job: Int64?

    func validate() throws {
        let files = [accessions, patientIDs, studyUIDs].compactMap { $0 }
        let modes = (files.isEmpty ? 0 : 1) + (status ? 1 : 0) + (pause != nil ? 1 : 0) + (resume != nil ? 1 : 0)
        guard modes == 1 else {
            throw ValidationError("give one of a list (--accessions, --patient-ids, --study-uids), --status, --pause JOB, --resume JOB")
        }
        if !files.isEmpty {
            guard files.count == 1 else { throw ValidationError("give one list: --accessions, --patient-ids or --study-uids") }
            guard from != nil else { throw ValidationError("--from NAME names the archive (RETRIEVE_SOURCES)") }
            if let dates, !Self.isDateRange(dates) { throw ValidationError("--dates must be YYYYMMDD, YYYYMMDD-YYYYMMDD, YYYYMMDD- or -YYYYMMDD") }
            if summary != nil && !wait { throw ValidationError("--summary needs --wait (or use --status JOB --summary FILE)") }
        }
        if job != nil && !status { throw ValidationError("a job id goes with --status") }
        if summary != nil && status && job == nil { throw ValidationError("--status --summary needs a job id") }
    }

    /// A DICOM date range (PS3.4 C.2.2.2.5) of whole dates.
    static func isDateRange(_ text: String) -> Bool { RetrievalList.isDateRange(text) }

    func run() throws {
        let node = try configurationOptions.resolve()
        let pipeline = try PipelineWiring(node, existing: status || pause != nil || resume != nil)
        let store: any RetrievalStore = pipeline.database
        if let id = pause ?? resume {
            guard try store.setRetrievalPaused(jobId: id, paused: pause != nil, now: Date()) else { throw ValidationError("no retrieval job \(id)") }
            print("job \(id) \(pause != nil ? "paused" : "resumed")")
            return
        }
        if status {
            try showStatus(store)
            return
        }
        let (kind, path) = [(RetrievalList.Kind.accession, accessions), (.patientID, patientIDs), (.studyUID, studyUIDs)]
            .first { $0.1 != nil }.map { ($0.0, $0.1!) }!
        let list: RetrievalList
        do {
            list = try RetrievalList.parse(try String(contentsOfFile: path, encoding: .utf8), kind: kind)
        } catch let e as RetrievalList.Invalid {
            throw ValidationError("\(path): \(e)")
        }
        guard let source = node.retrieval.settings.sources.first(where: { $0.name == from }) else {
            let names = node.retrieval.settings.sources.map(\.name)
            throw ValidationError("no archive \(from ?? "") in RETRIEVE_SOURCES" + (names.isEmpty ? " (it is empty)" : " (\(names.joined(separator: ", ")))"))
        }
        let projects = node.projects.isEmpty ? [ImportedImage.defaultProject] : node.projects.map(\.name)
        guard projects.contains(project) else {
            throw ValidationError("no project \(project) on this node (\(projects.joined(separator: ", ")); PROJECTS_FILE)")
        }
        let requester = "cli:" + (ProcessInfo.processInfo.environment["USER"] ?? "\(getuid())")
        let id = try store.createRetrieval(RetrievalJob(source: source.name, project: project, method: source.method, createdAt: Date(),
                                                        requester: requester),
                                           list: list, dates: dates, now: Date())
        print("job \(id): \(list.entries.count) \(kind.rawValue) value\(list.entries.count == 1 ? "" : "s") from \(source.name) into project \(project)")
        if wait { try waitFor(id, store) }
    }

    func showStatus(_ store: any RetrievalStore) throws {
        let jobs = try job.map { id in try store.retrievalJob(id: id).map { [$0] } ?? [] } ?? store.retrievalJobs(limit: 50)
        if let id = job, jobs.isEmpty { throw ValidationError("no retrieval job \(id)") }
        if jobs.isEmpty { print("no retrieval job") }
        for p in jobs {
            print("\(RetrievalProgressText.line(p, elapsed: 0, bar: false)) from \(p.job.source) into \(p.job.project) (\(p.job.method.rawValue)): "
                  + RetrievalProgressText.outcomes(p))
        }
        if let id = job, let summary {
            try RetrievalSummary.write(RetrievalSummary.csv(try store.retrievalItems(jobId: id)), to: summary)
            print("summary written to \(summary)")
        }
    }

    func waitFor(_ id: Int64, _ store: any RetrievalStore) throws {
        let tty = isatty(1) == 1
        let start = Date()
        var last = ""
        while true {
            guard let p = try store.retrievalJob(id: id) else { throw ValidationError("the job \(id) is gone") }
            let line = RetrievalProgressText.line(p, elapsed: Date().timeIntervalSince(start), bar: tty)
            if tty {
                print("\r" + line, terminator: "")
                fflush(nil)
            } else if line.replacingOccurrences(of: #" \([0-9.]+/s\)"#, with: "", options: .regularExpression)
                        != last.replacingOccurrences(of: #" \([0-9.]+/s\)"#, with: "", options: .regularExpression) {
                print(line)
                fflush(nil)
            }
            last = line
            if p.isFinished {
                if tty { print("") }
                print("job \(id) done: " + RetrievalProgressText.outcomes(p))
                break
            }
            Thread.sleep(forTimeInterval: tty ? 0.5 : 2)
        }
        if let summary {
            try RetrievalSummary.write(RetrievalSummary.csv(try store.retrievalItems(jobId: id)), to: summary)
            print("summary written to \(summary)")
        }
    }
}

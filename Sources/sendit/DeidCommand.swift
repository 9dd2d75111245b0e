import ArgumentParser
import DICOMFile
import Deidentify
import Dispatch
import Foundation
import Pipeline
import Synchronization
import SenditIntake

struct DeidCommand: ParsableCommand, ManyPathsCommand {
    static let configuration = CommandConfiguration(
        commandName: "deid",
        abstract: "De-identify files or folders with the node's engine, for a person to inspect.",
        discussion: """
            sendit deid [--options LIST] [--recipe FILE] IN... OUT
            sendit deid --explain [--options LIST] [--recipe FILE] FILE...
            Runs what `sendit serve` runs on each file: identifiers (the keyed local
            pseudonymizer with the SECRETS_FILE key, or the identifiers service when
            DEIDENTIFY_RESTFUL is on), the PS3.15 profile with DEID_OPTIONS, the recipe
            (STUDY_DEID), the burned-in rules, the PHI gate. Each copy that passes is written to
            OUT/<new SeriesInstanceUID>/<new SOPInstanceUID>.dcm in its own transfer syntax.
            Folders are read recursively. One line per file: the copy, HELD with the rule, or
            FAILED with the reason; then a summary. Exit status 0 if every file was written or
            held, 1 if any failed. Files are done WORKERS at a time (one per usable core), so the
            lines come in the order files finish.
            With --explain, nothing is kept: each file's attributes are listed with the action
            taken, the rule that decided it (Table E.1-1 row and column, option, IOD type,
            reviewed allowlist, recipe line, cleaning pattern) and the outcome, values masked;
            then the counts and whether the copy passed the PHI gate.
            Options: \(ProfileOption.allCases.map(\.settingName).joined(separator: ", ")); "none" for
            the Basic Profile alone.
            """)

    @OptionGroup var configurationOptions: ConfigurationOptions

    @Option(name: .long, help: "Profile options, comma-separated (overrides DEID_OPTIONS).")
    var options: String?

    @Option(name: .long, help: "Recipe file (overrides STUDY_DEID).")
    var recipe: String?

    @Option(name: .long, help: "Output folder (else the last path).")
    var output: String?

    @Flag(name: .customLong("include-held"), help: "De-identify images the burned-in rules would hold, too.")
    var includeHeld = false

    @Flag(name: .long, help: "Explain each attribute's action and reason (values masked); keep no copy.")
    var explain = false

    @Argument(help: "Input files or folders, then the output folder (unless --output).")
    var paths: [String] = []

    static let optionsTakingValues: Set<String> = ["--options", "--recipe", "--output", "--config"]

    func run() throws {
        var inputs = paths
        let out: String
        var temporary: String? = nil
        if explain {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sendit-explain-\(UUID().uuidString)").path
            temporary = folder
            out = folder
        } else if let output {
            out = output
        } else {
            guard inputs.count >= 2 else { throw ValidationError("expected IN... OUT (or --output OUT)") }
            out = inputs.removeLast()
        }
        guard !inputs.isEmpty else { throw ValidationError("no input") }
        let node = try configurationOptions.resolve([.init(.deidOptions, "--options", options), .init(.studyDeid, "--recipe", recipe)])
        let pipeline = node.pipeline
        let (provider, engine, _) = try PipelineWiring.deidentification(node)
        let rules = node.burnedInRules
        let fields = node.identifierFields
        let copies = CopyMaker(engine: engine, outbox: try Outbox(folder: PipelineConfiguration.absolute(out), sync: false), rules: rules)
        // Only an empty .incoming goes: OUT may be a live outbox with copies in progress.
        defer {
            rmdir(copies.outbox.folder + "/.incoming")
            if let temporary { try? FileManager.default.removeItem(atPath: temporary) }
        }
        // Files are independent, done WORKERS at a time. A study's identifiers are asked for
        // once, under a lock.
        let (list, problems) = DeidCommand.files(inputs)
        let identifiersLock = NSLock()
        let state = Mutex(State())
        for problem in problems {
            print("\(problem): FAILED")
            state.withLock { $0.counts[.failed, default: 0] += 1 }
        }
        try ParallelWork.forEach(list.count, workers: pipeline.workers) { i in
            let file = list[i]
            let line: String
            var outcome = Outcome.failed
            do {
                let made = try copies.make(file, applyRules: !includeHeld, explain: explain) { dataSet in
                    // Per study and patient: two patients under one StudyInstanceUID stay two.
                    let request = IdentifiersRequest(dataSet: dataSet, fields: fields)
                    let study = (dataSet.string(.studyInstanceUID) ?? "") + "\u{0}" + request.originalPatientKey
                    return try identifiersLock.withLock {
                        if let known = state.withLock({ $0.identifiersByStudy[study] }) { return known }
                        let fresh = try provider.identifiers(for: request)
                        state.withLock { $0.identifiersByStudy[study] = fresh }
                        return fresh
                    }
                }
                switch made {
                case .placed(let copy, let placed):
                    if explain {
                        line = DeidCommand.explanation(file, copy.report)
                    } else {
                        line = "\(file) -> \(placed.path)"
                    }
                    outcome = .written
                case .held(let rule):
                    line = "\(file): HELD by burned-in rule \(rule)"
                    outcome = .held
                case .dropped(let rule):
                    line = "\(file): DROPPED by rule \(rule)"
                    outcome = .held
                case .refused(let reason, _):
                    line = "\(file): FAILED: \(reason)"
                }
            } catch {
                line = "\(file): FAILED: \(error)"
            }
            state.withLock { s in
                s.counts[outcome, default: 0] += 1
                print(line)
            }
        }
        let counts = state.withLock { $0.counts }
        print("\(counts[.written] ?? 0) written, \(counts[.held] ?? 0) held, \(counts[.failed] ?? 0) failed")
        if (counts[.failed] ?? 0) > 0 { throw ExitCode(1) }
    }

    enum Outcome: Hashable { case written, held, failed }

    /// One file's explanation: every action with its reason, the counts, the gate's verdict.
    static func explanation(_ file: String, _ report: DeidentificationReport) -> String {
        var lines = ["== \(file)"]
        lines += (report.explanation ?? []).map { "  " + $0.description }
        lines.append("  counts: \(report.countsText)")
        lines.append("  PHI gate: passed")
        return lines.joined(separator: "\n")
    }

    struct State {
        var counts: [Outcome: Int] = [:]
        var identifiersByStudy: [String: IdentifiersResponse] = [:]
    }

    /// Files under the paths, recursively (Pipeline's FolderWalk: hidden entries skipped, links
    /// not followed), in name order; what cannot be read is listed too and reported as failed.
    static func files(_ paths: [String]) -> (files: [String], problems: [String]) {
        var out: [String] = [], problems: [String] = []
        for path in paths {
            guard FileIdentity(path: path)?.isDirectory == true else {
                out.append(path)   // a file, or reported as unreadable
                continue
            }
            let walk = FolderWalk(path)
            out += walk.paths + walk.others
            problems += walk.problems
        }
        return (out, problems)
    }
}

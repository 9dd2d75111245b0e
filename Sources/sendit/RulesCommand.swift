import ArgumentParser
import DICOMFile
import DICOMNetwork
import Deidentify
import Foundation
import Pipeline
import SenditIntake

/// `sendit rules test FILE...`: where each file would go, as mercure's rule tester shows it.
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Test the routing rules of PROJECTS_FILE on files.",
        subcommands: [Test.self])

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test",
            abstract: "Show, for each file, the rule and project it would go to and what that project would do.",
            discussion: """
                Each file is routed as the listener routes an instance arriving on an association
                with the given AE titles and address (the file's data set decides the conditions).
                One block per file: the rule that matched (or why nothing did), the project, its
                de-identification options, recipe and identifiers source, the burned-in rules'
                verdict, its destinations and retention; with --explain, the counts of what its
                engine does to the file (keyed local pseudonymizer only: an identifiers service
                is not asked by a test). Nothing is stored or sent. Exit status 0 if every file
                was routed to a project, 1 if any would be refused or quarantined, 2 for an
                unreadable file or configuration.
                """)

        @OptionGroup var configurationOptions: ConfigurationOptions
        @Option(name: .customLong("called-aet"), help: "Called AE title of the association (default: DICOM_AE_TITLE).")
        var calledAET: String?
        @Option(name: .customLong("calling-aet"), help: "Calling AE title of the association.") var callingAET = "STORESCU"
        @Option(name: .long, help: "The peer's IP address.") var peer = "127.0.0.1"
        @Flag(name: .long, help: "Also run the project's de-identification on each file and count its actions.") var explain = false
        @Argument(help: "DICOM files.") var files: [String] = []

        func run() throws {
            guard !files.isEmpty else { throw ValidationError("no file") }
            let node = try configurationOptions.resolve()
            guard let routing = node.routing else {
                print("no PROJECTS_FILE: every file goes to the one project, default")
                return
            }
            let from = AssociationPeer(calledAETitle: calledAET ?? node.server.aeTitle, callingAETitle: callingAET, address: peer)
            var unrouted = 0, unreadable = 0
            for path in files {
                let file: Part10File
                do { file = try Part10File.read(path: path) } catch {
                    print("\(path): cannot be read: \(error)")
                    unreadable += 1
                    continue
                }
                if let refusal = routing.associationRefusal(from) {
                    print("\(path): REFUSED at association time: no rule takes \(refusal)")
                    unrouted += 1
                    continue
                }
                guard let i = routing.matchingRule(file.dataSet, from: from) else {
                    print("\(path): \(routing.unmatched == .refuse ? "REFUSED (C-STORE failure 0124)" : "QUARANTINED"): no routing rule matches")
                    unrouted += 1
                    continue
                }
                let rule = routing.rules[i]
                guard let project = node.projects.first(where: { $0.name == rule.project }) else { continue }
                print(Test.describe(path, rule: rule, project: project, file: file))
                if explain { print(try Test.counts(file, project: project)) }
            }
            if unreadable > 0 { throw ExitCode(2) }
            if unrouted > 0 { throw ExitCode(1) }
        }

        static func describe(_ path: String, rule: RoutingRule, project: NodeProject, file: Part10File) -> String {
            let c = project.configuration
            let options = c.deidentification.profile.options.map(\.settingName).sorted().joined(separator: ",")
            let identifiers = c.identifiersURL.map { "the identifiers service at " + ($0.host ?? "") } ?? "keyed local pseudonymizer (the project's key)"
            let verdict = c.burnedInRules.decision(for: file.dataSet)
            let burnedIn = verdict.verdict == .hold ? "HELD by " + (verdict.rule ?? "") : "allowed" + (verdict.rule.map { " by " + $0 } ?? "")
            let destinations = project.destinations.map(\.name).joined(separator: ", ")
            let drop = project.drop.first { $0.conditions.allSatisfy { $0.matches(file.dataSet) } }
            var lists: [String] = []
            if let table = project.lookup {
                let listed = IdentifiersRequest(dataSet: file.dataSet, fields: c.identifierFields).identifiers.first.map { table.patients[$0.id] != nil } ?? false
                lists.append("lookup table: the patient is \(listed ? "listed" : project.refuseUnlisted ? "not listed (refused)" : "not listed (pseudonymized)")")
            }
            if !project.withdrawn.isEmpty {
                let out = IdentifiersRequest(dataSet: file.dataSet, fields: c.identifierFields).identifiers.first.map { project.withdrawn.contains($0.id) } ?? false
                lists.append("withdrawal list: \(out ? "ON IT (refused)" : "not on it")")
            }
            return """
                \(path): rule "\(rule.name)" -> project \(project.name)
                  de-identification: options \(options.isEmpty ? "none (Basic Profile)" : options); recipe \(c.deidentification.recipe == nil ? "none" : "yes"); identifiers from the \(identifiers)
                  burned-in rules: \(burnedIn)\(drop.map { "\n  DROPPED by the project's rule " + $0.name + ": not de-identified, not sent" } ?? "")\(lists.map { "\n  " + $0 }.joined())
                  destinations: \(destinations.isEmpty ? "none" : destinations); retention \(c.retention)
                """
        }

        /// What the project's engine does to the file (counts per kind of action), with its own key.
        static func counts(_ file: Part10File, project: NodeProject) throws -> String {
            guard project.configuration.identifiersURL == nil else { return "  actions: not counted (identifiers come from a service)" }
            let (provider, engine, _) = try PipelineWiring.deidentification(project.configuration, project: project)
            let identifiers = try provider.identifiers(for: IdentifiersRequest(dataSet: file.dataSet, fields: project.configuration.identifierFields))
            let output = try engine.deidentify(file, identifiers: identifiers)
            return "  actions: \(output.report.countsText)"
        }
    }
}

import ArgumentParser
import CSenditSystem
import Deidentify
import Foundation
import Pipeline
import SenditIndex

/// `sendit lookup import|export`: a project's lookup table (the link between original and
/// research IDs) in or out, as an admin does it: checked before it replaces anything, written
/// only to files of mode 0600, each recorded in the audit trail (the project and the number of
/// patients, never an ID). The table is the requester's own data: nothing prints its values.
struct LookupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lookup",
        abstract: "Import or export a project's lookup table (original to research IDs).",
        subcommands: [Import.self, Export.self])

    static func project(_ node: NodeConfiguration, _ name: String) throws -> NodeProject {
        guard let p = node.projects.first(where: { $0.name == name }) else {
            throw ValidationError("no project \(name) in PROJECTS_FILE")
        }
        return p
    }

    /// Writes `text` to `path` with mode 0600: a new file (never following or replacing one) when
    /// `replace` is false; else through a new file renamed over the old one.
    static func writePrivate(_ text: String, to path: String, replace: Bool) throws {
        let target = replace ? path + ".new-\(getpid())" : path
        let fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ValidationError("cannot create \(target): \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced else {
            unlink(target)
            throw ValidationError("cannot write \(target)")
        }
        if replace && rename(target, path) != 0 {
            unlink(target)
            throw ValidationError("cannot replace \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func audit(_ node: NodeConfiguration, _ action: AuditEntry.Action, project: String, detail: String) throws {
        let database = try PipelineWiring(node, existing: false).database
        try database.recordAudit(AuditEntry(at: Date(), actor: UserCommand.actor(), address: "-", action: action, target: project,
                                            detail: detail))
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Check a CSV lookup table and make it the project's (its lookup_table file, mode 0600).",
            discussion: "The running node reads it at its next start.")
        @OptionGroup var configurationOptions: ConfigurationOptions
        @Option(name: .long, help: "The project.") var project: String
        @Argument(help: "The CSV file (PatientID,ResearchID[,AccessionNumber,ResearchAccessionNumber][,DateOffset]).") var file: String

        func run() throws {
            // The configuration reads the table it replaces: a first table, or one that does not
            // parse, leaves it unresolvable; the path then comes from PROJECTS_FILE itself.
            let node = try? configurationOptions.resolve()
            let path: String
            if let node {
                guard let p = node.projects.first(where: { $0.name == project }) else { throw ValidationError("no project \(project) in PROJECTS_FILE") }
                guard let own = p.lookupPath else { throw ValidationError("project \(project) names no lookup_table file in PROJECTS_FILE") }
                path = own
            } else {
                path = try Import.tablePath(configurationOptions.values()[.projectsFile].text, project: project)
            }
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch { throw ValidationError("cannot read \(file)") }
            let table: LookupTable
            do { table = try LookupTable.parse(text) } catch { throw ValidationError("\(file): \(error)") }
            try LookupCommand.writePrivate(text, to: path, replace: true)
            // Now the configuration resolves (unless something else is wrong): the audit entry.
            try LookupCommand.audit(try node ?? configurationOptions.resolve(), .lookupImported, project: project,
                                    detail: "\(table.patients.count) patients")
            print("project \(project): lookup table of \(table.patients.count) patients and \(table.accessions.count) accession numbers written to \(path) (mode 0600); `systemctl reload sendit` (SIGHUP) puts it in force")
        }

        /// The project's lookup_table path as PROJECTS_FILE names it (relative to that file).
        static func tablePath(_ projectsFile: String, project: String) throws -> String {
            guard !projectsFile.isEmpty else { throw ValidationError("PROJECTS_FILE is not set") }
            let file = PipelineConfiguration.absolute(projectsFile)
            guard let data = FileManager.default.contents(atPath: file),
                  let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let projects = root["projects"] as? [String: Any], let body = projects[project] as? [String: Any] else {
                throw ValidationError("no project \(project) in \(file)")
            }
            guard let path = body["lookup_table"] as? String, !path.isEmpty else {
                throw ValidationError("project \(project) names no lookup_table file in \(file)")
            }
            return path.hasPrefix("/") ? path : (file as NSString).deletingLastPathComponent + "/" + path
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Write the project's lookup table to a new file of mode 0600.")
        @OptionGroup var configurationOptions: ConfigurationOptions
        @Option(name: .long, help: "The project.") var project: String
        @Argument(help: "The file to create (it must not exist).") var out: String

        func run() throws {
            let node = try configurationOptions.resolve()
            let p = try LookupCommand.project(node, project)
            guard let table = p.lookup else { throw ValidationError("project \(project) has no lookup table") }
            try LookupCommand.writePrivate(table.csv(), to: out, replace: false)
            try LookupCommand.audit(node, .lookupExported, project: project, detail: "\(table.patients.count) patients")
            print("project \(project): lookup table of \(table.patients.count) patients written to \(out) (mode 0600)")
        }
    }
}

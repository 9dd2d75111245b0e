import Deidentify
import Foundation
import Pipeline
import SenditIntake

/// One project of the node: its name, its settings resolved (the node's with its own on top)
/// and the destinations it delivers to.
struct NodeProject {
    let name: String
    let configuration: NodeConfiguration
    let destinations: [DeliveryDestination]
    /// Its drop rules, lookup table (and what becomes of unlisted patients) and withdrawal list.
    var drop: [CopyMaker.Drop] = []
    var lookup: LookupTable?
    /// Where the lookup table is read from (absolute; nil: none configured).
    var lookupPath: String?
    var refuseUnlisted = false
    var withdrawn: Set<String> = []
}

extension NodeConfiguration {
    /// PROJECTS_FILE read, checked and resolved: each project's settings checked as the node's
    /// are (a mistake names the project), its destinations among the node's. Without the file,
    /// no projects: the node works as one.
    static func resolveProjects(_ r: inout SettingsResolver, node: inout NodeConfiguration) {
        let names = node.destinations.map(\.name)
        let file = r.value(.projectsFile) { path -> (ProjectsFile, String)? in
            guard !path.isEmpty else { return nil }
            let absolute = PipelineConfiguration.absolute(path)
            let text: String
            do { text = try String(contentsOfFile: absolute, encoding: .utf8) } catch {
                throw SettingsResolver.Refusal("cannot be read: \(error.localizedDescription)")
            }
            do { return (try ProjectsFile.parse(text, destinations: names), absolute) } catch {
                throw SettingsResolver.Refusal("\(error)")
            }
        }
        guard let (projects, path) = file else { return }
        var resolved: [NodeProject] = []
        for p in projects.projects {
            var configuration = node
            if !p.settings.isEmpty {
                // PROJECTS_FILE emptied: the project's resolution does not read the projects again.
                var settings = p.settings
                settings[Setting.projectsFile] = ""
                let (own, inner) = resolving(r.values.overriding(settings, source: .project(p.name, file: path)))
                for problem in inner.problems where p.settings.keys.contains(where: { $0.name == problem.name }) {
                    r.refuse(.projectsFile, "project \(p.name): \(problem.name)=\(problem.value ?? "") \(problem.message)")
                }
                configuration = own
            }
            let destinations = p.destinations.map { list in node.destinations.filter { list.contains($0.name) } } ?? node.destinations
            var project = NodeProject(name: p.name, configuration: configuration, destinations: destinations)
            do {
                try resolveExtras(p.extras, into: &project, folder: (path as NSString).deletingLastPathComponent)
            } catch {
                r.refuse(.projectsFile, "project \(p.name): \(error)")
            }
            resolved.append(project)
        }
        node.projects = resolved
        node.routing = projects.policy
    }

    struct ExtraProblem: Error, CustomStringConvertible {
        let description: String
    }

    /// Reads a project's lookup table and withdrawal list, parses its drop rules and adds its
    /// Clinical Trial attributes to its recipe. A mistake names the file and line, never a value.
    static func resolveExtras(_ e: ProjectExtras, into project: inout NodeProject, folder: String) throws {
        func read(_ path: String) throws -> String {
            let full = path.hasPrefix("/") ? path : folder + "/" + path
            do { return try String(contentsOfFile: full, encoding: .utf8) } catch {
                throw ExtraProblem(description: "\(full) cannot be read: \(error.localizedDescription)")
            }
        }
        project.drop = try e.drop.map { CopyMaker.Drop(name: $0.name, conditions: try BurnedInRules.conditions($0.conditions)) }
        if let table = e.lookupTable {
            project.lookupPath = table.hasPrefix("/") ? table : folder + "/" + table
            do { project.lookup = try LookupTable.parse(try read(table)) } catch let m as LookupTable.Mistakes {
                throw ExtraProblem(description: "lookup table \(table): \(m)")
            }
            project.refuseUnlisted = e.refuseUnlisted
        }
        if let list = e.withdrawn {
            // One ID a line; a line starting with # is a comment (an ID may itself hold a #).
            project.withdrawn = Set(try read(list).split(whereSeparator: \.isNewline).compactMap { line in
                let id = line.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\u{FEFF}"))
                return id.isEmpty || id.hasPrefix("#") ? nil : id
            })
        }
        if let text = e.trialRecipe {
            let trial = try Recipe.parse(text, source: "project \(project.name)'s clinical_trial")
            var configuration = project.configuration
            configuration.deidentification.recipe = configuration.deidentification.recipe.map { $0.appending(trial) } ?? trial
            project = NodeProject(name: project.name, configuration: configuration, destinations: project.destinations,
                                  drop: project.drop, lookup: project.lookup, lookupPath: project.lookupPath,
                                  refuseUnlisted: project.refuseUnlisted,
                                  withdrawn: project.withdrawn)
        }
    }
}

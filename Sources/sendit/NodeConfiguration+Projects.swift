import Foundation
import Pipeline
import SenditIntake

/// One project of the node: its name, its settings resolved (the node's with its own on top)
/// and the destinations it delivers to.
struct NodeProject {
    let name: String
    let configuration: NodeConfiguration
    let destinations: [DeliveryDestination]
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
            resolved.append(NodeProject(name: p.name, configuration: configuration, destinations: destinations))
        }
        node.projects = resolved
        node.routing = projects.policy
    }
}

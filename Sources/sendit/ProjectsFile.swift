import Deidentify
import Foundation
import SenditIndex
import SenditIntake

/// PROJECTS_FILE: the node's projects and the routing rules that choose each study's project,
/// as JSON (the form Orthanc's and mercure's configurations take):
///
///     { "unmatched": "refuse",                     // or "quarantine"
///       "projects": {
///         "lung": { "destinations": ["orthanc"],   // named destinations of the node
///                   "settings": { "DEID_OPTIONS": "…", "RETENTION": "7" } } },
///       "rules": [                                 // first match wins
///         { "project": "lung", "called_ae": ["LUNGCT"] },
///         { "project": "neuro", "if": "Modality is MR and StudyDescription contains BRAIN" } ] }
///
/// The project `default` always exists: the node's own settings and every destination, what
/// a node without projects uses for everything. A project's `settings` are the node's settings
/// with its own on top, for the per-project settings only (`ProjectsFile.perProjectSettings`);
/// they are checked exactly as the node's. Parsing is pure: the file's text in, values or every
/// mistake out.
struct ProjectsFile: Equatable {
    struct Project: Equatable {
        let name: String
        /// nil: every destination of the node (only `default` may leave them out).
        let destinations: [String]?
        let settings: [Setting: String]
        var extras = ProjectExtras()
    }

    let projects: [Project]
    let policy: RoutingPolicy

    /// The settings a project may set for itself: its de-identification, where identifiers come
    /// from, its burned-in rules and its retention. Listener, storage and destinations' own
    /// settings are the node's.
    static let perProjectSettings: [Setting] = [
        .deidOptions, .deidPatientName, .deidJitterRange, .deidSafePrivate, .deidKeepUnknownAttributes, .deidNarrativeText,
        .deidentifyRESTful, .identifiersURL, .identifiersTimeout, .studyDeid, .burnedInRules, .entityID, .entitySource,
        .patientIDWithIssuer, .itemID, .itemSource, .retention,
    ]

    struct Mistakes: Error, CustomStringConvertible {
        let messages: [String]
        var description: String { messages.joined(separator: "; ") }
    }

    static func parse(_ text: String, destinations known: [String]) throws(Mistakes) -> ProjectsFile {
        guard let root = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw Mistakes(messages: ["is not a JSON object"])
        }
        var mistakes: [String] = []
        for key in root.keys where !["unmatched", "projects", "rules"].contains(key) { mistakes.append("unknown key \"\(key)\"") }
        var unmatched = RoutingPolicy.Unmatched.refuse
        if let u = root["unmatched"] {
            if let s = u as? String, let value = RoutingPolicy.Unmatched(rawValue: s) { unmatched = value } else {
                mistakes.append("\"unmatched\" must be \"refuse\" or \"quarantine\"")
            }
        }
        var projects: [Project] = []
        let declared = root["projects"] as? [String: Any] ?? [:]
        if root["projects"] != nil && !(root["projects"] is [String: Any]) { mistakes.append("\"projects\" must be an object") }
        for name in declared.keys.sorted() {
            let where_ = "project \"\(name)\""
            guard RoutingPolicy.isValidProjectName(name), name != RoutingPolicy.unroutedProject else {
                mistakes.append("\(where_): a name is 1 to 32 lowercase letters, digits, - and _ (not \"\(RoutingPolicy.unroutedProject)\")")
                continue
            }
            guard let body = declared[name] as? [String: Any] else { mistakes.append("\(where_) must be an object"); continue }
            for key in body.keys where !(["destinations", "settings"] + ProjectExtras.keys).contains(key) {
                mistakes.append("\(where_): unknown key \"\(key)\"")
            }
            let extras = ProjectExtras.parse(body, project: name, mistakes: &mistakes)
            var destinations: [String]?
            if let d = body["destinations"] {
                if let list = d as? [String] {
                    for unknown in list where !known.contains(unknown) {
                        mistakes.append("\(where_): destination \"\(unknown)\" is not enabled on this node (\(known.isEmpty ? "none is" : known.joined(separator: ", ")))")
                    }
                    destinations = list
                } else { mistakes.append("\(where_): \"destinations\" must be a list of destination names") }
            } else if name != ImportedImage.defaultProject {
                mistakes.append("\(where_): \"destinations\" is required (a list of the node's destinations; [] for none)")
            }
            var settings: [Setting: String] = [:]
            if let s = body["settings"] {
                if let pairs = s as? [String: Any] {
                    for (key, value) in pairs {
                        guard let setting = Setting(rawValue: key) else { mistakes.append("\(where_): \"\(key)\" is not a setting"); continue }
                        guard perProjectSettings.contains(setting) else {
                            mistakes.append("\(where_): \(key) is the node's, not a project's (a project may set \(perProjectSettings.map(\.name).joined(separator: ", ")))")
                            continue
                        }
                        // Written as in the configuration file: "true", "7", "basic,retainDates".
                        guard let text = value as? String else { mistakes.append("\(where_): \(key) must be a string, as in the configuration file"); continue }
                        settings[setting] = text
                    }
                } else { mistakes.append("\(where_): \"settings\" must be an object") }
            }
            projects.append(Project(name: name, destinations: destinations, settings: settings, extras: extras))
        }
        if !projects.contains(where: { $0.name == ImportedImage.defaultProject }) {
            projects.insert(Project(name: ImportedImage.defaultProject, destinations: nil, settings: [:]), at: 0)
        }
        let names = Set(projects.map(\.name))
        var rules: [RoutingRule] = []
        let ruleList = root["rules"] as? [Any] ?? []
        if root["rules"] != nil && !(root["rules"] is [Any]) { mistakes.append("\"rules\" must be a list") }
        for (i, item) in ruleList.enumerated() {
            guard let body = item as? [String: Any] else { mistakes.append("rule \(i + 1) must be an object"); continue }
            let name = body["name"] as? String ?? "rule \(i + 1)"
            for key in body.keys where !["name", "project", "called_ae", "calling_ae", "peer", "if"].contains(key) {
                mistakes.append("\(name): unknown key \"\(key)\"")
            }
            guard let project = body["project"] as? String, names.contains(project) else {
                mistakes.append("\(name): \"project\" must name a project (\(names.sorted().joined(separator: ", ")))")
                continue
            }
            var rule = RoutingRule(name: name, project: project)
            func list(_ key: String) -> [String] {
                switch body[key] {
                case nil: return []
                case let s as String: return [s.trimmingCharacters(in: .whitespaces)]
                case let l as [String]: return l.map { $0.trimmingCharacters(in: .whitespaces) }
                default: mistakes.append("\(name): \"\(key)\" must be a string or a list of strings"); return []
                }
            }
            for ae in list("called_ae") + list("calling_ae") where ae.isEmpty || ae.count > 16 || ae.contains("\\") {
                mistakes.append("\(name): \"\(ae)\" is not an AE title (1 to 16 characters)")
            }
            rule.calledAETitles = Set(list("called_ae"))
            rule.callingAETitles = Set(list("calling_ae"))
            rule.peers = list("peer")
            for p in rule.peers where !RoutingRule.isValidPeer(p) { mistakes.append("\(name): peer \"\(p)\" is not an address or IPv4 CIDR range") }
            if let condition = body["if"] {
                if let text = condition as? String {
                    do { rule.conditions = try BurnedInRules.conditions(text) } catch {
                        mistakes.append("\(name): \"if\": \((error as? BurnedInRules.ParseError)?.message ?? "\(error)")")
                    }
                } else { mistakes.append("\(name): \"if\" must be a string of conditions") }
            }
            rules.append(rule)
        }
        guard mistakes.isEmpty else { throw Mistakes(messages: mistakes) }
        return ProjectsFile(projects: projects, policy: RoutingPolicy(rules: rules, unmatched: unmatched))
    }
}

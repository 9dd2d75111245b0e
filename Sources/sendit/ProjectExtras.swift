import Deidentify
import Foundation

/// What a project in PROJECTS_FILE may add to its settings:
///
///     "drop": ["ImageType has LOCALIZER", {"name": "dose", "if": "SeriesDescription contains DOSE"}],
///     "clinical_trial": {"sponsor": "…", "protocol_id": "…", "protocol_name": "…", "site_id": "…",
///                        "site_name": "…", "coordinating_center": "…"},
///     "lookup_table": "lung-ids.csv", "unlisted": "pseudonymize",     // or "refuse"
///     "withdrawn": "lung-optout.txt"
///
/// Drop rules name images nobody wants (not de-identified, not sent; DONE, skipped everywhere).
/// The Clinical Trial Subject and Series modules are filled in every copy, the subject ID being
/// the patient's research ID (the pseudonym, or the lookup table's). The lookup table maps
/// original patient IDs to research IDs (`LookupTable`); `unlisted` says what becomes of a
/// patient it does not list. The withdrawal list holds original patient IDs, one per line (`#`
/// comments), whose images are refused (FAILED, never sent). Paths are relative to the
/// projects file's folder.
struct ProjectExtras: Equatable {
    static let keys = ["drop", "clinical_trial", "lookup_table", "unlisted", "withdrawn"]
    /// The Clinical Trial attributes a project may give, by its key.
    static let trialAttributes: [(key: String, keyword: String)] = [
        ("sponsor", "ClinicalTrialSponsorName"), ("protocol_id", "ClinicalTrialProtocolID"),
        ("protocol_name", "ClinicalTrialProtocolName"), ("site_id", "ClinicalTrialSiteID"), ("site_name", "ClinicalTrialSiteName"),
        ("coordinating_center", "ClinicalTrialCoordinatingCenterName"), ("time_point", "ClinicalTrialTimePointID"),
    ]

    var drop: [(name: String, conditions: String)] = []
    var clinicalTrial: [String: String] = [:]
    var lookupTable: String?
    var refuseUnlisted = false
    var withdrawn: String?

    static func == (a: ProjectExtras, b: ProjectExtras) -> Bool {
        a.drop.map { $0.name + ":" + $0.conditions } == b.drop.map { $0.name + ":" + $0.conditions } && a.clinicalTrial == b.clinicalTrial
            && a.lookupTable == b.lookupTable && a.refuseUnlisted == b.refuseUnlisted && a.withdrawn == b.withdrawn
    }

    static func parse(_ body: [String: Any], project: String, mistakes: inout [String]) -> ProjectExtras {
        let at = "project \"\(project)\""
        var e = ProjectExtras()
        if let d = body["drop"] {
            if let list = d as? [Any] {
                for (i, item) in list.enumerated() {
                    if let text = item as? String { e.drop.append(("drop \(i + 1)", text)) } else if let o = item as? [String: Any],
                        let text = o["if"] as? String { e.drop.append((o["name"] as? String ?? "drop \(i + 1)", text)) } else {
                        mistakes.append("\(at): \"drop\" \(i + 1) must be conditions, or {\"name\": …, \"if\": conditions}")
                        continue
                    }
                    do { _ = try BurnedInRules.conditions(e.drop.last!.conditions) } catch {
                        mistakes.append("\(at): \"drop\" \(i + 1): \((error as? BurnedInRules.ParseError)?.message ?? "\(error)")")
                    }
                }
            } else { mistakes.append("\(at): \"drop\" must be a list") }
        }
        if let t = body["clinical_trial"] {
            if let o = t as? [String: Any] {
                for (key, value) in o {
                    guard trialAttributes.contains(where: { $0.key == key }) else {
                        mistakes.append("\(at): clinical_trial: unknown key \"\(key)\" (\(trialAttributes.map(\.key).joined(separator: ", ")))")
                        continue
                    }
                    // No backslash (a multi-value separator) and no line break or control character
                    // (each would end the recipe line it is written into).
                    guard let text = value as? String, !text.isEmpty, text.count <= 64, !text.contains("\\"),
                          !text.contains(where: { $0.isNewline }), !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                        mistakes.append("\(at): clinical_trial: \(key) must be a text of 1 to 64 characters, without a backslash, line break or control character")
                        continue
                    }
                    e.clinicalTrial[key] = text
                }
            } else { mistakes.append("\(at): \"clinical_trial\" must be an object") }
        }
        for key in ["lookup_table", "withdrawn"] where body[key] != nil {
            guard let path = body[key] as? String, !path.isEmpty else { mistakes.append("\(at): \"\(key)\" must be a file's path"); continue }
            if key == "lookup_table" { e.lookupTable = path } else { e.withdrawn = path }
        }
        if let u = body["unlisted"] {
            switch u as? String {
            case "refuse": e.refuseUnlisted = true
            case "pseudonymize": e.refuseUnlisted = false
            default: mistakes.append("\(at): \"unlisted\" must be \"pseudonymize\" or \"refuse\"")
            }
            if e.lookupTable == nil { mistakes.append("\(at): \"unlisted\" needs a \"lookup_table\"") }
        }
        return e
    }

    /// The Clinical Trial modules' attributes as recipe lines (ADD: set whether present or not).
    var trialRecipe: String? {
        guard !clinicalTrial.isEmpty else { return nil }
        var lines = ["%header"]
        for (key, keyword) in ProjectExtras.trialAttributes { if let v = clinicalTrial[key] { lines.append("ADD \(keyword) \(v)") } }
        lines.append("ADD ClinicalTrialSubjectID var:entity_id")
        return lines.joined(separator: "\n")
    }
}

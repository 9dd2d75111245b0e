import Testing
import SenditIntake
@testable import sendit

/// PROJECTS_FILE: what it accepts, and every mistake named at once.
@Suite struct ProjectsFileTests {
    @Test func aProjectsFileIsRead() throws {
        let file = try ProjectsFile.parse("""
            { "unmatched": "quarantine",
              "projects": { "lung": { "destinations": ["orthanc"], "settings": { "DEID_OPTIONS": "retain-uids", "RETENTION": "7" } },
                            "neuro": { "destinations": [] } },
              "rules": [ { "name": "lung by AE", "project": "lung", "called_ae": "LUNG" },
                         { "project": "neuro", "calling_ae": ["MR1", "MR2"], "peer": "10.0.0.0/8", "if": "Modality is MR and StudyDescription contains BRAIN" } ] }
            """, destinations: ["orthanc", "google"])
        #expect(file.projects.map(\.name) == ["default", "lung", "neuro"])
        #expect(file.projects[0].destinations == nil)
        #expect(file.projects[1].settings == [.deidOptions: "retain-uids", .retention: "7"])
        #expect(file.policy.unmatched == .quarantine)
        #expect(file.policy.rules.map(\.name) == ["lung by AE", "rule 2"])
        #expect(file.policy.rules[1].conditions.count == 2 && file.policy.rules[1].callingAETitles == ["MR1", "MR2"])
    }

    @Test func everyMistakeIsNamed() {
        do {
            _ = try ProjectsFile.parse("""
                { "projects": { "Lung": {}, "neuro": { "settings": { "DICOM_PORT": "1", "NOPE": "x", "RETENTION": 7 } },
                                "gut": { "destinations": ["nowhere"] } },
                  "rules": [ { "project": "missing" }, { "project": "gut", "if": "Nonsense is X" }, { "project": "gut", "peer": "10.0.0.0/40" } ],
                  "extra": 1 }
                """, destinations: ["orthanc"])
            Issue.record("accepted")
        } catch {
            let text = error.description
            for expected in ["unknown key \"extra\"", "project \"Lung\": a name is", "project \"neuro\": \"destinations\" is required",
                             "DICOM_PORT is the node's", "\"NOPE\" is not a setting", "RETENTION must be a string",
                             "destination \"nowhere\" is not enabled", "rule 1: \"project\" must name a project",
                             "rule 2: \"if\": unknown attribute keyword", "peer \"10.0.0.0/40\""] {
                #expect(text.contains(expected), "\(expected) in \(text)")
            }
        }
    }

    @Test func hostileValuesAreRefusedNotObeyed() throws {
        // An empty UID value once crashed the condition parser (a force-unwrap).
        for condition in [#"SOPClassUID is \"\""#, "SOPClassUID is A| |B"] {
            #expect(throws: ProjectsFile.Mistakes.self) {
                try ProjectsFile.parse(#"{"projects": {"a": {"destinations": []}}, "rules": [{"project": "a", "if": "\#(condition)"}]}"#, destinations: [])
            }
        }
        // A line break of any kind in a Clinical Trial value would start a recipe line of its own.
        for value in [#"Site\rKEEP PatientName"#, #"Site\u2028KEEP PatientName"#, #"Site\fX"#] {
            #expect(throws: ProjectsFile.Mistakes.self) {
                try ProjectsFile.parse(#"{"projects": {"a": {"destinations": [], "clinical_trial": {"site_name": "\#(value)"}}}}"#, destinations: [])
            }
        }
        // AE titles are compared as DICOM pads them: without surrounding spaces.
        let file = try ProjectsFile.parse(#"{"projects": {"a": {"destinations": []}}, "rules": [{"project": "a", "called_ae": " LUNG "}]}"#, destinations: [])
        #expect(file.policy.rules[0].calledAETitles == ["LUNG"])
    }

    @Test func notJSONIsSaidSo() {
        #expect(throws: ProjectsFile.Mistakes.self) { try ProjectsFile.parse("RETENTION=7", destinations: []) }
    }
}

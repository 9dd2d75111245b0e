import Foundation
@testable import sendit
import Testing
import TestSupport

/// The configuration through `NodeConfiguration.resolve`, the one function `sendit config check`,
/// `sendit serve` and every other command call: every setting of the table with a valid and an
/// invalid value, the order of the sources, one report for several mistakes, the reference.
@Suite struct NodeConfigurationTests {
    let root: String

    init() throws {
        root = try ExternalTools.temporaryDirectory("config").path
        try "FORMAT dicom\n%header\nADD StudyComments Montgomery\n".write(toFile: root + "/site.recipe", atomically: true, encoding: .utf8)
        try "FORMAT dicom\n%header\nREPLACE PatientName func:generate_uid\n".write(toFile: root + "/bad.recipe", atomically: true, encoding: .utf8)
        try "allow any if Modality is CT and ConversionType absent\nhold rest otherwise\n"
            .write(toFile: root + "/site.rules", atomically: true, encoding: .utf8)
        try "allow x if ConversionType absent WSD\n".write(toFile: root + "/bad.rules", atomically: true, encoding: .utf8)
        try #"{"projects": {"lung": {"destinations": ["orthanc"], "settings": {"RETENTION": "7"}}}, "rules": [{"project": "lung", "called_ae": "LUNG"}]}"#
            .write(toFile: root + "/site.projects", atomically: true, encoding: .utf8)
        try #"{"projects": {"lung": {"destinations": ["orthanc"], "settings": {"RETENTION": "forever"}}}}"#
            .write(toFile: root + "/bad.projects", atomically: true, encoding: .utf8)
    }

    /// Every feature on, so that resolution reads every setting: the remote destinations, the
    /// identifiers service; folders under `root`.
    var base: [Setting: String] {
        [.dataFolder: root + "/data", .database: root + "/sendit.db", .quarantineFolder: root + "/var/quarantine",
         .sendToGoogle: "true", .googleCloudStorage: "bucket", .deidentifyRESTful: "true",
         .identifiersURL: "http://127.0.0.1:9/identifiers", .sendToDICOMweb: "true", .dicomwebURL: "http://127.0.0.1:9/dicom-web"]
    }

    /// A configuration file's text from settings.
    static func file(_ settings: [Setting: String]) -> String {
        settings.sorted { $0.key.name < $1.key.name }.map { "\($0.key.name)=\($0.value)\n" }.joined()
    }

    func resolve(_ settings: [Setting: String], environment: [String: String] = [:],
                 overrides: [SettingValues.Override] = []) -> Result<NodeConfiguration, ConfigurationReport> {
        let values = SettingValues(file: "test.conf", text: Self.file(settings), environment: environment, overrides: overrides)
        do { return .success(try NodeConfiguration.resolve(values)) } catch { return .failure(error) }
    }

    /// A valid value (other than the default where the kind allows one) and an invalid one, from
    /// the setting's kind; `special` settings, and a few whose valid value depends on another,
    /// have theirs here. A setting with neither fails the walk: a new one must be added here.
    func examples(_ s: Setting) -> (valid: String, invalid: String)? {
        switch s {
        case .sendRetryDelay: return ("1", "0")
        case .googleApplicationCredentials: return ("", root + "/missing-key.json")
        case .outboxFolder: return (root + "/var/outbox2", root + "/data/outbox")
        case .dicomAllowedCallingAETs: return ("MODALITY,PACS", "MODALITY,ABCDEFGHIJKLMNOPQ")
        case .dicomTransferSyntaxPreference: return ("1.2.840.10008.1.2", "explicit")
        case .workers: return ("4", "0")
        case .deidOptions: return ("none", "retain-everything")
        case .deidJitterRange: return ("1,5", "-5,5")
        case .deidSafePrivate: return ("ACME,0019,10", "ACME,0018,10")
        case .studyDeid: return (root + "/site.recipe", root + "/bad.recipe")
        case .burnedInRules: return (root + "/site.rules", root + "/bad.rules")
        case .entityID: return ("PatientName", "PatientIdentifier")
        case .itemID: return ("StudyID", "Accession")
        case .extraDestinations:
            return ("pacs=PACS@10.0.0.2:104 commitment;b=B@h:1 http://h:8042;c=C@h:2762 tls:ca=system", "pacs=PACS@10.0.0.2")
        case .googleCloudStorage: return ("other-bucket", "a/b")
        case .googleStorageCollection: return ("study/", "/")
        case .googleMetadataFields: return ("PatientID,Matrix", "PatientID,Nonsense")
        case .retention: return ("never", "forever")
        case .lockdownPasswords: return ("a shared password,another password", "short")
        case .httpTLSCert, .httpTLSKey: return ("", root + "/missing.pem")
        case .diskMinFree: return ("500MB", "5 parsecs")
        case .alertWebhookURLs: return ("http://127.0.0.1:9/hook, https://example.org/x?token=abc", "http://ok.example/x,ftp://secret.example/y")
        case .alertDiskMinFree: return ("20GB", "5 parsecs")
        case .httpAllowedHosts: return ("sendit.example.org, sendit", "sendit.example.org:8080")
        case .trustedProxies: return ("10.0.0.5, 172.16.0.0/12, fd00::/8", "10.0.0.0/33")
        case .projectsFile: return (root + "/site.projects", root + "/bad.projects")
        case .retrieveSources: return ("pacs=PACS@10.0.0.2:104;old=OLD@h:11112 get", "pacs=PACS@10.0.0.2")
        case .retrieveWindow: return ("20:00-06:00", "20:00")
        // (With a port, DICOM_TLS_CERT and _KEY must be set: TLSConfigurationTests.)
        case .dicomTLSPort: return ("", "70000")
        case .dicomTLSOnly: return ("false", "maybe")
        case .dicomTLSCert, .dicomTLSKey, .dicomTLSCA: return ("", root + "/missing.pem")
        case .dicomTLSAESubjects: return ("CN=ct1,O=Hospital->CT1,CT1B; pacs->PACS", "ct1->ABCDEFGHIJKLMNOPQ")
        case .orthancTLS: return ("ca=system,name=orthanc.example.org", "ca=/a,pin=/b")
        case .sendMaxRate: return ("10MB", "10%")
        default: break
        }
        switch s.kind {
        case .integer(let range): return (String(range.upperBound), String(range.upperBound + 1))
        case .seconds: return ("86400", "0")
        case .secondsOrZero: return ("3600", "-1")
        case .boolean: return (Setting.Kind.boolean(s.defaultValue) == true ? "false" : "yes", "maybe")
        case .choice(let words): return (words.last(where: { $0 != s.defaultValue }) ?? words[0], "bogus")
        case .aeTitle: return ("NODE_B", "ABCDEFGHIJKLMNOPQ")
        case .text(let optional): return ("some text", optional ? "bell\u{7}" : "")
        case .path(let optional): return (root + "/elsewhere", optional ? "a\u{1}b" : "")
        case .url(let optional): return ("https://example.org:8443/x", optional ? "ftp://example.org" : "")
        case .special: return nil
        }
    }

    @Test func theDefaultsResolve() throws {
        let node = try NodeConfiguration.resolve(SettingValues(file: "", text: nil, environment: [:]))
        #expect(node.server.port == 11112 && node.server.aeTitle == "SENDIT")
        #expect(node.destinations.map(\.name) == ["orthanc"])
        #expect(node.identifiersURL == nil && node.googleStorage == nil)
    }

    @Test func everyFeatureOnReadsEverySetting() {
        let values = SettingValues(file: "test.conf", text: Self.file(base), environment: [:])
        let (_, resolver) = NodeConfiguration.resolving(values)
        #expect(resolver.problems.isEmpty, "\(resolver.problems)")
        #expect(resolver.unread.isEmpty, "settings resolution never reads: \(resolver.unread.map(\.name))")
    }

    @Test(arguments: Setting.allCases)
    func eachSettingTakesAValidValueAndRefusesAnInvalidOne(_ setting: Setting) throws {
        let example = try #require(examples(setting), "\(setting.name) has no examples: add them to NodeConfigurationTests.examples")
        var settings = base
        settings[setting] = example.valid
        if case .failure(let report) = resolve(settings) {
            Issue.record("\(setting.name)=\(example.valid) is refused: \(report)")
        }
        settings[setting] = example.invalid
        switch resolve(settings) {
        case .success: Issue.record("\(setting.name)=\(example.invalid) is accepted")
        case .failure(let report):
            #expect(report.problems.count == 1, "one mistake, one problem: \(report)")
            #expect(report.names == [setting.name], "\(report)")
            #expect(report.problems.first?.source == "file test.conf:\(Self.line(of: setting, in: settings))")
            if setting.isSecret { #expect(!report.description.contains(example.invalid) && report.description.contains("********")) }
        }
        // The same value from the environment is refused the same way, naming the environment.
        settings[setting] = nil
        if case .failure(let report) = resolve(settings, environment: [setting.name: example.invalid]) {
            #expect(report.names == [setting.name] && report.problems.first?.source == "environment", "\(report)")
        } else {
            Issue.record("\(setting.name)=\(example.invalid) from the environment is accepted")
        }
    }

    static func line(of setting: Setting, in settings: [Setting: String]) -> Int {
        (settings.keys.sorted { $0.name < $1.name }.firstIndex(of: setting) ?? -1) + 1
    }

    @Test func aFlagOverridesTheEnvironmentWhichOverridesTheFileWhichOverridesTheDefault() throws {
        let file: [Setting: String] = [.dicomPort: "1001"]
        let environment = ["DICOM_PORT": "1002"]
        let flag = [SettingValues.Override(.dicomPort, "--port", "1003")]
        let cases: [(file: [Setting: String], environment: [String: String], flags: [SettingValues.Override], port: Int, source: String)] = [
            ([:], [:], [], 11112, "default"),
            (file, [:], [], 1001, "file test.conf:1"),
            (file, environment, [], 1002, "environment"),
            (file, environment, flag, 1003, "flag --port"),
            ([:], [:], flag, 1003, "flag --port"),
            (file, [:], [SettingValues.Override(.dicomPort, "--port", nil)], 1001, "file test.conf:1"),
        ]
        for c in cases {
            let values = SettingValues(file: "test.conf", text: Self.file(c.file), environment: c.environment, overrides: c.flags)
            #expect(values[.dicomPort].source.description == c.source)
            let node = try NodeConfiguration.resolve(values)
            #expect(node.server.port == c.port, "\(c.source)")
        }
        // A refused flag is reported as the flag's.
        let values = SettingValues(file: "test.conf", text: Self.file(file), environment: environment,
                                   overrides: [SettingValues.Override(.dicomPort, "--port", "70000")])
        #expect(throws: ConfigurationReport.self) { try NodeConfiguration.resolve(values) }
        do { _ = try NodeConfiguration.resolve(values) } catch {
            #expect(error.problems.map(\.description) == ["DICOM_PORT=70000 (flag --port): must be an integer from 0 to 65535"])
        }
    }

    @Test func aFileWithThreeMistakesGetsOneReportNamingAllThree() {
        let text = "DATA_FOLDER=\(root)/data\nDICOM_PORT=70000\nWORKERS=many\nSEND_TO_GOOOGLE=true\n"
        let values = SettingValues(file: "node.conf", text: text, environment: [:])
        do {
            _ = try NodeConfiguration.resolve(values)
            Issue.record("accepted")
        } catch {
            #expect(error.problems.map(\.description) == [
                "SEND_TO_GOOOGLE (file node.conf:4): is not a setting (see `sendit config check --help`)",
                "DICOM_PORT=70000 (file node.conf:2): must be an integer from 0 to 65535",
                "WORKERS=many (file node.conf:3): must be auto, or 1 to 256",
            ])
            #expect(error.description.hasPrefix("invalid configuration, 3 problems:\n"))
        }
    }

    @Test func theFileFormItselfIsChecked() {
        let text = "# comment\n\nDICOM_PORT = \"104\"\nthis is no setting\nDICOM_PORT=105\n"
        let values = SettingValues(file: "node.conf", text: text, environment: [:])
        #expect(values[.dicomPort] == SettingValues.Value(text: "104", source: .file("node.conf", line: 3)))
        #expect(values.problems.map(\.description) == [
            "this is no setting (file node.conf:4): expected KEY=VALUE",
            "DICOM_PORT (file node.conf:5): is set twice (first on line 3)",
        ])
        let unreadable = SettingValues(file: root + "/no-such.conf", environment: [:])
        #expect(unreadable.problems.count == 1 && unreadable.problems[0].name == "--config")
    }

    @Test func checksAcrossSettingsNameTheSettingAndTheOther() {
        let cases: [([Setting: String], Setting, String)] = [
            ([.quarantineFolder: root + "/data/q"], .quarantineFolder, "must not be inside DATA_FOLDER"),
            ([.sendRetryDelay: "700"], .sendRetryMaxDelay, "must be at least SEND_RETRY_DELAY; SEND_RETRY_DELAY=700 (file"),
            ([.deidentifyRESTful: "true", .identifiersURL: ""], .identifiersURL, "DEIDENTIFY_RESTFUL is on"),
            ([.sendToGoogle: "true", .googleCloudStorage: ""], .googleCloudStorage, "SEND_TO_GOOGLE is on"),
            ([.extraDestinations: "orthanc=X@h:1"], .extraDestinations, "the name orthanc is used twice"),
            ([.sendToDICOMweb: "true"], .dicomwebURL, "SEND_TO_DICOMWEB is on"),
            ([.sendToDICOMweb: "true", .dicomwebURL: "http://h/dicom-web", .dicomwebAuth: "basic"], .dicomwebUsername, "DICOMWEB_AUTH is basic"),
            ([.sendToDICOMweb: "true", .dicomwebURL: "http://h/dicom-web", .dicomwebAuth: "bearer"], .dicomwebToken, "DICOMWEB_AUTH is bearer"),
            ([.sendToDICOMweb: "true", .dicomwebURL: "http://h/dicom-web", .extraDestinations: "dicomweb=X@h:1"], .extraDestinations,
             "the name dicomweb is used twice"),
            ([.deidOptions: "retain-full-dates,retain-modified-dates"], .deidOptions, "exclude each other"),
            ([.retrieveSources: "pacs=A@h:1;pacs=B@h:2"], .retrieveSources, "the name pacs is used twice"),
        ]
        for (changes, setting, message) in cases {
            var settings: [Setting: String] = [.dataFolder: root + "/data"]
            settings.merge(changes) { $1 }
            guard case .failure(let report) = resolve(settings) else {
                Issue.record("\(changes) is accepted")
                continue
            }
            #expect(report.names == [setting.name] && report.description.contains(message), "\(report)")
        }
    }

    @Test func theDICOMwebDestinationIsSignedInAsConfigured() throws {
        let on: [Setting: String] = [.dataFolder: root + "/data", .sendToDICOMweb: "true", .dicomwebURL: "https://pacs.example/dicom-web",
                                     .dicomwebAuth: "basic", .dicomwebUsername: "sendit", .dicomwebPassword: "s3cret pass"]
        let node = try resolve(on).get()
        #expect(node.destinations.map(\.name) == ["orthanc", "dicomweb"])
        let dicomweb = try #require(node.destinations.last)
        guard case .dicomweb(let client, let verify) = dicomweb.target else { Issue.record("\(dicomweb.target)"); return }
        #expect(verify && client.base.absoluteString == "https://pacs.example/dicom-web")
        #expect(try client.authorization.header() == "Basic " + Data("sendit:s3cret pass".utf8).base64EncodedString())
        #expect(dicomweb.address == "https://pacs.example/dicom-web" && dicomweb.stage == "send:dicomweb")
        var bearer = on
        bearer[.dicomwebAuth] = "bearer"
        bearer[.dicomwebToken] = "abc.def"
        bearer[.dicomwebVerify] = "none"
        guard case .dicomweb(let client2, let verify2) = try resolve(bearer).get().destinations.last?.target else { return }
        #expect(try !verify2 && client2.authorization.header() == "Bearer abc.def")
        bearer[.sendToDICOMweb] = "false"
        #expect(try resolve(bearer).get().destinations.map(\.name) == ["orthanc"])
    }

    @Test func theCheckedInReferenceIsWhatTheTableGenerates() throws {
        let path = DumpCommandTests.packageRoot.appendingPathComponent("docs/configuration.md").path
        let checkedIn = try String(contentsOfFile: path, encoding: .utf8)
        #expect(checkedIn == SettingsReference.markdown,
                "docs/configuration.md is stale: run `swift run sendit config docs > docs/configuration.md`")
        for s in Setting.allCases {
            #expect(SettingsReference.markdown.contains("| `\(s.name)`"))
            #expect(SettingsReference.helpList.contains("\(s.name) ("))
        }
        #expect(SettingsReference.markdown.contains("| `ORTHANC_PASSWORD` (secret) |"))
    }

    @Test func secretsAreMaskedWhereValuesAreShown() {
        let values = SettingValues(file: "test.conf", text: "ORTHANC_PASSWORD=hunter2\n", environment: [:])
        #expect(!values.describe().contains("hunter2") && values.describe().contains("ORTHANC_PASSWORD=********"))
    }

    /// A URL's user, password and query may be credentials: masked in `config check` (describe),
    /// the Settings page and the API (shownWithSources), and the start-up summary.
    @Test func urlCredentialsAndQueriesAreMaskedWhereValuesAreShown() throws {
        let values = SettingValues(file: "test.conf", text: """
            ORTHANC_URL=http://orthanc:pw-in-url@127.0.0.1:8042/base?token=q-secret#frag-secret
            IDENTIFIERS_URL=https://svc-user:svc-pass@ids.example/api?key=id-query-secret
            DEIDENTIFY_RESTFUL=true
            EXTRA_DESTINATIONS=peer=PEER@10.0.0.9:104 http://peer-user:peer-pass@10.0.0.9:8042/?k=peer-query;other=OTH@10.0.0.8:104
            """, environment: [:])
        let node = try NodeConfiguration.resolve(values)
        let shown = [values.describe(), values.shownWithSources().map { "\($0.key)=\($0.value)" }.joined(separator: "\n"),
                     StartupSummary.lines(node, values: values, dicomPort: 11112).joined(separator: "\n")]
        for text in shown {
            for secret in ["pw-in-url", "q-secret", "frag-secret", "svc-user", "svc-pass", "id-query-secret", "peer-user", "peer-pass", "peer-query"] {
                #expect(!text.contains(secret), "\(secret) in\n\(text)")
            }
            #expect(text.contains("https://********@ids.example/api?********"), "\(text)")
        }
        #expect(shown[0].contains("ORTHANC_URL=http://********@127.0.0.1:8042/base?********"))
        #expect(shown[0].contains("EXTRA_DESTINATIONS=peer=PEER@10.0.0.9:104 http://********@10.0.0.9:8042/?********;other=OTH@10.0.0.8:104"))
        // The URLs themselves are used as given.
        #expect(node.identifiersURL?.user == "svc-user")
        #expect(URLMask.masked("httpd http://h/x ok", whole: false) == "httpd http://h/x ok")
        #expect(URLMask.masked("a,HTTPS://u@h?x=1,b", whole: false) == "a,HTTPS://********@h?********,b")
    }
}

import DICOMCore
import DICOMNetwork
import Deidentify
import Foundation
import Pipeline

/// sendit's configuration: embedded defaults, then a configuration file (`KEY=VALUE` lines, `#`
/// comments), then environment variables of the same names, then command-line flags. Names
/// follow the seed system's style (upper case, underscores). Each value remembers where it came
/// from, for `sendit config check`.
struct SenditConfiguration {
    struct Setting {
        let key: String
        let defaultValue: String
        let help: String
        var isSecret = false
    }

    /// Every setting, with its default and meaning. Grows with each stage of the pipeline.
    static let settings: [Setting] = [
        Setting(key: "DICOM_PORT", defaultValue: "11112", help: "TCP port of the DICOM listener"),
        Setting(key: "DICOM_AE_TITLE", defaultValue: "SENDIT", help: "this node's AE title"),
        Setting(key: "DICOM_BIND_ADDRESS", defaultValue: "0.0.0.0", help: "address the listener binds"),
        Setting(key: "DATA_FOLDER", defaultValue: "./data", help: "where received studies are staged"),
        Setting(key: "DICOM_CHECK_CALLED_AET", defaultValue: "true", help: "reject associations not addressed to DICOM_AE_TITLE"),
        Setting(key: "DICOM_ALLOWED_CALLING_AETS", defaultValue: "", help: "comma-separated calling AE titles allowed (empty: any)"),
        Setting(key: "DICOM_MAX_ASSOCIATIONS", defaultValue: "16", help: "associations at once; more are rejected (transient)"),
        Setting(key: "DICOM_ACCEPT_UNKNOWN_SOP_CLASSES", defaultValue: "false", help: "accept SOP classes that are not Storage or Verification"),
        Setting(key: "DICOM_ACCEPT_PRIVATE_TRANSFER_SYNTAXES", defaultValue: "false", help: "accept unregistered transfer syntaxes (stored as received)"),
        Setting(key: "DICOM_TRANSFER_SYNTAX_PREFERENCE", defaultValue: "1.2.840.10008.1.2.1,1.2.840.10008.1.2",
                help: "transfer syntaxes preferred, in order, when a context proposes several"),
        Setting(key: "DICOM_MAX_PDU", defaultValue: "131072", help: "maximum PDU length received"),
        Setting(key: "DICOM_ARTIM_TIMEOUT", defaultValue: "30", help: "seconds to wait for an A-ASSOCIATE-RQ, or for the peer to close"),
        Setting(key: "DICOM_IDLE_TIMEOUT", defaultValue: "60", help: "seconds an association may stay silent between messages"),
        Setting(key: "DICOM_DIMSE_TIMEOUT", defaultValue: "60", help: "seconds to wait for the next fragment of a message"),
        Setting(key: "FSYNC", defaultValue: "true", help: "fdatasync each received instance before acknowledging it"),
        Setting(key: "SHUTDOWN_GRACE", defaultValue: "10", help: "seconds associations get to finish on shutdown"),
        Setting(key: "DATABASE", defaultValue: "./sendit.db", help: "the SQLite index (studies, series, images, jobs, events)"),
        Setting(key: "QUARANTINE_FOLDER", defaultValue: "./var/quarantine", help: "where files that cannot be imported are moved"),
        Setting(key: "STABLE_AGE", defaultValue: "60", help: "seconds without a new instance before a received study is finished"),
        Setting(key: "RESCAN_INTERVAL", defaultValue: "10", help: "seconds between rescans of the data folder (besides inotify)"),
        Setting(key: "IMPORT_BATCH", defaultValue: "2000", help: "files per import transaction"),
        Setting(key: "WORKERS", defaultValue: "auto", help: "threads running pipeline jobs (auto: one per core)"),
        Setting(key: "JOB_MAX_ATTEMPTS", defaultValue: "10", help: "tries of a job before it is FAILED"),
        Setting(key: "JOB_RETRY_DELAY", defaultValue: "10", help: "seconds before a failed job's first retry; doubles each time, at most an hour"),
        Setting(key: "JOB_LEASE", defaultValue: "300", help: "seconds a job stays claimed without a heartbeat before it is retried"),
        Setting(key: "OUTBOX_FOLDER", defaultValue: "", help: "where de-identified copies wait to be sent (empty: outbox beside QUARANTINE_FOLDER)"),
        Setting(key: "SECRETS_FILE", defaultValue: "", help: "mode-0600 file with DEID_KEY (made on first use) and credentials (empty: secrets beside QUARANTINE_FOLDER)"),
        Setting(key: "DEID_OPTIONS", defaultValue: "retain-modified-dates,retain-patient-characteristics,clean-descriptors",
                help: "PS3.15 profile options (none: the Basic Profile alone); see README"),
        Setting(key: "DEID_PATIENT_NAME", defaultValue: "{entity}", help: "PatientName of the output: {entity} patient code, {item} study code"),
        Setting(key: "DEID_JITTER_RANGE", defaultValue: "-30,-1", help: "days the local pseudonymizer moves a patient's dates: FROM,TO"),
        Setting(key: "DEID_SAFE_PRIVATE", defaultValue: "", help: "private attributes kept with retain-safe-private: CREATOR,gggg,ee;..."),
        Setting(key: "DEID_KEEP_UNKNOWN_ATTRIBUTES", defaultValue: "false", help: "keep public attributes the dictionary does not know"),
        Setting(key: "DEID_NARRATIVE_TEXT", defaultValue: "remove", help: "narrative text (comments, histories, reasons, SR text): remove, or clean (kept, cleaned)"),
        Setting(key: "DEIDENTIFY_RESTFUL", defaultValue: "false", help: "ask the identifiers service (IDENTIFIERS_URL) instead of the local pseudonymizer"),
        Setting(key: "IDENTIFIERS_URL", defaultValue: "", help: "the identifiers service's URL (POST, DASHER contract); token: IDENTIFIERS_TOKEN in SECRETS_FILE"),
        Setting(key: "IDENTIFIERS_TIMEOUT", defaultValue: "30", help: "seconds to wait for the identifiers service"),
        Setting(key: "STUDY_DEID", defaultValue: "", help: "a recipe file (pydicom/deid %header syntax) applied after the profile"),
        Setting(key: "BURNED_IN_RULES", defaultValue: "", help: "rules file deciding which images are HELD for burned-in text (empty: built-in rules)"),
        Setting(key: "ENTITY_ID", defaultValue: "PatientID", help: "header field identifying the patient to the identifiers service"),
        Setting(key: "ENTITY_SOURCE", defaultValue: "Stanford MRN", help: "id_source of the patient in identifiers requests"),
        Setting(key: "PATIENT_ID_WITH_ISSUER", defaultValue: "false",
                help: "the site receives from several ID namespaces: a patient is IssuerOfPatientID + ENTITY_ID (id_source ENTITY_SOURCE^issuer)"),
        Setting(key: "ITEM_ID", defaultValue: "AccessionNumber", help: "header field identifying the study to the identifiers service"),
        Setting(key: "ITEM_SOURCE", defaultValue: "DCM Accession #", help: "id_source of the study in identifiers requests"),
        Setting(key: "SEND_TO_ORTHANC", defaultValue: "true", help: "send de-identified series to the Orthanc at ORTHANC_IPADDRESS:ORTHANC_PORT"),
        Setting(key: "ORTHANC_IPADDRESS", defaultValue: "127.0.0.1", help: "the destination Orthanc's host"),
        Setting(key: "ORTHANC_PORT", defaultValue: "4747", help: "the destination Orthanc's DICOM port"),
        Setting(key: "ORTHANC_AE_TITLE", defaultValue: "ORTHANC", help: "the destination Orthanc's AE title (called AE)"),
        Setting(key: "ORTHANC_CALLING_AE_TITLE", defaultValue: "", help: "calling AE title towards Orthanc (empty: DICOM_AE_TITLE)"),
        Setting(key: "ORTHANC_VERIFY", defaultValue: "rest", help: "how stores are verified: rest (Orthanc's REST API at ORTHANC_URL), commitment (Storage Commitment) or none"),
        Setting(key: "COMMITMENT_TIMEOUT", defaultValue: "60", help: "seconds to wait for a Storage Commitment result (N-EVENT-REPORT) before asking again"),
        Setting(key: "ORTHANC_URL", defaultValue: "http://127.0.0.1:8042", help: "the destination Orthanc's REST API"),
        Setting(key: "ORTHANC_USERNAME", defaultValue: "", help: "user for ORTHANC_URL (HTTP basic; empty: none)"),
        Setting(key: "ORTHANC_PASSWORD", defaultValue: "", help: "password for ORTHANC_URL", isSecret: true),
        Setting(key: "EXTRA_DESTINATIONS", defaultValue: "",
                help: "more DICOM destinations: NAME=AET@HOST:PORT[ REST-URL|commitment];... (how stores are verified there)"),
        Setting(key: "SEND_TO_GOOGLE", defaultValue: "false", help: "also upload each series to Google Cloud Storage as a NIfTI volume (.nii.gz) with a metadata JSON"),
        Setting(key: "GOOGLE_CLOUD_STORAGE", defaultValue: "", help: "the bucket (SEND_TO_GOOGLE)"),
        Setting(key: "GOOGLE_APPLICATION_CREDENTIALS", defaultValue: "", help: "a service-account key JSON (empty: the GCE metadata server)"),
        Setting(key: "GOOGLE_STORAGE_COLLECTION", defaultValue: "sendit", help: "first part of object names: COLLECTION/<patient code>/<accession code>/<series>.nii.gz"),
        Setting(key: "GOOGLE_STORAGE_ENDPOINT", defaultValue: "https://storage.googleapis.com", help: "the storage JSON API's base URL (an emulator's, for tests)"),
        Setting(key: "GOOGLE_METADATA_FIELDS", defaultValue: SeriesMetadata.defaultFields.joined(separator: ","),
                help: "fields of the metadata JSON: de-identified header keywords, ImageCount, SliceThickness, Matrix"),
        Setting(key: "SEND_WORKERS", defaultValue: "2", help: "threads sending series (apart from WORKERS, so a slow destination holds up no de-identification)"),
        Setting(key: "SEND_ASSOCIATIONS", defaultValue: "2", help: "associations at once to a destination for one long series (32 images each at least)"),
        Setting(key: "SEND_RETRY_DELAY", defaultValue: "10", help: "seconds before a failed send is tried again; doubles each time up to SEND_RETRY_MAX_DELAY"),
        Setting(key: "SEND_RETRY_MAX_DELAY", defaultValue: "600", help: "longest wait between tries of a send, in seconds"),
        Setting(key: "SEND_GIVE_UP_AFTER", defaultValue: "0", help: "seconds after which a series that cannot be sent is FAILED (0: keep trying)"),
        Setting(key: "SEND_ACCEPT_WARNINGS", defaultValue: "true", help: "a C-STORE Warning (B0xx) counts as stored (false: try again); recorded either way"),
        Setting(key: "SEND_TIMEOUT", defaultValue: "60", help: "seconds to wait for a destination's answer"),
        Setting(key: "RETENTION", defaultValue: "0",
                help: "days a DONE image's files and rows are kept (0: removed once verified everywhere; never: kept)"),
        Setting(key: "CLEANUP_INTERVAL", defaultValue: "60", help: "seconds between clean-up sweeps"),
        Setting(key: "LOG_LEVEL", defaultValue: "info", help: "trace, debug, info, notice, warning, error or critical"),
    ]

    enum Source: String { case `default`, file, environment, flag }

    struct ConfigurationError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    private(set) var values: [String: (value: String, source: Source)] = [:]
    let file: String?

    /// Defaults, then `file` (if given), then the environment.
    init(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.file = file
        for s in Self.settings { values[s.key] = (s.defaultValue, .default) }
        if let file {
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                throw ConfigurationError(message: "cannot read configuration file \(file): \(error.localizedDescription)")
            }
            for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = raw.trimmingCharacters(in: .whitespaces)
                if line.isEmpty || line.hasPrefix("#") { continue }
                guard let eq = line.firstIndex(of: "=") else {
                    throw ConfigurationError(message: "\(file):\(n + 1): expected KEY=VALUE")
                }
                let key = line[..<eq].trimmingCharacters(in: .whitespaces)
                var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
                if value.count >= 2, let q = value.first, (q == "\"" || q == "'"), value.last == q {
                    value = String(value.dropFirst().dropLast())
                }
                guard values[key] != nil else { throw ConfigurationError(message: "\(file):\(n + 1): unknown setting \(key)") }
                values[key] = (value, .file)
            }
        }
        for s in Self.settings { if let v = environment[s.key] { values[s.key] = (v, .environment) } }
    }

    mutating func override(_ key: String, _ value: String?) {
        if let value { values[key] = (value, .flag) }
    }

    func string(_ key: String) -> String { values[key]!.value }

    func int(_ key: String) throws -> Int {
        guard let v = Int(string(key)) else { throw ConfigurationError(message: "\(key) must be an integer, not \"\(string(key))\"") }
        return v
    }

    /// A number of seconds, more than 0 and at most a day.
    func double(_ key: String) throws -> Double {
        guard let v = Double(string(key)), v > 0, v <= 86_400 else {
            throw ConfigurationError(message: "\(key) must be a number of seconds above 0 and at most 86400, not \"\(string(key))\"")
        }
        return v
    }

    func bool(_ key: String) throws -> Bool {
        switch string(key).lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw ConfigurationError(message: "\(key) must be true or false, not \"\(string(key))\"")
        }
    }

    func list(_ key: String) -> [String] {
        string(key).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The DICOM listener's configuration, validated.
    func server() throws -> ServerConfiguration {
        var c = ServerConfiguration()
        c.port = try int("DICOM_PORT")
        guard (0...65535).contains(c.port) else { throw ConfigurationError(message: "DICOM_PORT must be 0-65535") }
        c.aeTitle = string("DICOM_AE_TITLE")
        guard (1...16).contains(c.aeTitle.utf8.count) else { throw ConfigurationError(message: "DICOM_AE_TITLE must be 1 to 16 characters") }
        c.bindAddress = string("DICOM_BIND_ADDRESS")
        c.dataFolder = PipelineConfiguration.absolute(string("DATA_FOLDER"))
        c.checkCalledAETitle = try bool("DICOM_CHECK_CALLED_AET")
        let allowed = list("DICOM_ALLOWED_CALLING_AETS")
        c.allowedCallingAETitles = allowed.isEmpty ? nil : Set(allowed)
        c.maximumAssociations = try int("DICOM_MAX_ASSOCIATIONS")
        guard c.maximumAssociations >= 1 else { throw ConfigurationError(message: "DICOM_MAX_ASSOCIATIONS must be at least 1") }
        c.acceptUnknownSOPClasses = try bool("DICOM_ACCEPT_UNKNOWN_SOP_CLASSES")
        c.acceptUnknownTransferSyntaxes = try bool("DICOM_ACCEPT_PRIVATE_TRANSFER_SYNTAXES")
        c.transferSyntaxPreference = list("DICOM_TRANSFER_SYNTAX_PREFERENCE")
        let pdu = try int("DICOM_MAX_PDU")
        guard (4096...(16 << 20)).contains(pdu) else {
            throw ConfigurationError(message: "DICOM_MAX_PDU must be 4096 to 16777216")
        }
        c.maximumPDULength = UInt32(pdu)
        c.artimTimeout = try double("DICOM_ARTIM_TIMEOUT")
        c.idleTimeout = try double("DICOM_IDLE_TIMEOUT")
        c.dimseTimeout = try double("DICOM_DIMSE_TIMEOUT")
        c.sync = try bool("FSYNC")
        c.shutdownGrace = try double("SHUTDOWN_GRACE")
        return c
    }

    /// The intake and job queue's configuration, validated.
    func pipeline() throws -> PipelineConfiguration {
        var p = PipelineConfiguration(databasePath: PipelineConfiguration.absolute(string("DATABASE")),
                                      quarantineFolder: PipelineConfiguration.absolute(string("QUARANTINE_FOLDER")))
        let data = PipelineConfiguration.absolute(string("DATA_FOLDER"))
        if PipelineConfiguration.contains(data, p.quarantineFolder) {
            throw ConfigurationError(message: "QUARANTINE_FOLDER must not be inside DATA_FOLDER (it would be imported as a finished folder)")
        }
        p.stableAge = try double("STABLE_AGE")
        p.rescanInterval = try double("RESCAN_INTERVAL")
        p.importBatch = try int("IMPORT_BATCH")
        guard (1...100_000).contains(p.importBatch) else { throw ConfigurationError(message: "IMPORT_BATCH must be 1 to 100000") }
        if string("WORKERS").lowercased() != "auto" {
            p.workers = try int("WORKERS")
            guard (1...256).contains(p.workers) else { throw ConfigurationError(message: "WORKERS must be auto or 1 to 256") }
        }
        p.retry.maxAttempts = try int("JOB_MAX_ATTEMPTS")
        guard (1...1000).contains(p.retry.maxAttempts) else { throw ConfigurationError(message: "JOB_MAX_ATTEMPTS must be 1 to 1000") }
        p.retry.baseDelay = try double("JOB_RETRY_DELAY")
        p.retry.lease = try double("JOB_LEASE")
        // Empty: beside the quarantine (./var/outbox and ./var/secrets by default), so that a
        // setup that moves the quarantine moves them too.
        let beside = (p.quarantineFolder as NSString).deletingLastPathComponent
        p.outboxFolder = string("OUTBOX_FOLDER").isEmpty ? beside + "/outbox" : PipelineConfiguration.absolute(string("OUTBOX_FOLDER"))
        if PipelineConfiguration.contains(data, p.outboxFolder) {
            throw ConfigurationError(message: "OUTBOX_FOLDER must not be inside DATA_FOLDER (it would be imported as a finished folder)")
        }
        p.secretsFile = string("SECRETS_FILE").isEmpty ? beside + "/secrets" : PipelineConfiguration.absolute(string("SECRETS_FILE"))
        return p
    }

    /// The de-identification settings, validated.
    func deidentification() throws -> DeidentificationSettings {
        var options = Set<ProfileOption>()
        for name in list("DEID_OPTIONS") where name.lowercased() != "none" {
            guard let option = ProfileOption(settingName: name) else {
                throw ConfigurationError(message: "DEID_OPTIONS: unknown option \"\(name)\" (one of: \(ProfileOption.allCases.map(\.settingName).joined(separator: ", ")))")
            }
            options.insert(option)
        }
        let profile: ConfidentialityProfile
        do { profile = try ConfidentialityProfile(options: options) } catch {
            throw ConfigurationError(message: "DEID_OPTIONS: \(error)")
        }
        var d = DeidentificationSettings(profile: profile)
        d.patientNamePattern = string("DEID_PATIENT_NAME")
        guard !d.patientNamePattern.isEmpty else { throw ConfigurationError(message: "DEID_PATIENT_NAME must not be empty") }
        d.keepUnknownAttributes = try bool("DEID_KEEP_UNKNOWN_ATTRIBUTES")
        switch string("DEID_NARRATIVE_TEXT").lowercased() {
        case "remove": d.keepsNarrativeText = false
        case "clean": d.keepsNarrativeText = true
        case let other: throw ConfigurationError(message: "DEID_NARRATIVE_TEXT must be remove or clean, not \"\(other)\"")
        }
        let recipePath = string("STUDY_DEID")
        if !recipePath.isEmpty {
            let text: String
            do { text = try String(contentsOfFile: recipePath, encoding: .utf8) } catch {
                throw ConfigurationError(message: "STUDY_DEID: cannot read \(recipePath): \(error.localizedDescription)")
            }
            do { d.recipe = try Recipe.parse(text, source: recipePath) } catch {
                throw ConfigurationError(message: "STUDY_DEID: the recipe is not valid:\n\(error)")
            }
        }
        for entry in string("DEID_SAFE_PRIVATE").split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            guard let safe = SafePrivateAttribute(parsing: entry) else {
                throw ConfigurationError(message: "DEID_SAFE_PRIVATE: \"\(entry)\" is not CREATOR,gggg,ee (odd group, hexadecimal)")
            }
            d.safePrivateAttributes.append(safe)
        }
        return d
    }

    /// The identifiers service's URL when DEIDENTIFY_RESTFUL is on (nil when off).
    func identifiersURL() throws -> URL? {
        guard try bool("DEIDENTIFY_RESTFUL") else { return nil }
        guard let url = URL(string: string("IDENTIFIERS_URL")), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ConfigurationError(message: "DEIDENTIFY_RESTFUL is on: IDENTIFIERS_URL must be an http(s) URL, not \"\(string("IDENTIFIERS_URL"))\"")
        }
        return url
    }

    /// The burned-in rules: BURNED_IN_RULES's file, or the built-in ones.
    func burnedInRules() throws -> BurnedInRules {
        let path = string("BURNED_IN_RULES")
        guard !path.isEmpty else { return .standard }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigurationError(message: "BURNED_IN_RULES: cannot read \(path): \(error.localizedDescription)")
        }
        do { return try BurnedInRules.parse(text) } catch {
            throw ConfigurationError(message: "BURNED_IN_RULES: \(path): \(error)")
        }
    }

    /// The local pseudonymizer's jitter range, FROM,TO in days (FROM <= TO).
    func jitterRange() throws -> ClosedRange<Int> {
        let parts = list("DEID_JITTER_RANGE").compactMap { Int($0) }
        guard parts.count == 2, parts[0] <= parts[1], abs(parts[0]) <= 3650, abs(parts[1]) <= 3650,
              !(parts[0]...parts[1]).contains(0) else {
            throw ConfigurationError(message: "DEID_JITTER_RANGE must be FROM,TO in days, FROM <= TO, within ±3650, not including 0, not \"\(string("DEID_JITTER_RANGE"))\"")
        }
        return parts[0]...parts[1]
    }

    /// Which header fields and source names identifiers requests use.
    func identifierFields() throws -> IdentifiersRequest.Fields {
        var f = IdentifiersRequest.Fields()
        for (key, path) in [("ENTITY_ID", \IdentifiersRequest.Fields.entityField), ("ITEM_ID", \IdentifiersRequest.Fields.itemField)] {
            guard let entry = DataDictionary.entry(forKeyword: string(key)) else {
                throw ConfigurationError(message: "\(key) must be a DICOM keyword such as PatientID, not \"\(string(key))\"")
            }
            f[keyPath: path] = entry.tag
        }
        f.entitySource = string("ENTITY_SOURCE")
        f.itemSource = string("ITEM_SOURCE")
        if try bool("PATIENT_ID_WITH_ISSUER") { f.issuerField = .issuerOfPatientID }
        return f
    }

    /// `KEY=VALUE  # source`, secrets masked.
    func describe() -> String {
        Self.settings.map { s in
            let (value, source) = values[s.key]!
            let shown = s.isSecret && !value.isEmpty ? "********" : value
            return "\(s.key)=\(shown)" + String(repeating: " ", count: max(1, 48 - s.key.count - shown.count)) + "# \(source.rawValue): \(s.help)"
        }.joined(separator: "\n")
    }
}

/// Options every command that reads the configuration shares.
import ArgumentParser

struct ConfigurationOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (KEY=VALUE lines); environment variables of the same names override it.")
    var config: String?

    func load() throws -> SenditConfiguration {
        try SenditConfiguration(file: config)
    }
}

import DICOMNetwork
import Deidentify
import Pipeline

/// Every setting of sendit, declared once: its name, type and allowed values (`Kind`), default,
/// whether it is a secret, and a one-line help. The order of the cases is the order of
/// `sendit config check`, `docs/configuration.md` and `serve --help`. `NodeConfiguration.resolve`
/// turns the values of these settings into typed fields; nothing else reads a setting by name.
enum Setting: String, CaseIterable, Sendable {
    case dicomPort = "DICOM_PORT"
    case dicomAETitle = "DICOM_AE_TITLE"
    case dicomBindAddress = "DICOM_BIND_ADDRESS"
    case dataFolder = "DATA_FOLDER"
    case dicomCheckCalledAET = "DICOM_CHECK_CALLED_AET"
    case dicomAllowedCallingAETs = "DICOM_ALLOWED_CALLING_AETS"
    case dicomMaxAssociations = "DICOM_MAX_ASSOCIATIONS"
    case dicomAcceptUnknownSOPClasses = "DICOM_ACCEPT_UNKNOWN_SOP_CLASSES"
    case dicomAcceptPrivateTransferSyntaxes = "DICOM_ACCEPT_PRIVATE_TRANSFER_SYNTAXES"
    case dicomTransferSyntaxPreference = "DICOM_TRANSFER_SYNTAX_PREFERENCE"
    case dicomMaxPDU = "DICOM_MAX_PDU"
    case dicomARTIMTimeout = "DICOM_ARTIM_TIMEOUT"
    case dicomIdleTimeout = "DICOM_IDLE_TIMEOUT"
    case dicomDIMSETimeout = "DICOM_DIMSE_TIMEOUT"
    case dicomTLSPort = "DICOM_TLS_PORT"
    case dicomTLSOnly = "DICOM_TLS_ONLY"
    case dicomTLSCert = "DICOM_TLS_CERT"
    case dicomTLSKey = "DICOM_TLS_KEY"
    case dicomTLSCA = "DICOM_TLS_CA"
    case dicomTLSClientCerts = "DICOM_TLS_CLIENT_CERTS"
    case dicomTLSAESubjects = "DICOM_TLS_AE_SUBJECTS"
    case dicomAsyncWindow = "DICOM_ASYNC_WINDOW"
    case fsync = "FSYNC"
    case shutdownGrace = "SHUTDOWN_GRACE"
    case database = "DATABASE"
    case quarantineFolder = "QUARANTINE_FOLDER"
    case stableAge = "STABLE_AGE"
    case importBeforeQuiet = "IMPORT_BEFORE_QUIET"
    case rescanInterval = "RESCAN_INTERVAL"
    case importBatch = "IMPORT_BATCH"
    case workers = "WORKERS"
    case jobMaxAttempts = "JOB_MAX_ATTEMPTS"
    case jobRetryDelay = "JOB_RETRY_DELAY"
    case jobLease = "JOB_LEASE"
    case outboxFolder = "OUTBOX_FOLDER"
    case secretsFile = "SECRETS_FILE"
    case deidOptions = "DEID_OPTIONS"
    case deidPatientName = "DEID_PATIENT_NAME"
    case deidJitterRange = "DEID_JITTER_RANGE"
    case deidSafePrivate = "DEID_SAFE_PRIVATE"
    case deidKeepUnknownAttributes = "DEID_KEEP_UNKNOWN_ATTRIBUTES"
    case deidNarrativeText = "DEID_NARRATIVE_TEXT"
    case deidentifyRESTful = "DEIDENTIFY_RESTFUL"
    case identifiersURL = "IDENTIFIERS_URL"
    case identifiersTimeout = "IDENTIFIERS_TIMEOUT"
    case studyDeid = "STUDY_DEID"
    case burnedInRules = "BURNED_IN_RULES"
    case entityID = "ENTITY_ID"
    case entitySource = "ENTITY_SOURCE"
    case patientIDWithIssuer = "PATIENT_ID_WITH_ISSUER"
    case itemID = "ITEM_ID"
    case itemSource = "ITEM_SOURCE"
    case sendToOrthanc = "SEND_TO_ORTHANC"
    case orthancIPAddress = "ORTHANC_IPADDRESS"
    case orthancPort = "ORTHANC_PORT"
    case orthancAETitle = "ORTHANC_AE_TITLE"
    case orthancCallingAETitle = "ORTHANC_CALLING_AE_TITLE"
    case orthancTLS = "ORTHANC_TLS"
    case orthancVerify = "ORTHANC_VERIFY"
    case commitmentTimeout = "COMMITMENT_TIMEOUT"
    case orthancURL = "ORTHANC_URL"
    case orthancUsername = "ORTHANC_USERNAME"
    case orthancPassword = "ORTHANC_PASSWORD"
    case extraDestinations = "EXTRA_DESTINATIONS"
    case sendToGoogle = "SEND_TO_GOOGLE"
    case googleCloudStorage = "GOOGLE_CLOUD_STORAGE"
    case googleApplicationCredentials = "GOOGLE_APPLICATION_CREDENTIALS"
    case googleStorageCollection = "GOOGLE_STORAGE_COLLECTION"
    case googleStorageEndpoint = "GOOGLE_STORAGE_ENDPOINT"
    case googleMetadataFields = "GOOGLE_METADATA_FIELDS"
    case sendToDICOMweb = "SEND_TO_DICOMWEB"
    case dicomwebURL = "DICOMWEB_URL"
    case dicomwebAuth = "DICOMWEB_AUTH"
    case dicomwebUsername = "DICOMWEB_USERNAME"
    case dicomwebPassword = "DICOMWEB_PASSWORD"
    case dicomwebToken = "DICOMWEB_TOKEN"
    case dicomwebVerify = "DICOMWEB_VERIFY"
    case sendWorkers = "SEND_WORKERS"
    case sendAssociations = "SEND_ASSOCIATIONS"
    case sendAsyncWindow = "SEND_ASYNC_WINDOW"
    case sendMaxRate = "SEND_MAX_RATE"
    case sendRetryDelay = "SEND_RETRY_DELAY"
    case sendRetryMaxDelay = "SEND_RETRY_MAX_DELAY"
    case sendGiveUpAfter = "SEND_GIVE_UP_AFTER"
    case sendAcceptWarnings = "SEND_ACCEPT_WARNINGS"
    case sendTimeout = "SEND_TIMEOUT"
    case retention = "RETENTION"
    case cleanupInterval = "CLEANUP_INTERVAL"
    case logLevel = "LOG_LEVEL"
    case httpEnabled = "HTTP_ENABLED"
    case httpHost = "HTTP_HOST"
    case httpPort = "HTTP_PORT"
    case lockdownEnabled = "LOCKDOWN_ENABLED"
    case lockdownPasswords = "LOCKDOWN_PASSWORDS"
    case lockdownRole = "LOCKDOWN_ROLE"
    case sessionIdle = "SESSION_IDLE"
    case sessionLifetime = "SESSION_LIFETIME"
    case showPHI = "SHOW_PHI"
    case metricsPublic = "METRICS_PUBLIC"
    case httpTLSCert = "HTTP_TLS_CERT"
    case httpTLSKey = "HTTP_TLS_KEY"
    case diskMinFree = "DISK_MIN_FREE"
    case alertWebhookURLs = "ALERT_WEBHOOK_URLS"
    case alertDestinationDownAfter = "ALERT_DESTINATION_DOWN_AFTER"
    case alertDiskMinFree = "ALERT_DISK_MIN_FREE"
    case httpAllowedHosts = "HTTP_ALLOWED_HOSTS"
    case trustedProxies = "TRUSTED_PROXIES"
    case projectsFile = "PROJECTS_FILE"
    case retrieveSources = "RETRIEVE_SOURCES"
    case retrieveMethod = "RETRIEVE_METHOD"
    case retrieveMaxActive = "RETRIEVE_MAX_ACTIVE"
    case retrieveWindow = "RETRIEVE_WINDOW"
    case retrieveTimeout = "RETRIEVE_TIMEOUT"

    /// A setting's type, default and meaning.
    struct Declaration: Sendable {
        let kind: Kind
        let defaultValue: String
        let help: String
        var isSecret = false
    }

    var name: String { rawValue }
    var kind: Kind { declaration.kind }
    var defaultValue: String { declaration.defaultValue }
    var help: String { declaration.help }
    var isSecret: Bool { declaration.isSecret }

    /// `text` as a report, `config check`, the start-up summary or the Settings page shows this
    /// setting's value: a secret's masked; in any other, each http(s) URL's user, password and
    /// query masked (`URLMask`).
    func shown(_ text: String) -> String {
        if isSecret && !text.isEmpty { return "********" }
        if case .url = kind { return URLMask.masked(text, whole: true) }
        return URLMask.masked(text, whole: false)
    }

    /// The table. A new case does not compile until it is declared here.
    var declaration: Declaration {
        switch self {
        case .dicomPort: Declaration(kind: .integer(0...65535), defaultValue: "11112", help: "TCP port of the DICOM listener (0: any free port)")
        case .dicomAETitle: Declaration(kind: .aeTitle(optional: false), defaultValue: "SENDIT", help: "this node's AE title")
        case .dicomBindAddress: Declaration(kind: .text(optional: false), defaultValue: "0.0.0.0", help: "address the listener binds")
        case .dataFolder: Declaration(kind: .path(optional: false), defaultValue: "./data", help: "where received studies are staged")
        case .dicomCheckCalledAET:
            Declaration(kind: .boolean, defaultValue: "true", help: "reject associations not addressed to DICOM_AE_TITLE")
        case .dicomAllowedCallingAETs:
            Declaration(kind: .special(type: "list", allowed: "AE titles (1 to 16 characters), comma-separated; empty: any"),
                        defaultValue: "", help: "calling AE titles allowed (empty: any)")
        case .dicomMaxAssociations:
            Declaration(kind: .integer(1...100_000), defaultValue: "16", help: "associations at once; more are rejected (transient)")
        case .dicomAcceptUnknownSOPClasses:
            Declaration(kind: .boolean, defaultValue: "false", help: "accept SOP classes that are not Storage or Verification")
        case .dicomAcceptPrivateTransferSyntaxes:
            Declaration(kind: .boolean, defaultValue: "false", help: "accept unregistered transfer syntaxes (stored as received)")
        case .dicomTransferSyntaxPreference:
            Declaration(kind: .special(type: "list", allowed: "transfer syntax UIDs (digits and dots, at most 64), comma-separated"),
                        defaultValue: "1.2.840.10008.1.2.1,1.2.840.10008.1.2",
                        help: "transfer syntaxes preferred, in order, when a context proposes several")
        case .dicomMaxPDU:
            Declaration(kind: .integer(4096...16_777_216), defaultValue: "131072", help: "maximum PDU length received, in bytes")
        case .dicomARTIMTimeout:
            Declaration(kind: .seconds, defaultValue: "30", help: "seconds to wait for an A-ASSOCIATE-RQ, or for the peer to close")
        case .dicomIdleTimeout: Declaration(kind: .seconds, defaultValue: "60", help: "seconds an association may stay silent between messages")
        case .dicomDIMSETimeout: Declaration(kind: .seconds, defaultValue: "60", help: "seconds to wait for the next fragment of a message")
        case .dicomTLSPort:
            Declaration(kind: .special(type: "port or empty", allowed: "0 to 65535 (2762: IANA's port for DICOM over TLS), or empty"),
                        defaultValue: "", help: "TCP port of the DICOM over TLS listener, beside DICOM_PORT (empty: none; TLS 1.2 and 1.3, BCP 195 ciphers)")
        case .dicomTLSOnly:
            Declaration(kind: .boolean, defaultValue: "false", help: "listen on DICOM_TLS_PORT only: no clear-text listener on DICOM_PORT")
        case .dicomTLSCert:
            Declaration(kind: .special(type: "path", allowed: "a readable PEM certificate (chain) file, or empty"), defaultValue: "",
                        help: "the TLS listener's certificate chain (PEM, its own certificate first; needed with DICOM_TLS_PORT)")
        case .dicomTLSKey:
            Declaration(kind: .special(type: "path", allowed: "a readable PEM private key file, or empty"), defaultValue: "",
                        help: "the TLS listener certificate's private key (PEM; needed with DICOM_TLS_PORT)")
        case .dicomTLSCA:
            Declaration(kind: .special(type: "path", allowed: "a readable PEM CA bundle file, or empty"), defaultValue: "",
                        help: "the CA certificates (PEM) client certificates are verified against (needed unless DICOM_TLS_CLIENT_CERTS is none)")
        case .dicomTLSClientCerts:
            Declaration(kind: .choice(TLSServerSettings.ClientCertificates.allCases.map(\.rawValue)), defaultValue: "none",
                        help: "client certificates on the TLS listener: none (not asked for), optional (one sent must verify against DICOM_TLS_CA), "
                            + "required (mutual TLS: a peer without a valid one is refused)")
        case .dicomTLSAESubjects:
            Declaration(kind: .special(type: "list", allowed: "SUBJECT->AE[,AE...] entries, ;-separated (SUBJECT: a whole RFC 2253 subject such as "
                                        + "CN=ct1,O=Hospital, or a common name alone); or empty"),
                        defaultValue: "",
                        help: "the calling AE titles each client certificate may use on the TLS listener (empty: any; set: a peer whose certificate "
                            + "is not listed may call as none)")
        case .dicomAsyncWindow:
            Declaration(kind: .integer(1...64), defaultValue: "8",
                        help: "the Asynchronous Operations Window accepted from a requestor that proposes one: requests it may keep "
                            + "outstanding (they are still performed and answered one at a time, in order; 1: answer 1/1)")
        case .fsync: Declaration(kind: .boolean, defaultValue: "true", help: "fdatasync each received instance and de-identified copy before going on")
        case .shutdownGrace: Declaration(kind: .seconds, defaultValue: "10", help: "seconds associations and jobs get to finish on shutdown")
        case .database: Declaration(kind: .path(optional: false), defaultValue: "./sendit.db", help: "the SQLite index (studies, series, images, jobs, events)")
        case .quarantineFolder:
            Declaration(kind: .path(optional: false), defaultValue: "./var/quarantine",
                        help: "where files that cannot be imported are moved (not inside DATA_FOLDER)")
        case .stableAge: Declaration(kind: .seconds, defaultValue: "60", help: "seconds without a new instance before a received study is finished")
        case .importBeforeQuiet: Declaration(kind: .boolean, defaultValue: "true", help: "index, de-identify and send each received instance as it lands; STABLE_AGE then holds only verification, Google volumes, clean-up and the folder's final name")
        case .rescanInterval: Declaration(kind: .seconds, defaultValue: "10", help: "seconds between rescans of the data folder (besides inotify)")
        case .importBatch: Declaration(kind: .integer(1...100_000), defaultValue: "2000", help: "files per import transaction")
        case .workers:
            Declaration(kind: .special(type: "integer or auto", allowed: "auto, or 1 to 256"), defaultValue: "auto",
                        help: "threads running pipeline jobs (auto: one per usable core: the CPU affinity and the cgroup CPU quota count)")
        case .jobMaxAttempts: Declaration(kind: .integer(1...1000), defaultValue: "10", help: "tries of a job before it is FAILED")
        case .jobRetryDelay:
            Declaration(kind: .seconds, defaultValue: "10", help: "seconds before a failed job's first retry; doubles each time, at most an hour")
        case .jobLease:
            Declaration(kind: .seconds, defaultValue: "300", help: "seconds a job stays claimed without a heartbeat before it is retried")
        case .outboxFolder:
            Declaration(kind: .path(optional: true), defaultValue: "",
                        help: "where de-identified copies wait to be sent (empty: outbox beside QUARANTINE_FOLDER; not inside DATA_FOLDER)")
        case .secretsFile:
            Declaration(kind: .path(optional: true), defaultValue: "",
                        help: "mode-0600 file with DEID_KEY (made on first use) and credentials (empty: secrets beside QUARANTINE_FOLDER)")
        case .deidOptions:
            Declaration(kind: .special(type: "list", allowed: "none, or comma-separated: "
                                        + ProfileOption.allCases.map(\.settingName).joined(separator: ", ")),
                        defaultValue: "retain-modified-dates,retain-patient-characteristics,clean-descriptors",
                        help: "PS3.15 profile options (none: the Basic Profile alone)")
        case .deidPatientName:
            Declaration(kind: .text(optional: false), defaultValue: "{entity}",
                        help: "PatientName of the output: {entity} patient code, {item} study code")
        case .deidJitterRange:
            Declaration(kind: .special(type: "FROM,TO", allowed: "days, FROM <= TO, within ±3650, the range not including 0"),
                        defaultValue: "-30,-1", help: "days the local pseudonymizer moves a patient's dates")
        case .deidSafePrivate:
            Declaration(kind: .special(type: "list", allowed: "CREATOR,gggg,ee entries (odd group, hexadecimal), ;-separated"),
                        defaultValue: "", help: "private attributes kept with retain-safe-private")
        case .deidKeepUnknownAttributes:
            Declaration(kind: .boolean, defaultValue: "false", help: "keep public attributes the dictionary does not know")
        case .deidNarrativeText:
            Declaration(kind: .choice(["remove", "clean"]), defaultValue: "remove",
                        help: "narrative text (comments, histories, reasons, SR text): remove, or clean (kept, cleaned)")
        case .deidentifyRESTful:
            Declaration(kind: .boolean, defaultValue: "false", help: "ask the identifiers service (IDENTIFIERS_URL) instead of the local pseudonymizer")
        case .identifiersURL:
            Declaration(kind: .url(optional: true), defaultValue: "",
                        help: "the identifiers service's URL (POST, DASHER contract; needed with DEIDENTIFY_RESTFUL); token: IDENTIFIERS_TOKEN in SECRETS_FILE")
        case .identifiersTimeout: Declaration(kind: .seconds, defaultValue: "30", help: "seconds to wait for the identifiers service")
        case .studyDeid:
            Declaration(kind: .special(type: "path", allowed: "a readable recipe file, or empty"), defaultValue: "",
                        help: "a recipe file (pydicom/deid %header syntax) applied after the profile")
        case .projectsFile:
            Declaration(kind: .special(type: "path", allowed: "a readable projects file (JSON), or empty"), defaultValue: "",
                        help: "projects (their de-identification, destinations, retention) and the routing rules choosing them; empty: one project")
        case .burnedInRules:
            Declaration(kind: .special(type: "path", allowed: "a readable rules file, or empty"), defaultValue: "",
                        help: "rules file deciding which images are HELD for burned-in text (empty: built-in rules)")
        case .entityID:
            Declaration(kind: .special(type: "keyword", allowed: "a DICOM keyword"), defaultValue: "PatientID",
                        help: "header field identifying the patient to the identifiers service")
        case .entitySource:
            Declaration(kind: .text(optional: false), defaultValue: "Stanford MRN", help: "id_source of the patient in identifiers requests")
        case .patientIDWithIssuer:
            Declaration(kind: .boolean, defaultValue: "false",
                        help: "the site receives from several ID namespaces: a patient is IssuerOfPatientID + ENTITY_ID (id_source ENTITY_SOURCE^issuer)")
        case .itemID:
            Declaration(kind: .special(type: "keyword", allowed: "a DICOM keyword"), defaultValue: "AccessionNumber",
                        help: "header field identifying the study to the identifiers service")
        case .itemSource:
            Declaration(kind: .text(optional: false), defaultValue: "DCM Accession #", help: "id_source of the study in identifiers requests")
        case .sendToOrthanc:
            Declaration(kind: .boolean, defaultValue: "true", help: "send de-identified series to the Orthanc at ORTHANC_IPADDRESS:ORTHANC_PORT")
        case .orthancIPAddress: Declaration(kind: .text(optional: false), defaultValue: "127.0.0.1", help: "the destination Orthanc's host")
        case .orthancPort: Declaration(kind: .integer(1...65535), defaultValue: "4747", help: "the destination Orthanc's DICOM port")
        case .orthancAETitle:
            Declaration(kind: .aeTitle(optional: false), defaultValue: "ORTHANC", help: "the destination Orthanc's AE title (called AE)")
        case .orthancCallingAETitle:
            Declaration(kind: .aeTitle(optional: true), defaultValue: "", help: "calling AE title towards Orthanc (empty: DICOM_AE_TITLE)")
        case .orthancTLS:
            Declaration(kind: .special(type: "TLS options or empty", allowed: TLSOptions.allowed), defaultValue: "",
                        help: "DICOM over TLS to the Orthanc: the server certificate checked against ca= (and its name) or pin=, "
                            + "optional client certificate (empty: clear text; a failure never falls back to it)")
        case .orthancVerify:
            Declaration(kind: .choice(["rest", "commitment", "none"]), defaultValue: "rest",
                        help: "how stores are verified: rest (Orthanc's REST API at ORTHANC_URL), commitment (Storage Commitment) or none")
        case .commitmentTimeout:
            Declaration(kind: .seconds, defaultValue: "60",
                        help: "seconds to wait for a Storage Commitment result (N-EVENT-REPORT) before asking again")
        case .orthancURL: Declaration(kind: .url(optional: false), defaultValue: "http://127.0.0.1:8042", help: "the destination Orthanc's REST API")
        case .orthancUsername: Declaration(kind: .text(optional: true), defaultValue: "", help: "user for ORTHANC_URL (HTTP basic; empty: none)")
        case .orthancPassword: Declaration(kind: .text(optional: true), defaultValue: "", help: "password for ORTHANC_URL", isSecret: true)
        case .extraDestinations:
            Declaration(kind: .special(type: "list", allowed: "NAME=AET@HOST:PORT[ REST-URL|commitment][ tls:OPTIONS] entries, ;-separated "
                                        + "(OPTIONS as ORTHANC_TLS takes them, without spaces)"),
                        defaultValue: "", help: "more DICOM destinations, how stores are verified there, and DICOM over TLS to them")
        case .sendToGoogle:
            Declaration(kind: .boolean, defaultValue: "false",
                        help: "also upload each series to Google Cloud Storage as a NIfTI volume (.nii.gz) with a metadata JSON")
        case .googleCloudStorage:
            Declaration(kind: .special(type: "bucket", allowed: "a bucket name (no /); needed with SEND_TO_GOOGLE"), defaultValue: "",
                        help: "the bucket (SEND_TO_GOOGLE)")
        case .googleApplicationCredentials:
            Declaration(kind: .path(optional: true), defaultValue: "",
                        help: "a service-account key JSON, read with SEND_TO_GOOGLE (empty: the GCE metadata server)")
        case .googleStorageCollection:
            Declaration(kind: .special(type: "text", allowed: "not empty, not only /"), defaultValue: "sendit",
                        help: "first part of object names: COLLECTION/<patient code>/<accession code>/<series>.nii.gz")
        case .googleStorageEndpoint:
            Declaration(kind: .url(optional: false), defaultValue: "https://storage.googleapis.com",
                        help: "the storage JSON API's base URL (an emulator's, for tests)")
        case .googleMetadataFields:
            Declaration(kind: .special(type: "list", allowed: "DICOM keywords, ImageCount, SliceThickness, Matrix; comma-separated"),
                        defaultValue: SeriesMetadata.defaultFields.joined(separator: ","),
                        help: "fields of the metadata JSON: de-identified header keywords, ImageCount, SliceThickness, Matrix")
        case .sendToDICOMweb:
            Declaration(kind: .boolean, defaultValue: "false",
                        help: "also store each de-identified series on the DICOMweb server at DICOMWEB_URL (STOW-RS, destination \"dicomweb\")")
        case .dicomwebURL:
            Declaration(kind: .url(optional: true), defaultValue: "",
                        help: "the DICOMweb service's base URL (STOW-RS POSTs to URL/studies), e.g. http://host:8042/dicom-web or a Cloud Healthcare DICOM store's .../dicomWeb")
        case .dicomwebAuth:
            Declaration(kind: .choice(["none", "basic", "bearer", "google"]), defaultValue: "none",
                        help: "how sendit signs in: none, basic (DICOMWEB_USERNAME and DICOMWEB_PASSWORD), bearer (DICOMWEB_TOKEN), "
                            + "google (an OAuth token with the Cloud Healthcare scope, from GOOGLE_APPLICATION_CREDENTIALS or the GCE metadata server)")
        case .dicomwebUsername: Declaration(kind: .text(optional: true), defaultValue: "", help: "user for DICOMWEB_AUTH=basic")
        case .dicomwebPassword: Declaration(kind: .text(optional: true), defaultValue: "", help: "password for DICOMWEB_AUTH=basic", isSecret: true)
        case .dicomwebToken: Declaration(kind: .text(optional: true), defaultValue: "", help: "the bearer token for DICOMWEB_AUTH=bearer", isSecret: true)
        case .dicomwebVerify:
            Declaration(kind: .choice(["qido", "none"]), defaultValue: "qido",
                        help: "how stores are verified: qido (QIDO-RS lists the series' instances; missing ones are sent again) or none (the STOW-RS answer is final)")
        case .sendWorkers:
            Declaration(kind: .integer(1...64), defaultValue: "2",
                        help: "threads sending series (apart from WORKERS, so a slow destination holds up no de-identification)")
        case .sendAssociations:
            Declaration(kind: .integer(1...16), defaultValue: "2",
                        help: "associations at once to a destination for one long series (32 images each at least)")
        case .sendAsyncWindow:
            Declaration(kind: .integer(1...64), defaultValue: "8",
                        help: "C-STOREs outstanding at once on one association to a DICOM destination that accepts an Asynchronous "
                            + "Operations Window that large (PS3.7 D.3.3.3; 1: none proposed, one at a time); "
                            + "8 keeps a 50 ms round trip from capping an association at 20 images/s")
        case .sendMaxRate:
            Declaration(kind: .special(type: "size per second, or empty", allowed: "empty or 0 (no cap); a size such as 10MB or 2.5 MiB"),
                        defaultValue: "",
                        help: "bandwidth cap per DICOM destination, in bytes a second over all its associations (a shared hospital link); "
                            + "empty: none")
        case .sendRetryDelay:
            Declaration(kind: .seconds, defaultValue: "10",
                        help: "seconds before a failed send is tried again; doubles each time up to SEND_RETRY_MAX_DELAY")
        case .sendRetryMaxDelay:
            Declaration(kind: .seconds, defaultValue: "600", help: "longest wait between tries of a send, in seconds (at least SEND_RETRY_DELAY)")
        case .sendGiveUpAfter:
            Declaration(kind: .secondsOrZero, defaultValue: "0", help: "seconds after which a series that cannot be sent is FAILED (0: keep trying)")
        case .sendAcceptWarnings:
            Declaration(kind: .boolean, defaultValue: "true", help: "a C-STORE Warning (B0xx) counts as stored (false: try again); recorded either way")
        case .sendTimeout: Declaration(kind: .seconds, defaultValue: "60", help: "seconds to wait for a destination's answer")
        case .retention:
            Declaration(kind: .special(type: "days or never", allowed: "0 to 36500 days, or never"), defaultValue: "0",
                        help: "days a DONE image's files and rows are kept (0: removed once verified everywhere; never: kept)")
        case .cleanupInterval: Declaration(kind: .seconds, defaultValue: "60", help: "seconds between clean-up sweeps")
        case .logLevel:
            Declaration(kind: .choice(["trace", "debug", "info", "notice", "warning", "error", "critical"]), defaultValue: "info",
                        help: "the least severe log lines written")
        case .httpEnabled: Declaration(kind: .boolean, defaultValue: "true", help: "serve the web dashboard, the JSON API, /metrics and the health checks")
        case .httpHost: Declaration(kind: .text(optional: false), defaultValue: "127.0.0.1", help: "address the web app binds")
        case .httpPort: Declaration(kind: .integer(0...65535), defaultValue: "8080", help: "TCP port of the web app (0: any free port)")
        case .lockdownEnabled:
            Declaration(kind: .boolean, defaultValue: "true",
                        help: "every page and API route needs a login (false: open to anyone who reaches it; a warning and a banner say so)")
        case .lockdownPasswords:
            Declaration(kind: .special(type: "list", allowed: "passwords of at least 10 characters, comma-separated; or empty"),
                        defaultValue: "", help: "shared passwords: each logs in as the user `shared` with LOCKDOWN_ROLE", isSecret: true)
        case .lockdownRole:
            Declaration(kind: .choice(["viewer", "operator", "admin"]), defaultValue: "viewer",
                        help: "the role of the shared login, and of everyone when LOCKDOWN_ENABLED is false")
        case .sessionIdle: Declaration(kind: .seconds, defaultValue: "1800", help: "seconds without a request after which a web session ends")
        case .sessionLifetime: Declaration(kind: .seconds, defaultValue: "43200", help: "seconds after login at which a web session ends whatever happens")
        case .showPHI:
            Declaration(kind: .boolean, defaultValue: "false", help: "show admins a series' original patient name, ID, birth date and accession number (series page and API; read from a received image still on disk; each view audited), with a banner")
        case .metricsPublic: Declaration(kind: .boolean, defaultValue: "false", help: "serve /metrics without a login (for a scraper on a trusted network)")
        case .httpTLSCert:
            Declaration(kind: .special(type: "path", allowed: "a readable PEM certificate (chain) file, or empty"), defaultValue: "",
                        help: "HTTPS for the web app: its certificate chain (PEM; with HTTP_TLS_KEY)")
        case .httpTLSKey:
            Declaration(kind: .special(type: "path", allowed: "a readable PEM private key file, or empty"), defaultValue: "",
                        help: "HTTPS for the web app: the certificate's private key (PEM; with HTTP_TLS_CERT)")
        case .diskMinFree:
            Declaration(kind: .special(type: "size, percentage or auto",
                                       allowed: "auto; a size such as 500MB, 5 GB or 1.5GiB (B, kB, MB, GB, TB, KiB, MiB, GiB, TiB); "
                                           + "a percentage above 0 and below 100 such as 5%; or 0 (off)"),
                        defaultValue: "auto",
                        help: "free space the data folder's and outbox's file systems keep: below it associations are refused (transient), "
                            + "C-STOREs answered A700, intake and de-identification paused (auto: the larger of 5 GB and 5 %)")
        case .alertWebhookURLs:
            Declaration(kind: .special(type: "list", allowed: "http(s) URLs, comma-separated; or empty"), defaultValue: "",
                        help: "webhooks each alert is POSTed to as JSON (a series FAILED or HELD, a destination down, low disk, a restart after a crash); empty: no alerts",
                        isSecret: true)
        case .alertDestinationDownAfter:
            Declaration(kind: .seconds, defaultValue: "900", help: "seconds a destination keeps failing before an alert says it is down")
        case .alertDiskMinFree:
            Declaration(kind: .special(type: "size, percentage, auto or empty", allowed: "empty, or what DISK_MIN_FREE takes"),
                        defaultValue: "",
                        help: "an earlier warning: free space of the data folder's or outbox's file system below which an alert is sent; "
                            + "the alert always comes at DISK_MIN_FREE too, whichever is larger (empty: at DISK_MIN_FREE only)")
        case .httpAllowedHosts:
            Declaration(kind: .special(type: "list", allowed: "host names, comma-separated; * (any: unsafe); or empty"), defaultValue: "",
                        help: "more host names the web app answers to (besides HTTP_HOST, localhost, this machine's name and IP addresses); "
                            + "others get 421 (DNS rebinding); * answers to any name (unsafe)")
        case .trustedProxies:
            Declaration(kind: .special(type: "list", allowed: "IP addresses or CIDR ranges (10.0.0.0/8, fd00::/8), comma-separated; or empty"),
                        defaultValue: "",
                        help: "reverse proxies in front of the web app: from these peers only, the client's address is taken from "
                            + "X-Forwarded-For (for the login limit, the audit trail, the log) and HTTPS from X-Forwarded-Proto (Secure cookies)")
        case .retrieveSources:
            Declaration(kind: .special(type: "list", allowed: "NAME=AET@HOST:PORT[ move|get][ tls:OPTIONS] entries, ;-separated; "
                                        + "or empty"),
                        defaultValue: "",
                        help: "archives to retrieve from (`sendit retrieve --from NAME`); each must know DICOM_AE_TITLE as a move "
                            + "destination (C-MOVE) or allow C-GET; `tls:` takes what ORTHANC_TLS does, without spaces: the "
                            + "archive is then reached over TLS only (its C-MOVE sub-associations come to DICOM_TLS_PORT if the "
                            + "archive uses TLS for them); empty: no retrieval")
        case .retrieveMethod:
            Declaration(kind: .choice(["move", "get"]), defaultValue: "move",
                        help: "how studies are retrieved when a RETRIEVE_SOURCES entry does not say: C-MOVE to DICOM_AE_TITLE, or C-GET")
        case .retrieveMaxActive:
            Declaration(kind: .integer(1...16), defaultValue: "1", help: "studies retrieved at once (C-FIND, C-MOVE or C-GET operations)")
        case .retrieveWindow:
            Declaration(kind: .special(type: "time window", allowed: "HH:MM-HH:MM (local time; may wrap past midnight), or empty"),
                        defaultValue: "", help: "when retrievals run, e.g. 20:00-06:00 (empty: always)")
        case .retrieveTimeout:
            Declaration(kind: .seconds, defaultValue: "600",
                        help: "seconds to wait for an archive's connection and each response (a C-MOVE's Pending responses included)")
        }
    }
}

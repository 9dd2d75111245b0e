import DICOMNetwork
import Deidentify
import Foundation
import Logging
import SenditWeb
import Pipeline
import SenditIndex
import RemoteServices
import SenditIntake

/// The node's configuration, typed and checked: what every command and the wiring take. Made
/// only by `resolve`, from the defaults, the file, the environment and flags (`SettingValues`),
/// which collects every mistake into one `ConfigurationReport` before anything starts.
/// `sendit config check` and every other command call the same `resolve`, so they accept and
/// refuse the same configurations.
struct NodeConfiguration {
    /// PROJECTS_FILE's projects (`default` first among them), each with its own settings and
    /// destinations; empty: the node has no projects (everything is `default`'s, as before).
    var projects: [NodeProject] = []
    /// The routing rules choosing each incoming instance's project (nil: no projects).
    var routing: RoutingPolicy?
    /// The DICOM listener (DICOM_*, DATA_FOLDER, FSYNC, SHUTDOWN_GRACE).
    var server: ServerConfiguration
    /// Intake and jobs (DATABASE, QUARANTINE_FOLDER, STABLE_AGE, WORKERS, JOB_*, OUTBOX_FOLDER,
    /// SECRETS_FILE); paths absolute.
    var pipeline: PipelineConfiguration
    /// DATA_FOLDER, absolute (the listener's).
    var dataFolder: String { server.dataFolder }
    /// FSYNC: received instances and de-identified copies are fdatasynced (the listener's).
    var fsync: Bool { server.sync }

    /// DEID_OPTIONS, DEID_PATIENT_NAME, DEID_KEEP_UNKNOWN_ATTRIBUTES, DEID_NARRATIVE_TEXT,
    /// STUDY_DEID (the recipe, parsed), DEID_SAFE_PRIVATE.
    var deidentification: DeidentificationSettings
    /// BURNED_IN_RULES's rules, or the built-in ones.
    var burnedInRules: BurnedInRules
    /// DEID_JITTER_RANGE, days.
    var jitterRange: ClosedRange<Int>
    /// ENTITY_ID, ENTITY_SOURCE, ITEM_ID, ITEM_SOURCE, PATIENT_ID_WITH_ISSUER.
    var identifierFields: IdentifiersRequest.Fields
    /// IDENTIFIERS_URL when DEIDENTIFY_RESTFUL is on; nil: the keyed local pseudonymizer.
    var identifiersURL: URL?
    /// IDENTIFIERS_TIMEOUT, seconds.
    var identifiersTimeout: TimeInterval

    /// The enabled destinations, in order: the Orthanc of ORTHANC_* when SEND_TO_ORTHANC, the
    /// bucket when SEND_TO_GOOGLE, then EXTRA_DESTINATIONS.
    var destinations: [DeliveryDestination]
    /// The storage client of the Google destination (SEND_TO_GOOGLE), its tokens from
    /// GOOGLE_APPLICATION_CREDENTIALS or the metadata server.
    var googleStorage: GoogleCloudStorage?
    /// GOOGLE_METADATA_FIELDS.
    var googleMetadataFields: [String]
    /// SEND_WORKERS threads.
    var sendWorkers: Int
    /// SEND_ASSOCIATIONS per destination for one long series.
    var sendAssociations: Int
    /// SEND_ACCEPT_WARNINGS.
    var sendAcceptWarnings: Bool
    /// SEND_RETRY_DELAY doubling to SEND_RETRY_MAX_DELAY, until SEND_GIVE_UP_AFTER; JOB_LEASE.
    var sendRetryPolicy: RetryPolicy

    /// RETENTION.
    var retention: Retention.Policy
    /// CLEANUP_INTERVAL, seconds.
    var cleanupInterval: TimeInterval
    /// LOG_LEVEL.
    var logLevel: Logger.Level
    /// HTTP_ENABLED.
    var httpEnabled: Bool = true
    /// HTTP_HOST, HTTP_PORT, LOCKDOWN_*, SESSION_*, SHOW_PHI, METRICS_PUBLIC.
    var web = WebConfiguration()
    /// DISK_MIN_FREE.
    var diskMinFree = DiskWatermark.automatic
    /// ALERT_WEBHOOK_URLS, ALERT_DESTINATION_DOWN_AFTER, ALERT_DISK_MIN_FREE (and DICOM_AE_TITLE).
    var alerts = AlertSettings()
    /// RETRIEVE_SOURCES, RETRIEVE_METHOD, RETRIEVE_MAX_ACTIVE, RETRIEVE_WINDOW, RETRIEVE_TIMEOUT
    /// (and DICOM_AE_TITLE, the move destination).
    var retrieval = RetrievalConfiguration(settings: RetrievalLoop.Settings(sources: [], aeTitle: "SENDIT"), timeout: 600)
}

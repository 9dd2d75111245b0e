import DICOMNetwork
import Foundation
import Pipeline
import SenditIndex
import RemoteServices

extension SenditConfiguration {
    /// The enabled destinations, validated: the Orthanc of the ORTHANC_* settings when
    /// SEND_TO_ORTHANC, then EXTRA_DESTINATIONS in order.
    func destinations() throws -> [DeliveryDestination] {
        let calling = string("ORTHANC_CALLING_AE_TITLE").isEmpty ? string("DICOM_AE_TITLE") : string("ORTHANC_CALLING_AE_TITLE")
        let timeout = try double("SEND_TIMEOUT")
        var out: [DeliveryDestination] = []
        if try bool("SEND_TO_ORTHANC") {
            let port = try int("ORTHANC_PORT")
            var dicom = try Self.dicomDestination(host: string("ORTHANC_IPADDRESS"), port: port, called: string("ORTHANC_AE_TITLE"),
                                                  calling: calling, setting: "ORTHANC_*")
            dicom.dimseTimeout = timeout
            let verification: DeliveryDestination.Verification
            switch string("ORTHANC_VERIFY").lowercased() {
            case "rest":
                guard let url = URL(string: string("ORTHANC_URL")), url.scheme == "http" || url.scheme == "https", url.host != nil else {
                    throw ConfigurationError(message: "ORTHANC_URL must be an http(s) URL, not \"\(string("ORTHANC_URL"))\"")
                }
                var rest = OrthancREST(url: url, username: string("ORTHANC_USERNAME"), password: string("ORTHANC_PASSWORD"))
                rest.timeout = timeout
                verification = .orthancREST(rest)
            case "commitment": verification = .storageCommitment(timeout: try double("COMMITMENT_TIMEOUT"))
            case "none": verification = .none
            default: throw ConfigurationError(message: "ORTHANC_VERIFY must be rest, commitment or none, not \"\(string("ORTHANC_VERIFY"))\"")
            }
            out.append(DeliveryDestination(name: "orthanc", dicom: dicom, verification: verification))
        }
        if try bool("SEND_TO_GOOGLE") {
            let bucket = string("GOOGLE_CLOUD_STORAGE")
            guard !bucket.isEmpty, !bucket.contains("/") else {
                throw ConfigurationError(message: "SEND_TO_GOOGLE is on: GOOGLE_CLOUD_STORAGE must name the bucket, not \"\(bucket)\"")
            }
            let collection = string("GOOGLE_STORAGE_COLLECTION").trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            guard !collection.isEmpty else { throw ConfigurationError(message: "GOOGLE_STORAGE_COLLECTION must not be empty") }
            out.append(DeliveryDestination(name: "google", target: .googleCloudStorage(bucket: bucket, collection: collection)))
        }
        for entry in string("EXTRA_DESTINATIONS").split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let bad = ConfigurationError(message: "EXTRA_DESTINATIONS: \"\(entry)\" is not NAME=AET@HOST:PORT[ REST-URL|commitment]")
            guard let eq = entry.firstIndex(of: "=") else { throw bad }
            let name = String(entry[..<eq]).trimmingCharacters(in: .whitespaces)
            let parts = entry[entry.index(after: eq)...].split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard DeliveryDestination.isValidName(name), (1...2).contains(parts.count),
                  let at = parts[0].lastIndex(of: "@"), let colon = parts[0].lastIndex(of: ":"), at < colon,
                  let port = Int(parts[0][parts[0].index(after: colon)...]) else { throw bad }
            guard !out.contains(where: { $0.name == name }) else {
                throw ConfigurationError(message: "EXTRA_DESTINATIONS: the name \(name) is used twice (\"orthanc\" is SEND_TO_ORTHANC's)")
            }
            var dicom = try Self.dicomDestination(host: String(parts[0][parts[0].index(after: at)..<colon]), port: port,
                                                  called: String(parts[0][..<at]), calling: calling, setting: "EXTRA_DESTINATIONS \(name)")
            dicom.dimseTimeout = timeout
            var verification = DeliveryDestination.Verification.none
            if parts.count == 2 {
                if parts[1] == "commitment" {
                    verification = .storageCommitment(timeout: try double("COMMITMENT_TIMEOUT"))
                } else {
                    guard let url = URL(string: parts[1]), url.scheme == "http" || url.scheme == "https", url.host != nil else { throw bad }
                    var rest = OrthancREST(url: url)
                    rest.timeout = timeout
                    verification = .orthancREST(rest)
                }
            }
            out.append(DeliveryDestination(name: name, dicom: dicom, verification: verification))
        }
        return out
    }

    /// The storage client of the Google destination: GOOGLE_STORAGE_ENDPOINT, tokens from
    /// GOOGLE_APPLICATION_CREDENTIALS (a service-account key) or the metadata server.
    func googleStorage(bucket: String) throws -> GoogleCloudStorage {
        guard let endpoint = URL(string: string("GOOGLE_STORAGE_ENDPOINT")), endpoint.scheme == "http" || endpoint.scheme == "https",
              endpoint.host != nil else {
            throw ConfigurationError(message: "GOOGLE_STORAGE_ENDPOINT must be an http(s) URL, not \"\(string("GOOGLE_STORAGE_ENDPOINT"))\"")
        }
        var environment = ProcessInfo.processInfo.environment
        environment["GOOGLE_APPLICATION_CREDENTIALS"] = string("GOOGLE_APPLICATION_CREDENTIALS")
        let credentials: GoogleCredentials
        do {
            credentials = try GoogleCredentials.fromEnvironment(environment, timeout: try double("SEND_TIMEOUT"))
        } catch {
            throw ConfigurationError(message: "GOOGLE_APPLICATION_CREDENTIALS: \(error)")
        }
        var storage = GoogleCloudStorage(bucket: bucket, endpoint: endpoint, tokens: credentials)
        storage.timeout = max(120, try double("SEND_TIMEOUT"))
        return storage
    }

    /// GOOGLE_METADATA_FIELDS, checked.
    func googleMetadataFields() throws -> [String] {
        let fields = list("GOOGLE_METADATA_FIELDS")
        let invalid = SeriesMetadata.invalidFields(fields)
        guard invalid.isEmpty else {
            throw ConfigurationError(message: "GOOGLE_METADATA_FIELDS: not DICOM keywords: \(invalid.joined(separator: ", ")) (or ImageCount, SliceThickness, Matrix)")
        }
        return fields
    }

    static func dicomDestination(host: String, port: Int, called: String, calling: String, setting: String) throws -> StorageSCU.Destination {
        guard !host.isEmpty else { throw ConfigurationError(message: "\(setting): the host is empty") }
        guard (1...65535).contains(port) else { throw ConfigurationError(message: "\(setting): the port must be 1-65535, not \(port)") }
        for ae in [called, calling] where !(1...16).contains(ae.utf8.count) {
            throw ConfigurationError(message: "\(setting): AE title \"\(ae)\" must be 1 to 16 characters")
        }
        return StorageSCU.Destination(host: host, port: port, calledAETitle: called, callingAETitle: calling)
    }

    /// How send jobs retry: SEND_RETRY_DELAY doubling to SEND_RETRY_MAX_DELAY, until
    /// SEND_GIVE_UP_AFTER (0: without end).
    func sendRetryPolicy(lease: TimeInterval) throws -> RetryPolicy {
        let base = try double("SEND_RETRY_DELAY")
        let maximum = try double("SEND_RETRY_MAX_DELAY")
        guard maximum >= base else { throw ConfigurationError(message: "SEND_RETRY_MAX_DELAY must be at least SEND_RETRY_DELAY") }
        guard let giveUp = Double(string("SEND_GIVE_UP_AFTER")), giveUp >= 0 else {
            throw ConfigurationError(message: "SEND_GIVE_UP_AFTER must be a number of seconds (0: keep trying)")
        }
        return RetryPolicy(maxAttempts: 1_000_000, baseDelay: base, maximumDelay: maximum, lease: lease,
                           giveUpAfter: giveUp > 0 ? giveUp : nil)
    }

    func retention() throws -> Retention.Policy {
        guard let policy = Retention.Policy(setting: string("RETENTION")) else {
            throw ConfigurationError(message: "RETENTION must be 0 (immediately), a number of days, or never, not \"\(string("RETENTION"))\"")
        }
        return policy
    }

    func sendAssociations() throws -> Int {
        let n = try int("SEND_ASSOCIATIONS")
        guard (1...16).contains(n) else { throw ConfigurationError(message: "SEND_ASSOCIATIONS must be 1 to 16") }
        return n
    }

    func sendWorkers() throws -> Int {
        let n = try int("SEND_WORKERS")
        guard (1...64).contains(n) else { throw ConfigurationError(message: "SEND_WORKERS must be 1 to 64") }
        return n
    }
}

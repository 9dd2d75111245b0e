import Foundation
import Pipeline

/// The block `sendit serve` writes to stderr once it holds its port, before its services run:
/// what an operator checks first (ports, folders, destinations, how images are de-identified,
/// the web address). Pure: the configuration in, lines out. No secret is in it.
enum StartupSummary {
    static func overTLS(_ d: DeliveryDestination) -> String {
        if case .dicom(let dicom, _) = d.target, dicom.tls != nil { return " over TLS" }
        return ""
    }

    /// `dicomPort`: the port the listener holds (DICOM_PORT=0 picks a free one).
    static func lines(_ node: NodeConfiguration, values: SettingValues, dicomPort: Int) -> [String] {
        let server = node.server, pipeline = node.pipeline
        let callers = server.allowedCallingAETitles.map { $0.sorted().joined(separator: ",") } ?? "any"
        var web = "off (HTTP_ENABLED=false)"
        if node.httpEnabled {
            let port = node.web.port == 0 ? "<any free port>" : String(node.web.port)
            web = "http://\(node.web.host):\(port)/" + (node.web.lockdownEnabled ? " (login required)" : " (OPEN: LOCKDOWN_ENABLED=false)")
        }
        let destinations = node.destinations.isEmpty
            ? ["none: de-identified series stay in the outbox (SEND_TO_ORTHANC, EXTRA_DESTINATIONS)"]
            : node.destinations.map { "\($0.name) \($0.address)" + verification($0) + overTLS($0) }
        // The service's address with any user, password and query masked.
        let identify = node.identifiersURL.map { _ in
            "identifiers service " + Setting.identifiersURL.shown(values[.identifiersURL].text)
        } ?? "local keyed pseudonymizer (DEID_KEY)"
        let recipe = values[.studyDeid].text, rules = values[.burnedInRules].text
        var lines = [
            "sendit \(VersionCommand.version) (build \(BuildCommit.commit)) starting",
            "  DICOM           \(server.aeTitle) on \(server.bindAddress):\(dicomPort); callers \(callers); "
                + "at most \(server.maximumAssociations) associations",
            "  DICOM over TLS  " + (server.tlsPort.map { "port \($0)" + (server.plainListener ? "" : " only (DICOM_TLS_ONLY)")
                + "; client certificates \(server.tls?.clientCertificates.rawValue ?? "none")" } ?? "off (DICOM_TLS_PORT empty)"),
            "  web             \(web)",
            "  data folder     \(server.dataFolder) (a study is finished \(format(pipeline.stableAge)) s after its last image)",
            "  index           \(pipeline.databasePath)",
            "  quarantine      \(pipeline.quarantineFolder)",
            "  outbox          \(pipeline.outboxFolder)",
            "  secrets file    \(pipeline.secretsFile)",
        ]
        lines += destinations.enumerated().map { ($0 == 0 ? "  destinations    " : "                  ") + $1 }
        let sources = node.retrieval.settings.sources.map {
            "\($0.name) \($0.calledAETitle)@\($0.host):\($0.port) (C-\($0.method.rawValue.uppercased()))" + ($0.tls == nil ? "" : " over TLS")
        }
        lines += sources.enumerated().map { ($0 == 0 ? "  retrieve from   " : "                  ") + $1 }
        lines += [
            "  de-identify     \(identify); options \(values[.deidOptions].text.isEmpty ? "none" : values[.deidOptions].text)",
            "                  recipe \(recipe.isEmpty ? "none" : recipe); burned-in rules \(rules.isEmpty ? "built-in" : rules)",
            "  workers         \(pipeline.workers) processing, \(node.sendWorkers) sending; clean-up: \(node.retention)",
        ]
        return lines
    }

    private static func verification(_ destination: DeliveryDestination) -> String {
        switch destination.target {
        case .dicom(_, .none): " (C-STORE answer final)"
        case .dicom(_, .orthancREST): " (verified through Orthanc's REST API)"
        case .dicom(_, .storageCommitment): " (verified by Storage Commitment)"
        case .googleCloudStorage: " (NIfTI volumes)"
        case .dicomweb(let client, let verify):
            " (STOW-RS, \(client.authorization.kind) authorization" + (verify ? ", verified by QIDO-RS)" : ", the STOW-RS answer final)")
        }
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}

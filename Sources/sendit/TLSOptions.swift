import ArgumentParser
import DICOMNetwork
import Foundation

/// DICOM over TLS as a requestor, for `sendit echo`, `send`, `query`, `move` and `get`: the
/// same choices as ORTHANC_TLS and EXTRA_DESTINATIONS' `tls:` (TLSClientSettings).
struct TLSOptions: ParsableArguments {
    @Option(name: .customLong("tls-ca"), help: ArgumentHelp("TLS: verify the peer's certificate against this PEM CA bundle (system: the system's) and its host name.", valueName: "path"))
    var ca: String?
    @Option(name: .customLong("tls-pin"), help: ArgumentHelp("TLS: the peer's certificate must be exactly this PEM certificate.", valueName: "path"))
    var pin: String?
    @Option(name: .customLong("tls-name"), help: ArgumentHelp("TLS: the name the peer's certificate must carry (default: the host).", valueName: "name"))
    var name: String?
    @Option(name: .customLong("tls-cert"), help: ArgumentHelp("TLS: this side's certificate (PEM), for peers that ask for one.", valueName: "path"))
    var certificate: String?
    @Option(name: .customLong("tls-key"), help: ArgumentHelp("TLS: the private key of --tls-cert (PEM).", valueName: "path"))
    var key: String?

    static let optionsTakingValues: Set<String> = ["--tls-ca", "--tls-pin", "--tls-name", "--tls-cert", "--tls-key"]

    /// What ORTHANC_TLS and `tls:` in EXTRA_DESTINATIONS take, in words.
    static let allowed = "ca=PATH (a PEM CA bundle; ca=system: the system's) or pin=PATH (exactly this PEM certificate), "
        + "then optionally name=NAME (the name the certificate must carry; default: the host), cert=PATH and key=PATH "
        + "(a client certificate); comma-separated; or empty"

    /// The TLS context for the options given (nil: clear text); a file that cannot be loaded is
    /// a usage error.
    func store() throws -> TLSContextStore? {
        do {
            guard let settings = try TLSClientSettings.make(ca: ca, pin: pin, name: name, certificate: certificate, key: key) else {
                return nil
            }
            return try TLSContextStore(name: "--tls-*", client: settings)
        } catch let refusal as TLSClientSettings.Refusal {
            throw ValidationError(refusal.description.replacingOccurrences(of: "ca=", with: "--tls-ca ")
                .replacingOccurrences(of: "pin=", with: "--tls-pin ").replacingOccurrences(of: "name=", with: "--tls-name ")
                .replacingOccurrences(of: "cert=", with: "--tls-cert ").replacingOccurrences(of: "key=", with: "--tls-key "))
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// ORTHANC_TLS, an EXTRA_DESTINATIONS or a RETRIEVE_SOURCES entry's `tls:` options: the
    /// destination's (or the retrieval source's: `role`) TLS context, its files loaded now (nil:
    /// empty, clear text).
    static func destinationStore(_ text: String, name: String, role: String = "destination") throws -> TLSContextStore? {
        guard !text.isEmpty else { return nil }
        do {
            return try TLSContextStore(name: "\(role) \(name)", client: TLSClientSettings.parse(text))
        } catch {
            throw SettingsResolver.Refusal("\(error)")
        }
    }
}

import Foundation

/// How this side connects over TLS as a requestor (a destination, a retrieval source, `sendit
/// echo`/`send`): which server certificate it trusts, the name that certificate must carry, and
/// an optional client certificate. Written as `key=value` pairs, comma-separated
/// (`TLSClientSettings.parse`): `ca=PATH` (a PEM CA bundle; `ca=system` the system's) or
/// `pin=PATH` (exactly this PEM certificate), `name=NAME` (default: the host connected to), and
/// `cert=PATH` with `key=PATH`.
public struct TLSClientSettings: Sendable, Equatable, CustomStringConvertible {
    public enum Trust: Sendable, Equatable {
        /// The chain must end at a CA in this PEM bundle, and the certificate carry the host name.
        case caBundle(String)
        /// As `caBundle`, with the system's CA certificates.
        case system
        /// The server's certificate must be exactly this one (and not expired); no CA, no name.
        case pinned(String)
    }

    public var trust: Trust
    /// The name (or IP address) the server's certificate must carry; nil: the host connected to.
    public var serverName: String?
    /// A client certificate (chain) and its key, PEM, for servers that ask for one.
    public var certificate: String?
    public var key: String?

    public init(trust: Trust, serverName: String? = nil, certificate: String? = nil, key: String? = nil) {
        self.trust = trust
        self.serverName = serverName
        self.certificate = certificate
        self.key = key
    }

    public struct Refusal: Error, CustomStringConvertible, Equatable {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// `ca=PATH|system` or `pin=PATH`, then optionally `name=NAME`, `cert=PATH,key=PATH`.
    public static func parse(_ text: String) throws(Refusal) -> TLSClientSettings {
        var values: [String: String] = [:]
        for pair in text.split(separator: ",", omittingEmptySubsequences: false) {
            let p = pair.trimmingCharacters(in: .whitespaces)
            guard let eq = p.firstIndex(of: "="), !p[p.index(after: eq)...].isEmpty else {
                throw Refusal("\"\(p)\" is not key=value (keys: ca, pin, name, cert, key)")
            }
            let key = String(p[..<eq]), value = String(p[p.index(after: eq)...])
            guard ["ca", "pin", "name", "cert", "key"].contains(key) else {
                throw Refusal("unknown TLS option \"\(key)\" (keys: ca, pin, name, cert, key)")
            }
            guard values[key] == nil else { throw Refusal("TLS option \(key) is given twice") }
            values[key] = value
        }
        return try make(ca: values["ca"], pin: values["pin"], name: values["name"], certificate: values["cert"], key: values["key"])!
    }

    /// The settings from their parts (`sendit echo --tls-ca …`); nil if none is given.
    public static func make(ca: String?, pin: String?, name: String?, certificate: String?,
                            key: String?) throws(Refusal) -> TLSClientSettings? {
        if [ca, pin, name, certificate, key].allSatisfy({ $0 == nil }) { return nil }
        let trust: Trust
        switch (ca, pin) {
        case (let ca?, nil): trust = ca == "system" ? .system : .caBundle(ca)
        case (nil, let pin?): trust = .pinned(pin)
        case (nil, nil): throw Refusal("TLS needs ca=PATH (or ca=system) or pin=PATH: what the server's certificate is checked against")
        default: throw Refusal("TLS takes ca= or pin=, not both")
        }
        if case .pinned = trust, name != nil {
            throw Refusal("TLS option name= has no use with pin= (the pinned certificate is compared whole)")
        }
        guard (certificate == nil) == (key == nil) else { throw Refusal("TLS options cert= and key= go together") }
        if [ca, pin, name, certificate, key].contains(where: { $0?.isEmpty == true }) { throw Refusal("a TLS option is empty") }
        return TLSClientSettings(trust: trust, serverName: name, certificate: certificate, key: key)
    }

    /// The settings as `parse` reads them.
    public var description: String {
        var parts: [String] = []
        switch trust {
        case .caBundle(let path): parts.append("ca=\(path)")
        case .system: parts.append("ca=system")
        case .pinned(let path): parts.append("pin=\(path)")
        }
        if let serverName { parts.append("name=\(serverName)") }
        if let certificate, let key { parts += ["cert=\(certificate)", "key=\(key)"] }
        return parts.joined(separator: ",")
    }

    /// The files these settings read (each must be readable).
    public var files: [String] {
        var out: [String] = []
        switch trust {
        case .caBundle(let path), .pinned(let path): out.append(path)
        case .system: break
        }
        return out + [certificate, key].compactMap { $0 }
    }
}

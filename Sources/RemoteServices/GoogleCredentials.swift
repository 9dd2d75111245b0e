import _CryptoExtras
import Crypto
import Foundation

/// OAuth2 access tokens for Cloud Storage, from one of Google's two non-interactive sources:
///
/// - a service account's key file (`GOOGLE_APPLICATION_CREDENTIALS`): a JWT with the account's
///   email, the scope (`devstorage.read_write`, or `cloud-healthcare` for a DICOM store), the token URI as audience and an hour's lifetime,
///   signed RS256 (RSA PKCS#1 v1.5 with SHA-256) with the account's private key, exchanged at
///   the token URI (RFC 7523's jwt-bearer grant) for an access token;
/// - the GCE metadata server, on a Google Cloud machine with an attached service account
///   (`GCE_METADATA_HOST` overrides its host, as in Google's own client libraries).
///
/// The token is kept until 60 s before it expires; concurrent callers wait for one request
/// rather than each making their own. Errors are `GoogleCloudError`: an unreadable file, a
/// file that is not a service account's key or a key that does not parse is permanent, as is a
/// refusal (4xx) from the token endpoint; 5xx, 408, 429 and no answer are transient.
public final class GoogleCredentials: GoogleAccessTokenProvider, @unchecked Sendable {
    /// A service account's key file, the fields sendit needs.
    public struct ServiceAccount: Sendable {
        public let clientEmail: String
        public let privateKeyID: String
        public let tokenURI: URL
        let privateKey: _RSA.Signing.PrivateKey

        /// Parses the JSON of a key file (`"type": "service_account"`).
        public init(json: Data, origin: String = "service account key") throws {
            guard let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any] else {
                throw GoogleCloudError("\(origin): not a JSON object", isTransient: false)
            }
            let type = object["type"] as? String
            guard type == "service_account" else {
                throw GoogleCloudError("\(origin): not a service account key (\"type\" is \(type.map { "\"\($0)\"" } ?? "missing"), expected \"service_account\")",
                                       isTransient: false)
            }
            func field(_ name: String) throws -> String {
                guard let value = object[name] as? String, !value.isEmpty else {
                    throw GoogleCloudError("\(origin): the field \"\(name)\" is missing", isTransient: false)
                }
                return value
            }
            clientEmail = try field("client_email")
            privateKeyID = (object["private_key_id"] as? String) ?? ""
            let uri = (object["token_uri"] as? String) ?? "https://oauth2.googleapis.com/token"
            guard let url = URL(string: uri), url.scheme == "https" || url.scheme == "http" else {
                throw GoogleCloudError("\(origin): \"token_uri\" is not an http(s) URL: \(uri)", isTransient: false)
            }
            tokenURI = url
            let pem = try field("private_key")
            do {
                privateKey = try _RSA.Signing.PrivateKey(pemRepresentation: pem)
            } catch {
                throw GoogleCloudError("\(origin): \"private_key\" is not a PEM RSA private key of 2048 bits or more (\(error))", isTransient: false)
            }
        }
    }

    public enum Source: Sendable {
        case serviceAccount(ServiceAccount)
        /// The metadata server's base URL (`http://metadata.google.internal`).
        case metadataServer(URL)
    }

    public static let scope = "https://www.googleapis.com/auth/devstorage.read_write"
    /// The Cloud Healthcare API's scope (a DICOMweb destination that is a DICOM store).
    public static let healthcareScope = "https://www.googleapis.com/auth/cloud-healthcare"
    public static let defaultMetadataServer = URL(string: "http://metadata.google.internal")!
    static let metadataTokenPath = "/computeMetadata/v1/instance/service-accounts/default/token"
    /// A token is not used in its last minute.
    static let expiryMargin: TimeInterval = 60

    public let source: Source
    public let timeout: TimeInterval
    /// The OAuth2 scope asked for: Cloud Storage's unless told otherwise.
    public let scope: String
    /// The clock; tests move it.
    var now: @Sendable () -> Date = { Date() }

    private let lock = NSLock()
    private var cached: (token: String, expires: Date)?
    private var requests = 0

    public init(source: Source, timeout: TimeInterval = 30, scope: String = GoogleCredentials.scope) {
        self.source = source
        self.timeout = timeout
        self.scope = scope
    }

    /// A service account's key file.
    public convenience init(serviceAccountFile path: String, timeout: TimeInterval = 30, scope: String = GoogleCredentials.scope) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw GoogleCloudError("cannot read the Google credentials file \(path): \(error.localizedDescription)", isTransient: false)
        }
        self.init(source: .serviceAccount(try ServiceAccount(json: data, origin: "Google credentials file \(path)")), timeout: timeout,
                  scope: scope)
    }

    /// The GCE metadata server.
    public convenience init(metadataServer: URL = GoogleCredentials.defaultMetadataServer, timeout: TimeInterval = 30,
                            scope: String = GoogleCredentials.scope) {
        self.init(source: .metadataServer(metadataServer), timeout: timeout, scope: scope)
    }

    /// `GOOGLE_APPLICATION_CREDENTIALS` when it is set, otherwise the metadata server
    /// (at `http://$GCE_METADATA_HOST` when that is set, else at `metadataServer`).
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment,
                                       metadataServer: URL = GoogleCredentials.defaultMetadataServer,
                                       timeout: TimeInterval = 30, scope: String = GoogleCredentials.scope) throws -> GoogleCredentials {
        if let path = environment["GOOGLE_APPLICATION_CREDENTIALS"], !path.isEmpty {
            return try GoogleCredentials(serviceAccountFile: path, timeout: timeout, scope: scope)
        }
        if let host = environment["GCE_METADATA_HOST"], !host.isEmpty, let url = URL(string: "http://\(host)") {
            return GoogleCredentials(metadataServer: url, timeout: timeout, scope: scope)
        }
        return GoogleCredentials(metadataServer: metadataServer, timeout: timeout, scope: scope)
    }

    /// How many tokens were asked for so far (the others came from the cache).
    public var tokenRequests: Int { lock.withLock { requests } }

    public func accessToken() throws -> String {
        try lock.withLock {
            let now = now()
            if let cached, now < cached.expires.addingTimeInterval(-GoogleCredentials.expiryMargin) { return cached.token }
            requests += 1
            let (token, lifetime) = try fetch(now: now)
            cached = (token, now.addingTimeInterval(lifetime))
            return token
        }
    }

    private func fetch(now: Date) throws -> (String, TimeInterval) {
        switch source {
        case .serviceAccount(let account):
            let form = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" + (try GoogleCredentials.assertion(account, now: now, scope: scope))
            let outcome = HTTPCall.perform("POST", account.tokenURI, body: Data(form.utf8),
                                           headers: ["Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"],
                                           timeout: timeout)
            return try GoogleCredentials.token(from: outcome, what: "Google token endpoint \(account.tokenURI.absoluteString) for \(account.clientEmail)")
        case .metadataServer(let base):
            // The machine's account has the scopes the machine was given; another scope than
            // Cloud Storage's is asked for by name (the metadata server's `scopes` parameter).
            let query = scope == GoogleCredentials.scope ? "" : "?scopes=" + (scope.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? scope)
            let url = URL(string: base.absoluteString.trimmingSuffix("/") + GoogleCredentials.metadataTokenPath + query)!
            let outcome = HTTPCall.perform("GET", url, headers: ["Metadata-Flavor": "Google"], timeout: timeout)
            return try GoogleCredentials.token(from: outcome, what: "GCE metadata server \(base.absoluteString)")
        }
    }

    static func token(from outcome: HTTPCall.Outcome, what: String) throws -> (String, TimeInterval) {
        switch outcome {
        case .failure(let why):
            throw GoogleCloudError.network(what, why)
        case .answer(let status, let body) where !(200..<300).contains(status):
            throw GoogleCloudError.http(what, status: status, body: body)
        case .answer(let status, let body):
            guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
                  let token = object["access_token"] as? String, !token.isEmpty else {
                throw GoogleCloudError("\(what): HTTP \(status) without an access_token \(HTTPCall.excerpt(body))", status: status, isTransient: false)
            }
            let lifetime = (object["expires_in"] as? NSNumber)?.doubleValue ?? Double(object["expires_in"] as? String ?? "") ?? 3600
            return (token, lifetime)
        }
    }

    /// The signed JWT: header, claims and RS256 signature, each base64url without padding.
    static func assertion(_ account: ServiceAccount, now: Date, scope: String = GoogleCredentials.scope) throws -> String {
        let issued = Int(now.timeIntervalSince1970)
        var header: [String: Any] = ["alg": "RS256", "typ": "JWT"]
        if !account.privateKeyID.isEmpty { header["kid"] = account.privateKeyID }
        let claims: [String: Any] = [
            "iss": account.clientEmail, "scope": scope, "aud": account.tokenURI.absoluteString,
            "iat": issued, "exp": issued + 3600,
        ]
        let input = try base64URL(JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes]))
            + "." + base64URL(JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys, .withoutEscapingSlashes]))
        let signature: _RSA.Signing.RSASignature
        do {
            signature = try account.privateKey.signature(for: SHA256.hash(data: Data(input.utf8)), padding: .insecurePKCS1v1_5)
        } catch {
            throw GoogleCloudError("cannot sign the token request for \(account.clientEmail): \(error)", isTransient: false)
        }
        return input + "." + base64URL(signature.rawRepresentation)
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

fileprivate extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var s = self
        while s.hasSuffix(suffix) { s.removeLast(suffix.count) }
        return s
    }
}

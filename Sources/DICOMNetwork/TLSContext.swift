#if canImport(Glibc)
import Glibc
#endif
import CSSL

/// An OpenSSL context (SSL_CTX) for one side of DICOM over TLS: TLS 1.2 and 1.3 only, the cipher
/// suites BCP 195 (RFC 9325) recommends, the certificates and keys loaded from their files once.
/// Immutable once made, and shared by the connections it makes (OpenSSL allows that);
/// `TLSContextStore` swaps in a new one on reload, so open connections keep theirs.
public final class TLSContext: @unchecked Sendable {
    /// TLS 1.2: ECDHE (and DHE) key exchange with AES-GCM or ChaCha20-Poly1305 only (BCP 195
    /// section 4.2), AES-128-GCM first.
    public static let cipherList = "ECDHE+AES128+AESGCM:ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AES128+AESGCM:DHE+AESGCM:DHE+CHACHA20:!aNULL:!eNULL:!PSK:!SRP"
    /// TLS 1.3: OpenSSL's three default suites (all AEAD, all BCP 195 allows), AES-128-GCM first
    /// rather than OpenSSL's AES-256-GCM: as strong for DICOM's purposes (RFC 9325 section 4.2
    /// recommends both) and about a third cheaper per byte, on both sides. A server that
    /// follows the client's order (OpenSSL's default, dcmtk's and Orthanc's) takes it.
    public static let cipherSuites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"

    let context: OpaquePointer
    let isServer: Bool
    /// The requestor's settings (nil for the listener).
    public let client: TLSClientSettings?
    /// The pinned certificate (X509) of `client`'s `.pinned` trust.
    let pinned: OpaquePointer?

    /// The listener's context.
    public convenience init(server settings: TLSServerSettings) throws(NetworkError) {
        if let problem = settings.problem { throw NetworkError.tls(problem) }
        try self.init(isServer: true, client: nil, pinned: nil)
        try useCertificate(settings.certificate, key: settings.key)
        if settings.clientCertificates != .none, let ca = settings.clientCA {
            guard SSL_CTX_load_verify_locations(context, ca, nil) == 1 else {
                throw NetworkError.tls("cannot load the CA bundle \(ca): \(TLSContext.errors())")
            }
            if let names = SSL_load_client_CA_file(ca) { SSL_CTX_set_client_CA_list(context, names) }
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER | (settings.clientCertificates == .required ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), nil)
        }
        let id: [UInt8] = Array("sendit".utf8)
        _ = SSL_CTX_set_session_id_context(context, id, UInt32(id.count))
    }

    /// A requestor's context.
    public convenience init(client settings: TLSClientSettings) throws(NetworkError) {
        var pinned: OpaquePointer? = nil
        if case .pinned(let path) = settings.trust {
            guard let bio = BIO_new_file(path, "r") else {
                throw NetworkError.tls("cannot read the pinned certificate \(path): \(TLSContext.errors())")
            }
            pinned = PEM_read_bio_X509(bio, nil, nil, nil)
            BIO_free(bio)
            guard pinned != nil else { throw NetworkError.tls("no PEM certificate in \(path): \(TLSContext.errors())") }
        }
        try self.init(isServer: false, client: settings, pinned: pinned)
        switch settings.trust {
        case .caBundle(let path):
            guard SSL_CTX_load_verify_locations(context, path, nil) == 1 else {
                throw NetworkError.tls("cannot load the CA bundle \(path): \(TLSContext.errors())")
            }
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        case .system:
            guard SSL_CTX_set_default_verify_paths(context) == 1 else {
                throw NetworkError.tls("cannot load the system's CA certificates: \(TLSContext.errors())")
            }
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        case .pinned:
            // The chain is not checked: the certificate is compared with the pinned one after the
            // handshake (TLSStream.checkPinned), and the handshake's signature proves the key.
            SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        }
        if let certificate = settings.certificate, let key = settings.key { try useCertificate(certificate, key: key) }
    }

    private init(isServer: Bool, client: TLSClientSettings?, pinned: OpaquePointer?) throws(NetworkError) {
        // OpenSSL writes to the socket with write(2): a peer that closed must be an error, not a
        // SIGPIPE (the executable ignores it too; this covers the library's other users).
        signal(SIGPIPE, SIG_IGN)
        guard let context = SSL_CTX_new(isServer ? TLS_server_method() : TLS_client_method()) else {
            if let pinned { X509_free(pinned) }
            throw NetworkError.tls("cannot create a TLS context: \(TLSContext.errors())")
        }
        self.context = context
        self.isServer = isServer
        self.client = client
        self.pinned = pinned
        guard sendit_tls_versions(context) == 1, SSL_CTX_set_cipher_list(context, TLSContext.cipherList) == 1,
              SSL_CTX_set_ciphersuites(context, TLSContext.cipherSuites) == 1 else {
            throw NetworkError.tls("cannot restrict TLS to 1.2 and 1.3 with BCP 195's ciphers: \(TLSContext.errors())")
        }
        sendit_tls_modes(context)
        sendit_tls_options(context)
    }

    deinit {
        SSL_CTX_free(context)
        if let pinned { X509_free(pinned) }
    }

    private func useCertificate(_ certificate: String, key: String) throws(NetworkError) {
        guard SSL_CTX_use_certificate_chain_file(context, certificate) == 1 else {
            throw NetworkError.tls("cannot load the certificate \(certificate): \(TLSContext.errors())")
        }
        guard SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM) == 1 else {
            throw NetworkError.tls("cannot load the private key \(key): \(TLSContext.errors())")
        }
        guard SSL_CTX_check_private_key(context) == 1 else {
            throw NetworkError.tls("the private key \(key) does not belong to the certificate \(certificate)")
        }
    }

    /// The cipher suites this context offers or accepts, in its order of preference (OpenSSL's
    /// names; TLS 1.3's first).
    var cipherNames: [String] {
        var names: [String] = []
        while let name = sendit_tls_cipher_name(context, Int32(names.count)) { names.append(String(cString: name)) }
        return names
    }

    /// OpenSSL's error queue, emptied, as one line ("" if empty).
    static func errors() -> String {
        var out: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            out.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return out.joined(separator: "; ")
    }
}

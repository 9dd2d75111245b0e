/// The TLS listener's settings (DICOM_TLS_*): its certificate and key, whether and how peers'
/// client certificates are asked for and verified, and which AE titles each may call as.
public struct TLSServerSettings: Sendable, Equatable {
    public enum ClientCertificates: String, Sendable, CaseIterable {
        /// None is asked for.
        case none
        /// Asked for; one that is sent must verify against the CA bundle.
        case optional
        /// A peer without a certificate that verifies against the CA bundle is refused (mutual TLS).
        case required
    }

    /// The certificate chain (PEM), the listener's certificate first.
    public var certificate: String
    public var key: String
    /// The CA bundle (PEM) client certificates are verified against.
    public var clientCA: String?
    public var clientCertificates: ClientCertificates
    public var subjects: TLSSubjectAETitles

    public init(certificate: String, key: String, clientCA: String? = nil, clientCertificates: ClientCertificates = .none,
                subjects: TLSSubjectAETitles = TLSSubjectAETitles()) {
        self.certificate = certificate
        self.key = key
        self.clientCA = clientCA
        self.clientCertificates = clientCertificates
        self.subjects = subjects
    }

    /// Why these settings cannot work (checked before any file is read), or nil.
    public var problem: String? {
        if clientCertificates != .none && clientCA == nil {
            return "client certificates (\(clientCertificates.rawValue)) need a CA bundle to verify them against"
        }
        if !subjects.isEmpty && clientCertificates == .none {
            return "a map from certificate subjects to AE titles needs client certificates (optional or required)"
        }
        return nil
    }
}

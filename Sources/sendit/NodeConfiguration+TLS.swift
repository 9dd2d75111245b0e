import DICOMNetwork
import Foundation

extension NodeConfiguration {
    /// The DICOM over TLS listener (DICOM_TLS_*): its port, certificate and key, client
    /// certificates and the subject → AE title map. The files are read (and the key matched
    /// to the certificate) here, so `sendit config check` finds what would stop the listener.
    static func resolveServerTLS(_ r: inout SettingsResolver, _ c: inout ServerConfiguration) {
        let port = r.value(.dicomTLSPort) { text -> Int? in
            guard !text.isEmpty else { return nil }
            guard let p = Int(text), (0...65535).contains(p) else { throw SettingsResolver.Refusal(Setting.dicomTLSPort.kind.mustBe) }
            return p
        }
        c.plainListener = !r.boolean(.dicomTLSOnly)
        let certificate = r.readableFile(.dicomTLSCert), key = r.readableFile(.dicomTLSKey), ca = r.readableFile(.dicomTLSCA)
        let clientCertificates = TLSServerSettings.ClientCertificates(rawValue: r.choice(.dicomTLSClientCerts)) ?? .none
        let subjects = r.value(.dicomTLSAESubjects) { text in
            do { return try TLSSubjectAETitles.parse(text) } catch { throw SettingsResolver.Refusal("\(error)") }
        }
        guard let port else {
            if !c.plainListener { r.refuse(.dicomTLSOnly, "needs DICOM_TLS_PORT: otherwise nothing listens") }
            return
        }
        guard let certificate, let key else {
            r.refuse(certificate == nil ? .dicomTLSCert : .dicomTLSKey, "must be set: DICOM_TLS_PORT is set")
            return
        }
        if clientCertificates != .none && ca == nil {
            r.refuse(.dicomTLSCA, "must be set: DICOM_TLS_CLIENT_CERTS is \(clientCertificates.rawValue)")
            return
        }
        if !subjects.isEmpty && clientCertificates == .none {
            r.refuse(.dicomTLSAESubjects, "needs client certificates: DICOM_TLS_CLIENT_CERTS is none")
            return
        }
        let settings = TLSServerSettings(certificate: certificate, key: key, clientCA: clientCertificates == .none ? nil : ca,
                                         clientCertificates: clientCertificates, subjects: subjects)
        do {
            _ = try TLSContext(server: settings)
        } catch {
            r.refuse(.dicomTLSCert, "\(error)")
            return
        }
        c.tlsPort = port
        c.tls = settings
    }
}

import Foundation

/// Which calling AE titles a TLS peer may use, by its client certificate's subject
/// (DICOM_TLS_AE_SUBJECTS). Written `SUBJECT->AE[,AE...]` entries, `;`-separated; a SUBJECT with
/// an `=` is a whole subject as RFC 2253 prints it (`openssl x509 -noout -subject -nameopt
/// RFC2253`: `CN=ct1,O=Hospital`), one without is the common name (CN) alone. Empty: no map,
/// any certificate may call as any (allowed) AE title. With a map, a peer without a
/// certificate, or with one the map does not name, may call as none.
public struct TLSSubjectAETitles: Sendable, Equatable {
    public private(set) var entries: [String: Set<String>] = [:]

    public init(_ entries: [String: Set<String>] = [:]) {
        self.entries = entries
    }

    public var isEmpty: Bool { entries.isEmpty }

    public static func parse(_ text: String) throws(TLSClientSettings.Refusal) -> TLSSubjectAETitles {
        var map = TLSSubjectAETitles()
        for entry in text.split(separator: ";") {
            let e = entry.trimmingCharacters(in: .whitespaces)
            if e.isEmpty { continue }
            guard let arrow = e.range(of: "->", options: .backwards) else {
                throw TLSClientSettings.Refusal("\"\(e)\" is not SUBJECT->AE[,AE...]")
            }
            let subject = e[..<arrow.lowerBound].trimmingCharacters(in: .whitespaces)
            let titles = e[arrow.upperBound...].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard !subject.isEmpty else { throw TLSClientSettings.Refusal("\"\(e)\": the subject is empty") }
            guard !titles.isEmpty, titles.allSatisfy({ (1...16).contains($0.utf8.count) && !$0.contains("\\") }) else {
                throw TLSClientSettings.Refusal("\"\(e)\": AE titles must be 1 to 16 characters, no backslash, comma-separated")
            }
            guard map.entries[subject] == nil else { throw TLSClientSettings.Refusal("the subject \(subject) is named twice") }
            map.entries[subject] = Set(titles)
        }
        return map
    }

    /// The calling AE titles a peer may use: nil, any (no map); otherwise those listed for its
    /// whole subject and for its common name (empty: none, it has no certificate or is not named).
    public func allowedCallingAETitles(subject: String?, commonName: String?) -> Set<String>? {
        guard !isEmpty else { return nil }
        var allowed = Set<String>()
        if let subject, let titles = entries[subject] { allowed.formUnion(titles) }
        if let commonName, !commonName.contains("="), let titles = entries[commonName] { allowed.formUnion(titles) }
        return allowed
    }
}

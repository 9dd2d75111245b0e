import DICOMNetwork
import Foundation
import Pipeline
import RemoteServices

extension NodeConfiguration {
    /// The enabled destinations, checked: the Orthanc of the ORTHANC_* settings when
    /// SEND_TO_ORTHANC, the bucket when SEND_TO_GOOGLE (and its storage client), the DICOMweb
    /// server when SEND_TO_DICOMWEB, then EXTRA_DESTINATIONS in order. Every ORTHANC_*, GOOGLE_*
    /// and DICOMWEB_* setting is checked whether or not its destination is enabled.
    static func resolveDestinations(_ r: inout SettingsResolver, dicomAETitle: String,
                                    sendTimeout: TimeInterval) -> ([DeliveryDestination], GoogleCloudStorage?) {
        let callingSetting = r.text(.orthancCallingAETitle)
        let calling = callingSetting.isEmpty ? dicomAETitle : callingSetting
        var out: [DeliveryDestination] = []
        let commitmentTimeout = r.seconds(.commitmentTimeout)

        let toOrthanc = r.boolean(.sendToOrthanc)
        var orthanc = StorageSCU.Destination(host: r.text(.orthancIPAddress), port: r.integer(.orthancPort),
                                             calledAETitle: r.text(.orthancAETitle), callingAETitle: calling)
        orthanc.dimseTimeout = sendTimeout
        orthanc.tls = r.value(.orthancTLS) { text in try TLSOptions.destinationStore(text, name: "orthanc") }
        let verify = r.choice(.orthancVerify)
        var rest = OrthancREST(url: r.url(.orthancURL) ?? URL(fileURLWithPath: "/"), username: r.text(.orthancUsername),
                               password: r.text(.orthancPassword))
        rest.timeout = sendTimeout
        if toOrthanc {
            let verification: DeliveryDestination.Verification = switch verify {
            case "rest": .orthancREST(rest)
            case "commitment": .storageCommitment(timeout: commitmentTimeout)
            default: .none
            }
            out.append(DeliveryDestination(name: "orthanc", dicom: orthanc, verification: verification))
        }

        let toGoogle = r.boolean(.sendToGoogle)
        let bucket = r.value(.googleCloudStorage) { text in
            guard !text.contains("/") else { throw SettingsResolver.Refusal(Setting.googleCloudStorage.kind.mustBe) }
            return text
        }
        let collection = r.value(.googleStorageCollection) { text in
            let trimmed = text.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            guard !trimmed.isEmpty else { throw SettingsResolver.Refusal(Setting.googleStorageCollection.kind.mustBe) }
            return trimmed
        }
        let endpoint = r.url(.googleStorageEndpoint) ?? GoogleCloudStorage.defaultEndpoint
        let credentialsPath = r.optionalPath(.googleApplicationCredentials)
        var storage: GoogleCloudStorage? = nil
        if toGoogle {
            if bucket.isEmpty { r.refuse(.googleCloudStorage, "must name the bucket: SEND_TO_GOOGLE is on") }
            var environment = r.values.environment
            environment["GOOGLE_APPLICATION_CREDENTIALS"] = credentialsPath ?? ""
            do {
                let credentials = try GoogleCredentials.fromEnvironment(environment, timeout: sendTimeout)
                storage = GoogleCloudStorage(bucket: bucket, endpoint: endpoint, tokens: credentials)
                storage?.timeout = max(120, sendTimeout)
            } catch {
                r.refuse(.googleApplicationCredentials, "\(error)")
            }
            out.append(DeliveryDestination(name: "google", target: .googleCloudStorage(bucket: bucket, collection: collection)))
        }

        if let dicomweb = resolveDICOMweb(&r, credentialsPath: credentialsPath, sendTimeout: sendTimeout) {
            out.append(dicomweb)
        }

        let extras = r.value(.extraDestinations) { text in
            try SettingsResolver.list(text, separator: ";").map { entry in
                try extraDestination(entry, calling: calling, sendTimeout: sendTimeout, commitmentTimeout: commitmentTimeout)
            }
        }
        for extra in extras {
            if out.contains(where: { $0.name == extra.name }) {
                r.refuse(.extraDestinations, "the name \(extra.name) is used twice (\"orthanc\" is SEND_TO_ORTHANC's, \"google\" SEND_TO_GOOGLE's, \"dicomweb\" SEND_TO_DICOMWEB's)")
            }
            out.append(extra)
        }
        return (out, storage)
    }

    /// The DICOMweb destination ("dicomweb") when SEND_TO_DICOMWEB: DICOMWEB_URL, signed in as
    /// DICOMWEB_AUTH says (a Google token with the Cloud Healthcare scope from the same
    /// credentials as Cloud Storage's).
    static func resolveDICOMweb(_ r: inout SettingsResolver, credentialsPath: String?, sendTimeout: TimeInterval) -> DeliveryDestination? {
        let enabled = r.boolean(.sendToDICOMweb)
        let url = r.url(.dicomwebURL)
        let auth = r.choice(.dicomwebAuth)
        let username = r.text(.dicomwebUsername), password = r.text(.dicomwebPassword), token = r.text(.dicomwebToken)
        let verify = r.choice(.dicomwebVerify) == "qido"
        guard enabled else { return nil }
        guard let url else {
            r.refuse(.dicomwebURL, "must name the DICOMweb service: SEND_TO_DICOMWEB is on")
            return nil
        }
        var authorization = DICOMwebAuthorization.none
        switch auth {
        case "basic":
            if username.isEmpty || username.contains(":") {
                r.refuse(.dicomwebUsername, "must name the user, without a colon: DICOMWEB_AUTH is basic")
            }
            authorization = .basic(username: username, password: password)
        case "bearer":
            if token.isEmpty || token.contains(where: { $0.isWhitespace || !$0.isASCII }) {
                r.refuse(.dicomwebToken, "must be the token (printable ASCII, no spaces): DICOMWEB_AUTH is bearer")
            }
            authorization = .bearer(token)
        case "google":
            var environment = r.values.environment
            environment["GOOGLE_APPLICATION_CREDENTIALS"] = credentialsPath ?? ""
            do {
                authorization = .google(try GoogleCredentials.fromEnvironment(environment, timeout: sendTimeout,
                                                                              scope: GoogleCredentials.healthcareScope))
            } catch {
                r.refuse(.googleApplicationCredentials, "\(error)")
            }
        default: break
        }
        var client = DICOMwebClient(base: url, authorization: authorization)
        client.timeout = max(120, sendTimeout)
        return DeliveryDestination(name: "dicomweb", target: .dicomweb(client, verify: verify))
    }

    /// One entry of EXTRA_DESTINATIONS: NAME=AET@HOST:PORT[ REST-URL|commitment][ tls:OPTIONS]
    /// (OPTIONS as ORTHANC_TLS takes them, without spaces).
    static func extraDestination(_ entry: String, calling: String, sendTimeout: TimeInterval,
                                 commitmentTimeout: TimeInterval) throws -> DeliveryDestination {
        let bad = SettingsResolver.Refusal("\"\(entry)\" is not NAME=AET@HOST:PORT[ REST-URL|commitment][ tls:OPTIONS]")
        guard let eq = entry.firstIndex(of: "=") else { throw bad }
        let name = String(entry[..<eq]).trimmingCharacters(in: .whitespaces)
        var parts = entry[entry.index(after: eq)...].split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        var tlsOptions: String? = nil
        if let last = parts.last, parts.count >= 2, last.hasPrefix("tls:") {
            tlsOptions = String(last.dropFirst(4))
            parts.removeLast()
            guard !tlsOptions!.isEmpty else { throw SettingsResolver.Refusal("\(name): tls: needs its options (\(TLSOptions.allowed))") }
        }
        guard DeliveryDestination.isValidName(name), (1...2).contains(parts.count),
              let at = parts[0].lastIndex(of: "@"), let colon = parts[0].lastIndex(of: ":"), at < colon,
              let port = Int(parts[0][parts[0].index(after: colon)...]) else { throw bad }
        let host = String(parts[0][parts[0].index(after: at)..<colon]), called = String(parts[0][..<at])
        guard !host.isEmpty else { throw SettingsResolver.Refusal("\(name): the host is empty") }
        guard (1...65535).contains(port) else { throw SettingsResolver.Refusal("\(name): the port must be 1 to 65535, not \(port)") }
        guard Setting.Kind.isAETitle(called) else {
            throw SettingsResolver.Refusal("\(name): AE title \"\(called)\" must be 1 to 16 characters, no backslash")
        }
        var dicom = StorageSCU.Destination(host: host, port: port, calledAETitle: called, callingAETitle: calling)
        dicom.dimseTimeout = sendTimeout
        if let tlsOptions {
            do {
                dicom.tls = try TLSOptions.destinationStore(tlsOptions, name: name)
            } catch let refusal as SettingsResolver.Refusal {
                throw SettingsResolver.Refusal("\(name): \(refusal.message)")
            }
        }
        var verification = DeliveryDestination.Verification.none
        if parts.count == 2 {
            if parts[1] == "commitment" {
                verification = .storageCommitment(timeout: commitmentTimeout)
            } else {
                guard let url = Setting.Kind.httpURL(parts[1]) else { throw bad }
                var rest = OrthancREST(url: url)
                rest.timeout = sendTimeout
                verification = .orthancREST(rest)
            }
        }
        return DeliveryDestination(name: name, dicom: dicom, verification: verification)
    }

    /// SEND_ASYNC_WINDOW and SEND_MAX_RATE, for every DICOM destination: the window it proposes,
    /// and a bandwidth cap of its own (one token bucket per destination, shared by its
    /// associations and send workers).
    static func resolveSendLimits(_ r: inout SettingsResolver, _ destinations: [DeliveryDestination]) -> [DeliveryDestination] {
        let window = r.integer(.sendAsyncWindow)
        let rate = r.value(.sendMaxRate) { text -> Int64? in
            let t = text.trimmingCharacters(in: .whitespaces)
            if t.isEmpty || t == "0" { return nil }
            guard case .bytes(let n)? = DiskWatermark(setting: t), n >= 1000 else {
                throw SettingsResolver.Refusal(Setting.sendMaxRate.kind.mustBe + " (at least 1kB)")
            }
            return n
        }
        return destinations.map { destination in
            guard case .dicom(var dicom, let verification) = destination.target else { return destination }
            dicom.asynchronousOperationsWindow = window
            dicom.rateLimit = rate.map { RateLimit(bytesPerSecond: Double($0)) }
            var out = destination
            out.target = .dicom(dicom, verification: verification)
            return out
        }
    }
}

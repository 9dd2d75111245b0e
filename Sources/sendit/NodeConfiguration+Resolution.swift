import DICOMCore
import DICOMNetwork
import Deidentify
import Foundation
import Logging
import Pipeline
import SenditIndex
import SenditWeb

extension NodeConfiguration {
    /// The one way to a configuration: every setting checked, every mistake collected, thrown as
    /// one report. Reads the files settings name (STUDY_DEID, BURNED_IN_RULES, and
    /// GOOGLE_APPLICATION_CREDENTIALS with SEND_TO_GOOGLE); opens nothing else.
    static func resolve(_ values: SettingValues) throws(ConfigurationReport) -> NodeConfiguration {
        let (node, resolver) = resolving(values)
        guard resolver.problems.isEmpty else {
            // The file's form first, then in the table's order.
            let order = Dictionary(uniqueKeysWithValues: Setting.allCases.enumerated().map { ($1.name, $0 + 1) })
            let sorted = resolver.problems.enumerated().sorted { a, b in
                (order[a.element.name] ?? 0, a.offset) < (order[b.element.name] ?? 0, b.offset)
            }
            throw ConfigurationReport(problems: sorted.map(\.element))
        }
        return node
    }

    /// The configuration as far as it could be made (defaults standing in for refused values)
    /// and the resolver, with its problems and the settings it read.
    static func resolving(_ values: SettingValues) -> (NodeConfiguration, SettingsResolver) {
        var r = SettingsResolver(values)
        let server = resolveServer(&r)
        let pipeline = resolvePipeline(&r, dataFolder: server.dataFolder)
        let deidentification = resolveDeidentification(&r)
        let restful = r.boolean(.deidentifyRESTful)
        let identifiersURL = r.url(.identifiersURL)
        if restful && identifiersURL == nil { r.refuse(.identifiersURL, "must be an http(s) URL: DEIDENTIFY_RESTFUL is on") }
        let sendTimeout = r.seconds(.sendTimeout)
        var (destinations, googleStorage) = resolveDestinations(&r, dicomAETitle: server.aeTitle, sendTimeout: sendTimeout)
        destinations = resolveSendLimits(&r, destinations)
        var node = NodeConfiguration(
            server: server, pipeline: pipeline,
            deidentification: deidentification, burnedInRules: resolveBurnedInRules(&r), jitterRange: resolveJitterRange(&r),
            identifierFields: resolveIdentifierFields(&r), identifiersURL: restful ? identifiersURL : nil,
            identifiersTimeout: r.seconds(.identifiersTimeout),
            destinations: destinations, googleStorage: googleStorage, googleMetadataFields: resolveGoogleMetadataFields(&r),
            sendWorkers: r.integer(.sendWorkers), sendAssociations: r.integer(.sendAssociations),
            sendAcceptWarnings: r.boolean(.sendAcceptWarnings), sendRetryPolicy: RetryPolicy(),
            retention: r.value(.retention) { text in
                guard let policy = Retention.Policy(setting: text) else { throw SettingsResolver.Refusal(Setting.retention.kind.mustBe) }
                return policy
            },
            cleanupInterval: r.seconds(.cleanupInterval),
            logLevel: r.value(.logLevel) { text in
                guard let level = Logger.Level(rawValue: text.lowercased()) else { throw SettingsResolver.Refusal(Setting.logLevel.kind.mustBe) }
                return level
            })
        node.sendRetryPolicy = resolveSendRetryPolicy(&r, lease: pipeline.retry.lease)
        node.httpEnabled = r.boolean(.httpEnabled)
        node.web = resolveWeb(&r)
        node.diskMinFree = r.value(.diskMinFree) { text in
            guard let watermark = DiskWatermark(setting: text) else { throw SettingsResolver.Refusal(Setting.diskMinFree.kind.mustBe) }
            return watermark
        }
        node.alerts = resolveAlerts(&r, node: server.aeTitle, refuseBelow: node.diskMinFree)
        resolveProjects(&r, node: &node)
        node.retrieval = resolveRetrieval(&r, aeTitle: server.aeTitle)
        r.checkTheRest()
        return (node, r)
    }

    static func resolveWeb(_ r: inout SettingsResolver) -> WebConfiguration {
        var web = WebConfiguration()
        web.host = r.text(.httpHost)
        web.port = r.integer(.httpPort)
        web.lockdownEnabled = r.boolean(.lockdownEnabled)
        web.lockdownPasswords = r.value(.lockdownPasswords) { text in
            let passwords = SettingsResolver.list(text)
            if passwords.contains(where: { $0.count < 10 || $0.utf8.count > 72 }) {
                throw SettingsResolver.Refusal("each password needs 10 to 72 bytes")
            }
            return passwords
        }
        web.lockdownRole = AccessRole(rawValue: r.choice(.lockdownRole)) ?? .viewer
        web.sessionIdle = r.seconds(.sessionIdle)
        web.sessionLifetime = r.seconds(.sessionLifetime)
        web.showPHI = r.boolean(.showPHI)
        web.metricsPublic = r.boolean(.metricsPublic)
        web.tlsCertificate = r.readableFile(.httpTLSCert)
        web.tlsKey = r.readableFile(.httpTLSKey)
        if (web.tlsCertificate == nil) != (web.tlsKey == nil) {
            r.refuse(web.tlsCertificate == nil ? .httpTLSCert : .httpTLSKey, "must be set with \(web.tlsCertificate == nil ? "HTTP_TLS_KEY" : "HTTP_TLS_CERT")")
        }
        web.secureCookies = web.tlsCertificate != nil
        web.allowedHosts = r.value(.httpAllowedHosts) { text in
            let names = SettingsResolver.list(text)
            if let bad = names.first(where: { $0 != "*" && AllowedHosts.host(of: $0) != $0.lowercased() }) {
                throw SettingsResolver.Refusal("\"\(bad)\" is not a host name (letters, digits, - and .; no port)")
            }
            return names
        }
        web.trustedProxies = r.value(.trustedProxies) { text in
            do { return try TrustedProxies(SettingsResolver.list(text)) } catch { throw SettingsResolver.Refusal("\(error)") }
        }
        return web
    }

    static func resolveServer(_ r: inout SettingsResolver) -> ServerConfiguration {
        var c = ServerConfiguration()
        c.port = r.integer(.dicomPort)
        c.aeTitle = r.text(.dicomAETitle)
        c.bindAddress = r.text(.dicomBindAddress)
        c.dataFolder = r.path(.dataFolder)
        c.checkCalledAETitle = r.boolean(.dicomCheckCalledAET)
        let allowed = r.value(.dicomAllowedCallingAETs) { text in
            let titles = SettingsResolver.list(text)
            if let bad = titles.first(where: { !Setting.Kind.isAETitle($0) }) {
                throw SettingsResolver.Refusal("\"\(bad)\" is not an AE title (1 to 16 characters, no backslash)")
            }
            return titles
        }
        c.allowedCallingAETitles = allowed.isEmpty ? nil : Set(allowed)
        c.maximumAssociations = r.integer(.dicomMaxAssociations)
        c.acceptUnknownSOPClasses = r.boolean(.dicomAcceptUnknownSOPClasses)
        c.acceptUnknownTransferSyntaxes = r.boolean(.dicomAcceptPrivateTransferSyntaxes)
        c.transferSyntaxPreference = r.value(.dicomTransferSyntaxPreference) { text in
            let uids = SettingsResolver.list(text)
            if let bad = uids.first(where: { !isUID($0) }) { throw SettingsResolver.Refusal("\"\(bad)\" is not a UID (digits and dots, at most 64)") }
            return uids
        }
        c.maximumPDULength = UInt32(r.integer(.dicomMaxPDU))
        c.artimTimeout = r.seconds(.dicomARTIMTimeout)
        c.idleTimeout = r.seconds(.dicomIdleTimeout)
        c.dimseTimeout = r.seconds(.dicomDIMSETimeout)
        c.asynchronousOperationsWindow = r.integer(.dicomAsyncWindow)
        c.sync = r.boolean(.fsync)
        c.shutdownGrace = r.seconds(.shutdownGrace)
        resolveServerTLS(&r, &c)
        return c
    }

    static func isUID(_ text: String) -> Bool {
        (1...64).contains(text.utf8.count) && text.allSatisfy { $0 == "." || ("0"..."9").contains($0) }
            && !text.hasPrefix(".") && !text.hasSuffix(".") && !text.contains("..")
    }

    static func resolvePipeline(_ r: inout SettingsResolver, dataFolder data: String) -> PipelineConfiguration {
        var p = PipelineConfiguration(databasePath: r.path(.database), quarantineFolder: r.path(.quarantineFolder))
        let dataRefused = r.refused.contains(.dataFolder)
        if !dataRefused && PipelineConfiguration.contains(data, p.quarantineFolder) {
            r.refuse(.quarantineFolder, "must not be inside DATA_FOLDER (it would be imported as a finished folder); \(r.mention(.dataFolder))")
        }
        p.stableAge = r.seconds(.stableAge)
        p.importBeforeQuiet = r.boolean(.importBeforeQuiet)
        p.rescanInterval = r.seconds(.rescanInterval)
        p.importBatch = r.integer(.importBatch)
        if let workers = r.value(.workers, { text -> Int? in
            if text.lowercased() == "auto" { return nil }
            guard let n = Int(text), (1...256).contains(n) else { throw SettingsResolver.Refusal(Setting.workers.kind.mustBe) }
            return n
        }) {
            p.workers = workers
        }
        p.retry.maxAttempts = r.integer(.jobMaxAttempts)
        p.retry.baseDelay = r.seconds(.jobRetryDelay)
        p.retry.lease = r.seconds(.jobLease)
        // Empty: beside the quarantine (./var/outbox and ./var/secrets by default), so that a
        // setup that moves the quarantine moves them too.
        let beside = (p.quarantineFolder as NSString).deletingLastPathComponent
        let outbox = r.optionalPath(.outboxFolder)
        p.outboxFolder = outbox ?? beside + "/outbox"
        if !dataRefused && PipelineConfiguration.contains(data, p.outboxFolder) && !r.refused.contains(.quarantineFolder) {
            let derived = outbox == nil ? "empty means \(p.outboxFolder), beside QUARANTINE_FOLDER; " : ""
            r.refuse(.outboxFolder, "must not be inside DATA_FOLDER (it would be imported as a finished folder); \(derived)\(r.mention(.dataFolder))")
        }
        p.secretsFile = r.optionalPath(.secretsFile) ?? beside + "/secrets"
        return p
    }

    static func resolveDeidentification(_ r: inout SettingsResolver) -> DeidentificationSettings {
        let profile = r.value(.deidOptions) { text in
            var options = Set<ProfileOption>()
            for name in SettingsResolver.list(text) where name.lowercased() != "none" {
                guard let option = ProfileOption(settingName: name) else {
                    throw SettingsResolver.Refusal("unknown option \"\(name)\"; must be \(Setting.deidOptions.kind.allowed)")
                }
                options.insert(option)
            }
            return try ConfidentialityProfile(options: options)
        }
        var d = DeidentificationSettings(profile: profile)
        d.patientNamePattern = r.text(.deidPatientName)
        d.keepUnknownAttributes = r.boolean(.deidKeepUnknownAttributes)
        d.keepsNarrativeText = r.choice(.deidNarrativeText) == "clean"
        d.recipe = r.value(.studyDeid) { path -> Recipe? in
            guard !path.isEmpty else { return nil }
            let text: String
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw SettingsResolver.Refusal("cannot be read: \(error.localizedDescription)")
            }
            do { return try Recipe.parse(text, source: path) } catch {
                throw SettingsResolver.Refusal("the recipe is not valid: \(error)")
            }
        }
        d.safePrivateAttributes = r.value(.deidSafePrivate) { text in
            try SettingsResolver.list(text, separator: ";").map { entry in
                guard let safe = SafePrivateAttribute(parsing: entry) else {
                    throw SettingsResolver.Refusal("\"\(entry)\" is not CREATOR,gggg,ee (odd group, hexadecimal)")
                }
                return safe
            }
        }
        return d
    }

    static func resolveBurnedInRules(_ r: inout SettingsResolver) -> BurnedInRules {
        r.value(.burnedInRules) { path in
            guard !path.isEmpty else { return .standard }
            let text: String
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw SettingsResolver.Refusal("cannot be read: \(error.localizedDescription)")
            }
            do { return try BurnedInRules.parse(text) } catch {
                throw SettingsResolver.Refusal("\(path): \(error)")
            }
        }
    }

    static func resolveJitterRange(_ r: inout SettingsResolver) -> ClosedRange<Int> {
        r.value(.deidJitterRange) { text in
            let parts = SettingsResolver.list(text).compactMap { Int($0) }
            guard parts.count == 2, parts[0] <= parts[1], abs(parts[0]) <= 3650, abs(parts[1]) <= 3650,
                  !(parts[0]...parts[1]).contains(0) else {
                throw SettingsResolver.Refusal("must be FROM,TO in \(Setting.deidJitterRange.kind.allowed)")
            }
            return parts[0]...parts[1]
        }
    }

    static func resolveIdentifierFields(_ r: inout SettingsResolver) -> IdentifiersRequest.Fields {
        var f = IdentifiersRequest.Fields()
        let keyword = { (text: String) throws -> Tag in
            guard let entry = DataDictionary.entry(forKeyword: text) else {
                throw SettingsResolver.Refusal("must be a DICOM keyword such as PatientID")
            }
            return entry.tag
        }
        f.entityField = r.value(.entityID, keyword)
        f.itemField = r.value(.itemID, keyword)
        f.entitySource = r.text(.entitySource)
        f.itemSource = r.text(.itemSource)
        if r.boolean(.patientIDWithIssuer) { f.issuerField = .issuerOfPatientID }
        return f
    }

    static func resolveGoogleMetadataFields(_ r: inout SettingsResolver) -> [String] {
        r.value(.googleMetadataFields) { text in
            let fields = SettingsResolver.list(text)
            let invalid = SeriesMetadata.invalidFields(fields)
            guard invalid.isEmpty else {
                throw SettingsResolver.Refusal("not DICOM keywords: \(invalid.joined(separator: ", ")) (or ImageCount, SliceThickness, Matrix)")
            }
            return fields
        }
    }

    /// How send jobs retry: SEND_RETRY_DELAY doubling to SEND_RETRY_MAX_DELAY, until
    /// SEND_GIVE_UP_AFTER (0: without end).
    static func resolveSendRetryPolicy(_ r: inout SettingsResolver, lease: TimeInterval) -> RetryPolicy {
        let base = r.seconds(.sendRetryDelay)
        let maximum = r.seconds(.sendRetryMaxDelay)
        if maximum < base && !r.refused.contains(.sendRetryDelay) {
            r.refuse(.sendRetryMaxDelay, "must be at least SEND_RETRY_DELAY; \(r.mention(.sendRetryDelay))")
        }
        let giveUp = r.seconds(.sendGiveUpAfter)
        return RetryPolicy(maxAttempts: 1_000_000, baseDelay: base, maximumDelay: max(base, maximum), lease: lease,
                           giveUpAfter: giveUp > 0 ? giveUp : nil)
    }
}

import Foundation
import Pipeline
import SenditIndex

/// What retrieval from an archive needs: the loop's settings, and the archives' timeout.
struct RetrievalConfiguration {
    var settings: RetrievalLoop.Settings
    var timeout: TimeInterval
    /// Whether `sendit serve` runs the retrieval loop: some source is configured.
    var enabled: Bool { !settings.sources.isEmpty }
}

extension NodeConfiguration {
    /// RETRIEVE_SOURCES (names unique; an entry's `tls:` options made into its TLS context), RETRIEVE_METHOD, RETRIEVE_MAX_ACTIVE, RETRIEVE_WINDOW,
    /// RETRIEVE_TIMEOUT.
    static func resolveRetrieval(_ r: inout SettingsResolver, aeTitle: String) -> RetrievalConfiguration {
        let method = RetrievalJob.Method(rawValue: r.choice(.retrieveMethod)) ?? .move
        let sources = r.value(.retrieveSources) { text in
            try SettingsResolver.list(text, separator: ";").map { entry in
                var source: RetrievalSource
                do {
                    source = try RetrievalSource.parse(entry, defaultMethod: method)
                } catch let invalid as RetrievalSource.Invalid {
                    throw SettingsResolver.Refusal(invalid.description)
                }
                // tls: as EXTRA_DESTINATIONS takes it: its files read now, a refusal names the source.
                if let options = source.tlsOptions {
                    do {
                        source.tls = try TLSOptions.destinationStore(options, name: source.name, role: "retrieval source")
                    } catch let refusal as SettingsResolver.Refusal {
                        throw SettingsResolver.Refusal("\(source.name): \(refusal.message)")
                    }
                }
                return source
            }
        }
        var seen = Set<String>()
        for s in sources where !seen.insert(s.name).inserted {
            r.refuse(.retrieveSources, "the name \(s.name) is used twice")
        }
        var settings = RetrievalLoop.Settings(sources: sources, aeTitle: aeTitle)
        settings.maxActive = r.integer(.retrieveMaxActive)
        settings.window = r.value(.retrieveWindow) { text -> RetrievalWindow? in
            if text.trimmingCharacters(in: .whitespaces).isEmpty { return nil }
            guard let window = RetrievalWindow(text) else { throw SettingsResolver.Refusal(Setting.retrieveWindow.kind.mustBe) }
            return window
        }
        return RetrievalConfiguration(settings: settings, timeout: r.seconds(.retrieveTimeout))
    }
}

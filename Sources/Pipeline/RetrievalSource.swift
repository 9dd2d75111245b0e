import DICOMNetwork
import Foundation
import SenditIndex

/// An archive sendit retrieves from (RETRIEVE_SOURCES: `NAME=AET@HOST:PORT[ move|get][ tls:OPTIONS]`).
public struct RetrievalSource: Sendable, Equatable {
    public var name: String
    public var calledAETitle: String
    public var host: String
    public var port: Int
    public var method: RetrievalJob.Method
    /// The entry's `tls:` options as written (as ORTHANC_TLS takes them), nil: clear text.
    public var tlsOptions: String?
    /// The TLS context made from `tlsOptions` (its files read; SIGHUP reloads them), set by
    /// whoever resolves the settings; nil: clear text.
    public var tls: TLSContextStore?

    public init(name: String, calledAETitle: String, host: String, port: Int, method: RetrievalJob.Method) {
        self.name = name
        self.calledAETitle = calledAETitle
        self.host = host
        self.port = port
        self.method = method
    }

    public static func == (a: RetrievalSource, b: RetrievalSource) -> Bool {
        a.name == b.name && a.calledAETitle == b.calledAETitle && a.host == b.host && a.port == b.port && a.method == b.method
            && a.tlsOptions == b.tlsOptions && a.tls === b.tls
    }

    public struct Invalid: Error, Equatable, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// One entry: `NAME=AET@HOST:PORT`, optionally followed by ` move` or ` get` (else
    /// `defaultMethod`), then optionally ` tls:OPTIONS` (kept in `tlsOptions`, without spaces;
    /// an EXTRA_DESTINATIONS entry's). NAME: letters, digits, `-` and `_`, at most 64.
    public static func parse(_ entry: String, defaultMethod: RetrievalJob.Method) throws(Invalid) -> RetrievalSource {
        let bad = Invalid(description: "\"\(entry)\" is not NAME=AET@HOST:PORT[ move|get][ tls:OPTIONS]")
        guard let eq = entry.firstIndex(of: "=") else { throw bad }
        let name = entry[..<eq].trimmingCharacters(in: .whitespaces)
        var parts = entry[entry.index(after: eq)...].split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        var tlsOptions: String? = nil
        if let last = parts.last, parts.count >= 2, last.hasPrefix("tls:") {
            tlsOptions = String(last.dropFirst(4))
            parts.removeLast()
            guard !tlsOptions!.isEmpty else { throw Invalid(description: "\(name): tls: needs its options") }
        }
        guard RetrievalJob.isSimpleName(name), (1...2).contains(parts.count),
              let at = parts[0].lastIndex(of: "@"), let colon = parts[0].lastIndex(of: ":"), at < colon,
              let port = Int(parts[0][parts[0].index(after: colon)...]) else { throw bad }
        let host = String(parts[0][parts[0].index(after: at)..<colon]), called = String(parts[0][..<at])
        guard !host.isEmpty else { throw Invalid(description: "\(name): the host is empty") }
        guard (1...65535).contains(port) else { throw Invalid(description: "\(name): the port must be 1 to 65535, not \(port)") }
        guard (1...16).contains(called.count), !called.contains("\\"), !called.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw Invalid(description: "\(name): AE title \"\(called)\" must be 1 to 16 characters, no backslash")
        }
        var method = defaultMethod
        if parts.count == 2 {
            guard let m = RetrievalJob.Method(rawValue: parts[1].lowercased()) else { throw bad }
            method = m
        }
        var source = RetrievalSource(name: name, calledAETitle: called, host: host, port: port, method: method)
        source.tlsOptions = tlsOptions
        return source
    }

    /// The association parameters towards this archive (contexts are the Q/R SCU's).
    public func peer(callingAETitle: String, timeout: TimeInterval) -> RequestorAssociation.Parameters {
        var p = RequestorAssociation.Parameters(host: host, port: port, callingAETitle: callingAETitle, calledAETitle: calledAETitle,
                                                presentationContexts: [])
        p.connectTimeout = timeout
        p.artimTimeout = timeout
        p.dimseTimeout = timeout
        p.tls = tls
        return p
    }
}

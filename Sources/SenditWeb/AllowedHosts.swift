import Foundation

/// The host names a request may be addressed to (its Host header): the address the app binds
/// (HTTP_HOST), localhost and the loopback addresses, the machine's host name, any IP address
/// literal, and the names of HTTP_ALLOWED_HOSTS (`*`: any, unsafe). A page on another site
/// whose name was made to resolve to this machine (DNS rebinding) sends that site's name as its
/// Host, so it is refused before anything else. An IP literal is no such risk: a browser that
/// sends one is on this node's own origin. A request with no Host (HTTP/1.0) is no browser's.
/// Pure: the names come from the configuration.
public struct AllowedHosts: Sendable, Equatable {
    public let names: Set<String>
    public let anyHost: Bool

    public init(bindAddress: String, machineNames: [String], allowed: [String]) {
        anyHost = allowed.contains("*")
        let wildcard = ["0.0.0.0", "::", "[::]", ""]
        let bound = wildcard.contains(bindAddress) ? [] : [bindAddress]
        names = Set((["localhost", "127.0.0.1", "::1"] + bound + machineNames + allowed.filter { $0 != "*" }).map(Self.normalized))
    }

    /// Whether a request with this Host header (the authority, port and all) may be answered.
    public func allows(_ authority: String?) -> Bool {
        guard let authority, !authority.isEmpty else { return true }
        if anyHost { return true }
        guard let host = Self.host(of: authority) else { return false }
        return names.contains(host) || Self.isIPLiteral(host)
    }

    /// The host part of `host[:port]` or `[v6][:port]`, lowercased, without a trailing dot;
    /// nil when it has no such shape.
    public static func host(of authority: String) -> String? {
        var text = Substring(authority)
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let rest = text[text.index(after: close)...]
            guard rest.isEmpty || (rest.hasPrefix(":") && rest.dropFirst().allSatisfy(\.isASCIIDigit)) else { return nil }
            text = text[text.index(after: text.startIndex)..<close]
            return normalized(String(text))
        }
        if let colon = text.firstIndex(of: ":") {
            guard text[text.index(after: colon)...].allSatisfy(\.isASCIIDigit) else { return nil }
            text = text[..<colon]
        }
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }) else { return nil }
        return normalized(String(text))
    }

    static func normalized(_ name: String) -> String {
        var name = name.lowercased()
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        while name.hasSuffix(".") { name.removeLast() }
        return name
    }

    static func isIPLiteral(_ host: String) -> Bool { IPAddress(host) != nil }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

import Foundation

/// TRUSTED_PROXIES: the reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For and
/// X-Forwarded-Proto are believed. Only when the TCP peer is one of them is the client the
/// right-most X-Forwarded-For address that is not itself a trusted proxy (each proxy appends
/// the address it saw, so everything left of that could have been written by the client), and
/// the scheme the right-most X-Forwarded-Proto. From any other peer both headers are ignored:
/// a client cannot choose the address its failed logins count against. Pure.
public struct TrustedProxies: Sendable, Equatable {
    struct Range: Sendable, Equatable {
        let network: [UInt8]
        let prefix: Int

        func contains(_ address: IPAddress) -> Bool {
            guard address.bytes.count == network.count else { return false }
            var bits = prefix
            for (a, n) in zip(address.bytes, network) where bits > 0 {
                let mask: UInt8 = bits >= 8 ? 0xFF : ~(0xFF >> UInt8(bits))
                guard a & mask == n & mask else { return false }
                bits -= 8
            }
            return true
        }
    }

    let ranges: [Range]

    public init() { ranges = [] }

    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    /// Entries such as `10.0.0.5`, `10.0.0.0/8`, `::1` or `fd00::/8`.
    public init(_ entries: [String]) throws {
        ranges = try entries.map { entry in
            let parts = entry.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard let address = IPAddress(parts[0]) else { throw Problem(description: "\"\(entry)\" is not an IP address or CIDR range") }
            let bits = address.bytes.count * 8
            guard parts.count == 1 || (parts[1].allSatisfy(\.isASCIIDigit) && Int(parts[1]).map { (0...bits).contains($0) } == true) else {
                throw Problem(description: "\"\(entry)\": the prefix length must be 0 to \(bits)")
            }
            return Range(network: address.bytes, prefix: parts.count == 1 ? bits : Int(parts[1])!)
        }
    }

    public var isEmpty: Bool { ranges.isEmpty }

    func trusts(_ text: String) -> Bool {
        guard let address = IPAddress(text) else { return false }
        return ranges.contains { $0.contains(address) }
    }

    /// The client's address and whether it came over HTTPS (as the proxy says), given the TCP
    /// peer and the header lines of X-Forwarded-For and X-Forwarded-Proto.
    public func client(peer: String, forwardedFor: [String], forwardedProto: [String]) -> (address: String, https: Bool) {
        guard trusts(peer) else { return (peer, false) }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { Self.address(String($0)) }
        var client = peer
        for hop in hops.reversed() {
            guard let hop, IPAddress(hop) != nil else { break }   // not an address: believe nothing further left
            client = hop
            if !trusts(hop) { break }
        }
        let proto = forwardedProto.flatMap { $0.split(separator: ",") }.last?.trimmingCharacters(in: .whitespaces).lowercased()
        return (client, proto == "https")
    }

    /// An X-Forwarded-For entry without spaces, brackets or a port (`[::1]:80`, `10.0.0.1:80`).
    static func address(_ entry: String) -> String? {
        let text = entry.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") { return String(text[text.index(after: text.startIndex)..<close]) }
        if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") { return String(text[..<colon]) }
        return text.isEmpty ? nil : text
    }
}

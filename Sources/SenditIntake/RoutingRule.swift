import DICOMCore
import DICOMNetwork
import Deidentify

/// One routing rule: the project it sends to, and what must hold for an instance to go there.
/// Every part given must match; a part left empty matches anything. The association's parts
/// (called and calling AE titles, the peer's address) are known when it is requested; the
/// conditions, in the burned-in rules' language (`Modality is CT|MR and StudyDescription
/// contains RESEARCH`), only when each instance has arrived.
public struct RoutingRule: Sendable, Equatable {
    /// The rule's name in logs, refusals and `sendit rules test` ("rule 2" unless named).
    public var name: String
    public var project: String
    public var calledAETitles: Set<String> = []
    public var callingAETitles: Set<String> = []
    /// Peer addresses: exact addresses, or IPv4 ranges written as CIDR ("10.1.0.0/16").
    public var peers: [String] = []
    public var conditions: [BurnedInRules.Condition] = []

    public init(name: String, project: String) {
        self.name = name
        self.project = project
    }

    /// Whether an association from `peer` can match this rule (its conditions aside).
    public func matches(_ peer: AssociationPeer) -> Bool {
        (calledAETitles.isEmpty || calledAETitles.contains(peer.calledAETitle))
            && (callingAETitles.isEmpty || callingAETitles.contains(peer.callingAETitle))
            && (peers.isEmpty || peers.contains { RoutingRule.address(peer.address, isIn: $0) })
    }

    /// Whether an instance from `peer` goes to this rule's project.
    public func matches(_ dataSet: DataSet, from peer: AssociationPeer) -> Bool {
        matches(peer) && conditions.allSatisfy { $0.matches(dataSet) }
    }

    /// `address` equals `range`, or lies in it (IPv4 CIDR).
    public static func address(_ address: String, isIn range: String) -> Bool {
        guard let slash = range.firstIndex(of: "/") else { return address == range }
        guard let bits = Int(range[range.index(after: slash)...]), (0...32).contains(bits),
              let network = ipv4(String(range[..<slash])), let host = ipv4(address) else { return false }
        let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - UInt32(bits))
        return network & mask == host & mask
    }

    /// A dotted IPv4 address as a number (an IPv4-mapped IPv6 address too), or nil.
    public static func ipv4(_ text: String) -> UInt32? {
        let plain = text.hasPrefix("::ffff:") ? String(text.dropFirst(7)) : text
        let parts = plain.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for p in parts {
            guard p.count <= 3, let octet = UInt32(p), octet <= 255, p.allSatisfy(\.isASCII) else { return nil }
            value = value << 8 | octet
        }
        return value
    }

    /// Whether `range` is an address or a CIDR range this rule can compare.
    public static func isValidPeer(_ range: String) -> Bool {
        guard let slash = range.firstIndex(of: "/") else { return !range.isEmpty && !range.contains(" ") }
        guard let bits = Int(range[range.index(after: slash)...]), (0...32).contains(bits) else { return false }
        return ipv4(String(range[..<slash])) != nil
    }
}

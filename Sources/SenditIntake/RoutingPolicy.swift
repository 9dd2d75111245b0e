import DICOMCore
import DICOMNetwork

/// Which project each incoming instance goes to: the first routing rule that matches, in
/// order. What no rule takes is refused (at association time when no rule could take anything
/// from the peer, else with a failure status in its C-STORE response), or, as configured, kept
/// for the quarantine under `unroutedProject`, whose folders the importer quarantines with the
/// reason. Pure: no I/O, so every decision is tested without a socket.
public struct RoutingPolicy: InstanceRouting, Equatable {
    public enum Unmatched: String, Sendable, CaseIterable { case refuse, quarantine }

    /// The project name under which unmatched instances are staged for the quarantine; never a
    /// configured project's name.
    public static let unroutedProject = "unrouted"

    public let rules: [RoutingRule]
    public let unmatched: Unmatched

    public init(rules: [RoutingRule], unmatched: Unmatched = .refuse) {
        self.rules = rules
        self.unmatched = unmatched
    }

    /// What the rules' conditions read, and the character set their text is decoded with.
    public var attributes: Set<Tag> {
        rules.reduce(into: [.specificCharacterSet]) { set, rule in set.formUnion(rule.conditions.map(\.tag)) }
    }

    /// The Called AE Titles the rules name (the listener answers to them besides its own).
    public var calledAETitles: Set<String> { rules.reduce(into: []) { $0.formUnion($1.calledAETitles) } }

    public func associationRefusal(_ peer: AssociationPeer) -> String? {
        if unmatched == .quarantine || rules.contains(where: { $0.matches(peer) }) { return nil }
        return "called AE title \"\(peer.calledAETitle)\", calling AE title \"\(peer.callingAETitle)\", address \(peer.address)"
    }

    /// The rule an instance matches (its index in `rules`), or nil.
    public func matchingRule(_ dataSet: DataSet, from peer: AssociationPeer) -> Int? {
        rules.firstIndex { $0.matches(dataSet, from: peer) }
    }

    public func route(_ dataSet: DataSet, from peer: AssociationPeer) -> RoutingVerdict {
        if let i = matchingRule(dataSet, from: peer) { return .project(rules[i].project) }
        switch unmatched {
        case .quarantine: return .project(RoutingPolicy.unroutedProject)
        case .refuse:
            // Names the AE titles and the rules, never a value of the data set.
            return .refuse("no routing rule takes this instance (called AE title \"\(peer.calledAETitle)\", calling AE title \"\(peer.callingAETitle)\"; \(rules.count) rules)")
        }
    }
}

extension RoutingPolicy {
    /// A project's name as a staging or drop folder's prefix carries it (`<project>+<name>`):
    /// lowercase letters, digits, `-` and `_`, starting with a letter or digit, at most 32.
    public static func isValidProjectName(_ name: String) -> Bool {
        guard (1...32).contains(name.count), let first = name.unicodeScalars.first,
              ("0"..."9").contains(first) || ("a"..."z").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }
    }

    /// The project a finished or staging folder's name carries (`<project>+…`), or nil.
    public static func project(ofFolderName name: String) -> String? {
        guard let plus = name.firstIndex(of: "+") else { return nil }
        let prefix = String(name[..<plus])
        return isValidProjectName(prefix) ? prefix : nil
    }
}

import DICOMCore

/// Who sent an association: the AE titles of its A-ASSOCIATE-RQ and the peer's address.
public struct AssociationPeer: Sendable, Equatable {
    public var calledAETitle: String
    public var callingAETitle: String
    /// The peer's IP address, without its port ("" when unknown: a file dropped in a folder).
    public var address: String

    public init(calledAETitle: String, callingAETitle: String, address: String) {
        self.calledAETitle = calledAETitle
        self.callingAETitle = callingAETitle
        self.address = address
    }

    /// The address part of a peer description "HOST:PORT" or "[V6]:PORT".
    public static func address(ofPeerDescription description: String) -> String {
        if description.hasPrefix("["), let end = description.firstIndex(of: "]") {
            return String(description[description.index(after: description.startIndex)..<end])
        }
        guard let colon = description.lastIndex(of: ":") else { return description }
        return String(description[..<colon])
    }
}

/// Where a received instance goes: which project (nil: the node has no projects, as before
/// there were any), or why it is refused. The receiver asks this of its routing policy (the
/// intake's `RoutingPolicy`) and knows nothing of projects or rules.
public enum RoutingVerdict: Sendable, Equatable {
    case project(String?)
    case refuse(String)
}

/// The receiver's routing policy: asked once per association (can anything this peer sends go
/// anywhere? if not, the association is rejected, as the standard rejects an unknown calling AE
/// title) and once per instance, after it is received and checked, before it is placed.
public protocol InstanceRouting: Sendable {
    /// The attributes `route` reads: the receiver's check keeps them (it keeps few otherwise).
    var attributes: Set<Tag> { get }
    /// The Called AE Titles the routing answers to, besides the node's own.
    var calledAETitles: Set<String> { get }
    /// Why nothing from this peer can be routed (the association is rejected), or nil.
    func associationRefusal(_ peer: AssociationPeer) -> String?
    /// The instance's project, or why it is refused (answered with a failure status).
    func route(_ dataSet: DataSet, from peer: AssociationPeer) -> RoutingVerdict
}

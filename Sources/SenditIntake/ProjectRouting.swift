import DICOMCore
import DICOMNetwork
import Foundation

/// The routing in force, which SIGHUP may replace: the policy (its rules) and the configured
/// projects' names, read together. The listener, the staging area's recovery and the importer
/// ask it; an association in progress keeps the AE titles it was accepted with, each instance
/// is routed by the rules in force when it arrives.
public final class ProjectRouting: InstanceRouting, @unchecked Sendable {
    private let lock = NSLock()
    private var current: (policy: RoutingPolicy, projects: Set<String>)

    public init(policy: RoutingPolicy, projects: Set<String>) {
        current = (policy, projects)
    }

    public var policy: RoutingPolicy { lock.withLock { current.policy } }
    public var projects: Set<String> { lock.withLock { current.projects } }

    public func replace(policy: RoutingPolicy, projects: Set<String>) {
        lock.withLock { current = (policy, projects) }
    }

    public var attributes: Set<Tag> { policy.attributes }
    public var calledAETitles: Set<String> { policy.calledAETitles }
    public func associationRefusal(_ peer: AssociationPeer) -> String? { policy.associationRefusal(peer) }
    public func route(_ dataSet: DataSet, from peer: AssociationPeer) -> RoutingVerdict { policy.route(dataSet, from: peer) }
}

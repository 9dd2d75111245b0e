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
    private var retrieval: (claims: @Sendable (String) -> String?, sources: Set<String>)?

    /// The studies being retrieved go to their job's project, not through the rules (`claims`:
    /// StudyInstanceUID to project), when they come from a retrieval source's AE title;
    /// associations from those AE titles are accepted whatever the rules say (their other
    /// instances are then routed as any other's). An instance of a claimed study that anyone
    /// else pushes is routed by the rules: one study may be in several projects.
    public func retrieving(claims: @escaping @Sendable (String) -> String?, sources: Set<String>) {
        lock.lock()
        retrieval = (claims, sources)
        lock.unlock()
    }

    /// Every attribute any policy in force has read: an instance parsed just before a reload
    /// still keeps what the new rules read.
    private var everRead: Set<Tag>

    public init(policy: RoutingPolicy, projects: Set<String>) {
        current = (policy, projects)
        everRead = policy.attributes
    }

    public var policy: RoutingPolicy { lock.withLock { current.policy } }
    public var projects: Set<String> { lock.withLock { current.projects } }

    public func replace(policy: RoutingPolicy, projects: Set<String>) {
        lock.withLock {
            current = (policy, projects)
            everRead.formUnion(policy.attributes)
        }
    }

    public var attributes: Set<Tag> { lock.withLock { everRead } }
    public var calledAETitles: Set<String> { policy.calledAETitles }
    private var retrievalInForce: (claims: @Sendable (String) -> String?, sources: Set<String>)? {
        lock.lock()
        defer { lock.unlock() }
        return retrieval
    }

    public func associationRefusal(_ peer: AssociationPeer) -> String? {
        if let sources = retrievalInForce?.sources, sources.contains(peer.callingAETitle) { return nil }
        return policy.associationRefusal(peer)
    }

    public func route(_ dataSet: DataSet, from peer: AssociationPeer) -> RoutingVerdict {
        if let retrieval = retrievalInForce, retrieval.sources.contains(peer.callingAETitle),
           let study = dataSet.string(.studyInstanceUID), let project = retrieval.claims(study) {
            return .project(project)
        }
        return policy.route(dataSet, from: peer)
    }
}

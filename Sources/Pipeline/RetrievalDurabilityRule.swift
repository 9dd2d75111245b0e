import DICOMNetwork
import Foundation

/// Which received instances may be answered before they are synced, to be made durable with
/// their study (`InstanceDurability.withItsStudy`): pure, so the rule is tested without sockets.
///
/// Only the instances of this node's own retrieval of a study while it runs: the archive keeps
/// its copy, and a retrieval cut short is asked for again, so such an acknowledgement hands no
/// custody over. That is a C-STORE sub-operation of this node's C-GET, or a C-STORE naming this
/// node's AE title as its Move Originator, of a study this node is moving now, on an
/// association from the AE title the move was sent to. Everything else (any other sender, a
/// study no retrieval is moving, a sub-association from another AE title) is synced before its
/// Success, as before. The retrieval loop syncs the study when its operation ends, before the
/// index records it; the staging area syncs before finishing a folder (StagingArea+StudySync).
public struct RetrievalDurabilityRule: Sendable, Equatable {
    /// This node's AE title: the retrieval's Move Destination and Move Originator.
    public var aeTitle: String

    public init(aeTitle: String) {
        self.aeTitle = aeTitle.trimmingCharacters(in: .whitespaces)
    }

    /// `retrievingFrom`: the AE title of the source a C-MOVE or C-GET of the arrival's study is
    /// running from now (`RetrievalRegistry.retrievingFrom`), nil if none is.
    public func durability(of arrival: InstanceArrival, retrievingFrom source: String?) -> InstanceDurability {
        guard let source, arrival.studyInstanceUID?.isEmpty == false else { return .beforeSuccess }
        if arrival.onOwnGet { return .withItsStudy }
        guard !aeTitle.isEmpty, arrival.moveOriginatorAETitle == aeTitle,
              arrival.peer.callingAETitle.trimmingCharacters(in: .whitespaces) == source.trimmingCharacters(in: .whitespaces)
        else { return .beforeSuccess }
        return .withItsStudy
    }
}

import Foundation

/// What the receiver knows of a received instance when it asks the staging how to make it
/// durable (`InstanceStaging.durability(of:)`): its study, who sent it, and whether it is a
/// sub-operation of a retrieval this node asked for (a C-GET on this node's own association,
/// or a C-STORE whose Move Originator is named in its command).
public struct InstanceArrival: Sendable, Equatable {
    public var studyInstanceUID: String?
    public var peer: AssociationPeer
    /// The C-STORE-RQ's Move Originator AE Title (0000,1030), trimmed, if any.
    public var moveOriginatorAETitle: String?
    /// The C-STORE-RQ's Move Originator Message ID (0000,1031), if any.
    public var moveOriginatorMessageID: UInt16?
    /// A C-STORE sub-operation of a C-GET this node sent, on that association.
    public var onOwnGet: Bool

    public init(studyInstanceUID: String?, peer: AssociationPeer, moveOriginatorAETitle: String? = nil,
                moveOriginatorMessageID: UInt16? = nil, onOwnGet: Bool = false) {
        self.studyInstanceUID = studyInstanceUID
        self.peer = peer
        let trimmed = moveOriginatorAETitle?.trimmingCharacters(in: .whitespaces)
        self.moveOriginatorAETitle = trimmed?.isEmpty == true ? nil : trimmed
        self.moveOriginatorMessageID = moveOriginatorMessageID
        self.onOwnGet = onOwnGet
    }
}

/// When a received instance is made durable. `beforeSuccess`: fsynced (with its folder) before
/// its C-STORE is answered Success, as invariant 1 says of every pushed instance (unless the
/// node syncs nothing, FSYNC=false). `withItsStudy`: an instance of this node's own retrieval
/// of a study, which the archive keeps: answered once written, and made durable with the rest
/// of its study (one sync of the file system) before the retrieval records the study as
/// arrived and before its staging folder is finished; after a crash the study is asked for
/// again (StagingArea's recovery keeps what survived whole).
public enum InstanceDurability: Sendable, Equatable {
    case beforeSuccess
    case withItsStudy
}

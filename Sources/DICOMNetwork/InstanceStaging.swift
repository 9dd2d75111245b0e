#if canImport(Glibc)
import Glibc
#endif
import DICOMFile

/// Where the receiver puts the SOP instances it receives: each one is written to a part file of
/// its own while it arrives, checked, marked complete and synced, then handed over to be placed
/// durably. Only then is its C-STORE answered Success. The receiver knows no folder layout: the
/// data folder's contract (`.incoming`, the `<study>.tmp<suffix>` staging folders, recovery
/// after a crash, finishing quiet studies) is `SenditIntake`'s `StagingArea`, which conforms.
public protocol InstanceStaging: AnyObject, Sendable {
    /// Whether each instance (and whatever holds it) is synced to disk before it is acknowledged.
    var sync: Bool { get }

    /// A new, unused path for an instance about to be received.
    func newPartPath() -> String

    /// The mode a part file is created with: not yet complete (recovery after a crash removes it).
    static var incompleteMode: mode_t { get }
    /// The mode a part file is given once it is complete, checked and synced: recovery after a
    /// crash places a part file with this mode, as its C-STORE may have been answered.
    static var completeMode: mode_t { get }
    /// How a received instance is checked before it is placed.
    static var checkOptions: ReadOptions { get }

    /// When an instance is made durable (asked only when `sync`): before its Success, unless it
    /// is a sub-operation of this node's own retrieval of its study (see `InstanceDurability`).
    func durability(of arrival: InstanceArrival) -> InstanceDurability

    /// Moves a complete instance from `partPath` into place, replacing an earlier copy of the
    /// same instance; returns its final path. `beforeSuccess`: the part file is marked
    /// `completeMode` and synced (when `sync`), and placed durably. `withItsStudy`: it is
    /// neither (still `incompleteMode`: recovery after a crash drops it), and it is placed where
    /// the staging syncs it with its study. `project`: the project routing chose (nil: the node
    /// has none); instances of one study for different projects are never placed together.
    func place(_ partPath: String, studyInstanceUID: String?, sopInstanceUID: String, project: String?,
               durability: InstanceDurability) throws -> String
}

extension InstanceStaging {
    /// Every instance durable before its Success: a staging that defers nothing.
    public func durability(of arrival: InstanceArrival) -> InstanceDurability { .beforeSuccess }

    /// Places an instance made durable before its Success.
    public func place(_ partPath: String, studyInstanceUID: String?, sopInstanceUID: String, project: String?) throws -> String {
        try place(partPath, studyInstanceUID: studyInstanceUID, sopInstanceUID: sopInstanceUID, project: project,
                  durability: .beforeSuccess)
    }

    /// Places an instance of a node without projects.
    public func place(_ partPath: String, studyInstanceUID: String?, sopInstanceUID: String) throws -> String {
        try place(partPath, studyInstanceUID: studyInstanceUID, sopInstanceUID: sopInstanceUID, project: nil)
    }
}

/// One row of the UID registry (PS3.6 Annex A).
public struct UIDEntry: Sendable {
    public let uid: UID
    /// PS3.6 name; empty where the source has none.
    public let name: String
    public let keyword: String
    public let kind: Kind
    public let isRetired: Bool
    /// Extra information: "Default Transfer Syntax for DICOM", the edition that retired it, …
    public let info: String

    public var displayName: String { name.isEmpty ? keyword : name }
}

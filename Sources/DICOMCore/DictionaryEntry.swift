/// One row of the data dictionary (PS3.6 Tables 6-1, 7-1, 8-1 and PS3.7 E.1-1).
public struct DictionaryEntry: Sendable {
    /// The tag, with any repeating-group digits (`x` in the standard) set to 0.
    public let tag: Tag
    /// Which bits of a tag must equal `tag` for this entry to apply; 0xFFFFFFFF for a fixed tag,
    /// 0xFF00FFFF for a repeating group such as (60xx,3000).
    public let mask: UInt32
    /// The VR, or the choices the standard gives (`US or SS`: [.US, .SS]). Empty for the item
    /// and delimitation tags, which have no VR.
    public let vrs: [VR]
    public let vm: String
    public let keyword: String
    /// PS3.6 name. Empty for the 2026b additions (their source has keywords only).
    public let name: String
    public let isRetired: Bool

    /// The VR to use where one must be chosen without more context: the first listed.
    public var vr: VR { vrs.first ?? .UN }
    public var isRepeatingGroup: Bool { mask != 0xFFFF_FFFF }
    /// The name if the dictionary has one, else the keyword.
    public var displayName: String { name.isEmpty ? keyword : name }

    public func matches(_ t: Tag) -> Bool { t.rawValue & mask == tag.rawValue }
}

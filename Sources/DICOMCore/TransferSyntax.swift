/// A transfer syntax and how it encodes a data set (PS3.5 10).
public struct TransferSyntax: Hashable, Sendable, CustomStringConvertible {
    public let uid: UID
    public let name: String
    public let keyword: String
    /// False for the syntaxes that are not a binary DICOM encoding at all (SMPTE ST 2110,
    /// the retired MIME and XML encodings).
    public let isBinaryEncoding: Bool
    public let isExplicitVR: Bool
    public let isLittleEndian: Bool
    /// Pixel Data is a sequence of fragments (PS3.5 A.4).
    public let isEncapsulated: Bool
    /// The whole data set after the File Meta Information is deflated (PS3.5 A.5).
    public let isDeflated: Bool
    public let isRetired: Bool

    public var description: String { "\(name) (\(uid))" }

    public static func == (a: TransferSyntax, b: TransferSyntax) -> Bool { a.uid == b.uid }
    public func hash(into h: inout Hasher) { h.combine(uid) }

    /// The registered transfer syntax with this UID, or nil for a private one.
    public static func registered(_ uid: UID) -> TransferSyntax? {
        let all = registered
        var lo = 0, hi = all.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if all[mid].uid.rawValue < uid.rawValue { lo = mid + 1 } else { hi = mid }
        }
        return lo < all.count && all[lo].uid == uid ? all[lo] : nil
    }

    /// A transfer syntax this toolkit does not know: assumed encapsulated Explicit VR Little
    /// Endian, which is what every private compressed syntax in use is.
    public static func unregistered(_ uid: UID) -> TransferSyntax {
        TransferSyntax(uid: uid, name: "Unknown transfer syntax", keyword: "", isBinaryEncoding: true,
                       isExplicitVR: true, isLittleEndian: true, isEncapsulated: true, isDeflated: false,
                       isRetired: false)
    }

    public static func lookup(_ uid: UID) -> TransferSyntax { registered(uid) ?? unregistered(uid) }
}

/// A Storage SOP Class (PS3.4 Annex B): what a C-STORE SCP accepts.
public struct StorageSOPClass: Hashable, Sendable {
    public let uid: UID
    public let keyword: String
    public let isRetired: Bool
    /// Media Storage Directory Storage (DICOMDIR): on media only, never sent by C-STORE.
    public let isMediaOnly: Bool

    public static func isStorage(_ uid: UID) -> Bool { lookup(uid) != nil }

    public static func lookup(_ uid: UID) -> StorageSOPClass? {
        var lo = 0, hi = uids.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if uids[mid] < uid.rawValue { lo = mid + 1 } else { hi = mid }
        }
        return lo < uids.count && uids[lo] == uid.rawValue ? at(lo) : nil
    }

    /// Every Storage SOP Class, ascending by UID, retired ones included.
    public static var all: [StorageSOPClass] { (0..<uids.count).map(at) }

    static func at(_ i: Int) -> StorageSOPClass {
        StorageSOPClass(uid: UID(uids[i]), keyword: keywords[i], isRetired: flags[i] & 1 != 0,
                        isMediaOnly: flags[i] & 2 != 0)
    }
}

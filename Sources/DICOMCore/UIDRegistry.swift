/// Lookups in the generated UID registry (binary search; nothing built at start-up).
public enum UIDRegistry {
    public static func entry(for uid: UID) -> UIDEntry? {
        var lo = 0, hi = uids.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if uids[mid] < uid.rawValue { lo = mid + 1 } else { hi = mid }
        }
        return lo < uids.count && uids[lo] == uid.rawValue ? entry(at: lo) : nil
    }

    public static var all: [UIDEntry] { (0..<uids.count).map(entry(at:)) }

    static func entry(at i: Int) -> UIDEntry {
        UIDEntry(uid: UID(uids[i]), name: names[i], keyword: keywords[i],
                 kind: UIDEntry.Kind.allCases[Int(flags[i] & 0xFF)], isRetired: flags[i] & 0x100 != 0,
                 info: infos[i])
    }
}

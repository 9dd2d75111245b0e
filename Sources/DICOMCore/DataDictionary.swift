/// Lookups in the generated data dictionary: binary searches over sorted generated arrays.
/// Nothing is parsed or built at start-up.
public enum DataDictionary {
    /// The entry for a tag: an exact tag first, then a repeating group such as (60xx,3000).
    /// Group lengths (gggg,0000) of any group and private creators (gggg,0010-00FF) follow
    /// PS3.5's generic rules (UL and LO).
    public static func entry(for tag: Tag) -> DictionaryEntry? {
        index(for: tag).map(entry(at:)) ?? genericEntry(for: tag)
    }

    /// The entry whose PS3.6 keyword is `keyword` (case-sensitive, as in the standard).
    public static func entry(forKeyword keyword: String) -> DictionaryEntry? {
        var lo = 0, hi = keywordOrder.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if keywordTable[Int(keywordOrder[mid])] < keyword { lo = mid + 1 } else { hi = mid }
        }
        guard lo < keywordOrder.count else { return nil }
        let i = Int(keywordOrder[lo])
        return keywordTable[i] == keyword ? entry(at: i) : nil
    }

    /// The VR an implicit VR reader must assume for a tag: the dictionary's first choice, UL
    /// for group lengths, LO for private creators, UN if unknown. No allocation.
    @inline(__always)
    public static func vr(for tag: Tag) -> VR {
        if let i = index(for: tag) {
            return VR(rawValue: UInt16(truncatingIfNeeded: packed[i])) ?? .UN
        }
        if tag.isGroupLength { return .UL }
        if tag.isPrivateCreator { return .LO }
        return .UN
    }

    /// True if the dictionary gives a choice of VRs for this tag (`US or SS`, `OB or OW`, …).
    public static func hasVRChoice(_ tag: Tag) -> Bool {
        guard let i = index(for: tag) else { return false }
        return packed[i] >> 16 & 0xFFFF != 0
    }

    public static var count: Int { tags.count }

    /// Every entry, fixed tags first (ascending), then repeating groups.
    public static var allEntries: [DictionaryEntry] { (0..<tags.count).map(entry(at:)) }

    static func index(for tag: Tag) -> Int? {
        let raw = tag.rawValue
        if let i = lowerBound(raw, 0, exactCount), tags[i] == raw { return i }
        // Repeating groups (50xx, 60xx, …) are standard, even groups; a private tag never matches.
        if tag.isPrivate { return nil }
        for mask in repeatingMasks {
            let masked = raw & mask
            guard var i = lowerBound(masked, exactCount, tags.count) else { continue }
            while i < tags.count && tags[i] == masked {
                if repeatingEntryMasks[i - exactCount] == mask { return i }
                i += 1
            }
        }
        return nil
    }

    static func entry(at i: Int) -> DictionaryEntry {
        let p = packed[i]
        var vrs: [VR] = []
        for shift in stride(from: 0, to: 48, by: 16) {
            if let vr = VR(rawValue: UInt16(truncatingIfNeeded: p >> UInt64(shift))) { vrs.append(vr) }
        }
        return DictionaryEntry(
            tag: Tag(tags[i]), mask: i < exactCount ? 0xFFFF_FFFF : repeatingEntryMasks[i - exactCount],
            vrs: vrs, vm: vmTable[Int(p >> 48 & 0xFF)], keyword: keywordTable[i], name: nameTable[i],
            isRetired: p >> 56 & 1 == 1)
    }

    static func genericEntry(for tag: Tag) -> DictionaryEntry? {
        if tag.isGroupLength {
            return DictionaryEntry(tag: Tag(0), mask: 0x0000_FFFF, vrs: [.UL], vm: "1",
                                   keyword: "GenericGroupLength", name: "Group Length", isRetired: true)
        }
        if tag.isPrivateCreator {
            return DictionaryEntry(tag: Tag(tag.rawValue), mask: 0xFFFF_FFFF, vrs: [.LO], vm: "1",
                                   keyword: "PrivateCreator", name: "Private Creator", isRetired: false)
        }
        return nil
    }

    /// Index in tags[from..<to] of the first tag not less than `raw`, or nil if all are less.
    @inline(__always)
    static func lowerBound(_ raw: UInt32, _ from: Int, _ to: Int) -> Int? {
        tags.withUnsafeBufferPointer { t in
            var lo = from, hi = to
            while lo < hi {
                let mid = (lo &+ hi) >> 1
                if t[mid] < raw { lo = mid &+ 1 } else { hi = mid }
            }
            return lo < to ? lo : nil
        }
    }
}

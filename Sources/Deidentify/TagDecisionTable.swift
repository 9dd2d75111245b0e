import DICOMCore

/// A reviewed list of attributes (spec/deid/*.tsv) with one small decision each, as generated:
/// rows with a fixed tag first, ascending for binary search, then repeating-group rows (their x
/// digits 0) with a mask each.
struct TagDecisionTable: Sendable {
    let exactCount: Int
    let tags: [UInt32]
    /// The mask of repeating-group row exactCount + i.
    let masks: [UInt32]
    /// The decision of every row, as the raw value of the API's enum.
    let values: [UInt8]

    /// The decision for `tag`; nil when no row names it. Private tags never match: a private
    /// (60x1,eeee) is not the overlay attribute its mask would make of it.
    func value(for tag: Tag) -> UInt8? {
        guard !tag.isPrivate else { return nil }
        var lo = 0, hi = exactCount
        while lo < hi {
            let mid = (lo + hi) >> 1
            if tags[mid] < tag.rawValue { lo = mid + 1 } else { hi = mid }
        }
        if lo < exactCount && tags[lo] == tag.rawValue { return values[lo] }
        for (i, mask) in masks.enumerated() where tag.rawValue & mask == tags[exactCount + i] {
            return values[exactCount + i]
        }
        return nil
    }

    /// Every row as (tag with x digits 0, mask, value), for tests.
    var rows: [(tag: UInt32, mask: UInt32, value: UInt8)] {
        tags.indices.map { i in (tags[i], i < exactCount ? 0xFFFF_FFFF : masks[i - exactCount], values[i]) }
    }
}

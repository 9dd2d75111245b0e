import DICOMCore
import DICOMFile

extension BinaryValue {
    /// The bytes of `range` of the value, in little-endian order. A value left in a big-endian
    /// file is read from a start and to an end aligned to its swap unit, so each word is
    /// swapped whole, then cut to the range.
    func bytes(_ range: Range<UInt64>) throws -> [UInt8] {
        precondition(range.upperBound <= length, "region past the end of the value")
        switch self {
        case .inline(let b):
            return Array(b[Int(range.lowerBound)..<Int(range.upperBound)])
        case .deferred(let loc):
            let unit = UInt64(Swift.max(loc.byteSwapUnit, 1))
            let from = range.lowerBound / unit * unit
            let to = Swift.min((range.upperBound + unit - 1) / unit * unit, loc.length)
            let region = BulkDataLocation(path: loc.path, offset: loc.offset + from, length: to - from,
                                          byteSwapUnit: loc.byteSwapUnit)
            let read = try region.read()
            let skip = Int(range.lowerBound - from)
            if skip == 0 && read.count == range.count { return read }
            return Array(read[skip..<skip + range.count])
        }
    }

    /// The first bytes of the value, at most `count`.
    func prefix(_ count: Int) throws -> [UInt8] {
        try bytes(0..<Swift.min(UInt64(count), length))
    }

    /// The value cut to its first `count` bytes, staying in the file when it can (a big-endian
    /// value whose cut splits a word is read and held in memory).
    func truncated(to count: UInt64) throws -> BinaryValue {
        switch self {
        case .inline(let b):
            return .inline(Array(b[0..<Int(count)]))
        case .deferred(let loc):
            if loc.byteSwapUnit > 1 && count % UInt64(loc.byteSwapUnit) != 0 {
                return .inline(try bytes(0..<count))
            }
            return .deferred(BulkDataLocation(path: loc.path, offset: loc.offset, length: count, byteSwapUnit: loc.byteSwapUnit))
        }
    }
}

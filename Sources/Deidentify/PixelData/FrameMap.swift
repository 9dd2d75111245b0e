import DICOMCore

/// Which fragments of encapsulated Pixel Data make each frame (PS3.5 A.4). In order of trust:
/// the Basic Offset Table, if it has one offset per frame, each at a fragment; else the
/// Extended Offset Table (7FE0,0001) with its lengths (7FE0,0002), likewise; else one
/// fragment per frame when the counts match; else, for one frame, all fragments; else a
/// frame starts at each fragment that starts a codestream. Fragments that belong to no frame
/// (after the Extended Offset Table's length of a frame) are left out by the caller.
struct FrameMap: Equatable {
    enum Source: Equatable { case basicOffsetTable, extendedOffsetTable, oneFragmentPerFrame, singleFrame, codestreamStarts }

    /// For each frame, the indexes of its fragments (0: the first fragment after the table).
    let frames: [Range<Int>]
    let source: Source

    static func locate(fragmentLengths: [UInt64], basicOffsetTable: [UInt8], extendedOffsets: [UInt64]?,
                       extendedLengths: [UInt64]?, frameCount: Int, startsCodestream: (Int) throws -> Bool) throws -> FrameMap {
        guard !fragmentLengths.isEmpty else { throw PixelDataRefusal("the encapsulated Pixel Data has no fragments") }
        // Where each fragment's item starts, counted from the first item after the table.
        var itemStarts: [UInt64: Int] = [:]
        var position: UInt64 = 0
        for (i, length) in fragmentLengths.enumerated() {
            itemStarts[position] = i
            position += 8 + length
        }
        func indexes(_ offsets: [UInt64]) -> [Int]? {
            guard offsets.count == frameCount, offsets.first == 0 else { return nil }
            let found = offsets.compactMap { itemStarts[$0] }
            guard found.count == offsets.count, zip(found, found.dropFirst()).allSatisfy({ $0 < $1 }) else { return nil }
            return found
        }
        func consecutive(_ starts: [Int]) -> [Range<Int>] {
            starts.indices.map { i in starts[i]..<(i + 1 < starts.count ? starts[i + 1] : fragmentLengths.count) }
        }

        if basicOffsetTable.count == 4 * frameCount {
            let offsets = stride(from: 0, to: basicOffsetTable.count, by: 4).map { i in
                (0..<4).reduce(UInt64(0)) { $0 | UInt64(basicOffsetTable[i + $1]) << UInt64(8 * $1) }
            }
            if let starts = indexes(offsets) { return FrameMap(frames: consecutive(starts), source: .basicOffsetTable) }
        }
        if let extendedOffsets, let extendedLengths, extendedLengths.count == extendedOffsets.count,
           let starts = indexes(extendedOffsets) {
            // Each frame: the fragments from its start whose lengths add up to its length (or
            // one more, an odd frame padded); any after them, up to the next frame, belong to none.
            let bounds = consecutive(starts)
            var frames: [Range<Int>] = []
            for (range, length) in zip(bounds, extendedLengths) {
                var total: UInt64 = 0, end = range.lowerBound
                while end < range.upperBound && total < length {
                    total += fragmentLengths[end]
                    end += 1
                }
                guard total == length || (total == length + 1 && length % 2 == 1) else { break }
                frames.append(range.lowerBound..<end)
            }
            if frames.count == frameCount { return FrameMap(frames: frames, source: .extendedOffsetTable) }
        }
        if fragmentLengths.count == frameCount {
            return FrameMap(frames: (0..<frameCount).map { $0..<($0 + 1) }, source: .oneFragmentPerFrame)
        }
        if frameCount == 1 {
            return FrameMap(frames: [0..<fragmentLengths.count], source: .singleFrame)
        }
        var starts: [Int] = []
        for i in fragmentLengths.indices where try startsCodestream(i) { starts.append(i) }
        guard starts.count == frameCount, starts.first == 0 else {
            throw PixelDataRefusal("cannot tell which of the \(fragmentLengths.count) fragments make each of the \(frameCount) frames "
                                   + "(no usable offset table, and \(starts.count) fragments start a codestream)")
        }
        return FrameMap(frames: consecutive(starts), source: .codestreamStarts)
    }
}

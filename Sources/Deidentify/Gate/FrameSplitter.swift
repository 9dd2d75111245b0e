/// Which fragments of encapsulated Pixel Data make up which frame (PS3.5 A.4): by the Basic
/// Offset Table if it has entries, else by the Extended Offset Table, else one fragment per
/// frame when the counts agree, else all fragments for a single frame, else a new frame at each
/// fragment that begins a codestream. Every fragment belongs to a frame: one that follows a
/// frame's end is walked as bytes after its EOI.
enum FrameSplitter {
    typealias Failure = JPEGWalker.Failure

    /// Fragment indices (into `fragments`, the Basic Offset Table excluded) of each frame.
    static func frames(fragments: [(start: Int, length: Int)], offsetTable: [Int]?, frames count: Int,
                       beginsCodestream: (Int) -> Bool) throws(Failure) -> [[Int]] {
        guard !fragments.isEmpty else { throw Failure(reason: "there are no fragments") }
        if let table = offsetTable, !table.isEmpty {
            guard table.count == count else {
                throw Failure(reason: "the offset table has \(table.count) entries for \(count) frames")
            }
            // Each entry: the offset of a frame's first fragment item from the first fragment item.
            var itemOffsets: [Int: Int] = [:]
            var at = 0
            for (i, f) in fragments.enumerated() {
                itemOffsets[at] = i
                at += 8 + f.length
            }
            var starts: [Int] = []
            for offset in table {
                guard let i = itemOffsets[offset] else { throw Failure(reason: "offset table entry \(offset) is not a fragment's start") }
                starts.append(i)
            }
            guard starts.first == 0, zip(starts, starts.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw Failure(reason: "the offset table does not begin at the first fragment and ascend")
            }
            return group(fragments.count, starts)
        }
        if fragments.count == count { return (0..<count).map { [$0] } }
        if count == 1 { return [Array(fragments.indices)] }
        let starts = fragments.indices.filter(beginsCodestream)
        guard starts.count == count, starts.first == 0 else {
            throw Failure(reason: "\(fragments.count) fragments cannot be told apart into \(count) frames")
        }
        return group(fragments.count, starts)
    }

    static func group(_ n: Int, _ starts: [Int]) -> [[Int]] {
        starts.enumerated().map { k, s in Array(s..<(k + 1 < starts.count ? starts[k + 1] : n)) }
    }
}

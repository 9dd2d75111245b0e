/// A text value folded (spec 2.1) for searching, with the way back: for each folded byte, the
/// UTF-8 range of the original character it came from. An ASCII value needs no map (folded
/// byte i is original byte i); the cleaner folds those into a buffer of its own and never
/// builds one of these.
struct FoldedText {
    /// The folded text, UTF-8.
    var bytes: [UInt8] = []
    /// Per folded byte: where its character starts and ends in the original's UTF-8.
    var originStart: [Int32] = []
    var originEnd: [Int32] = []

    /// The fold of `text`, and, if `text` has `ä ö ü`, the fold of its umlaut variant.
    static func make(_ text: String) -> (plain: FoldedText, variant: FoldedText?) {
        var plain = FoldedText()
        var variant = FoldedText()
        var hasVariant = false
        plain.bytes.reserveCapacity(text.utf8.count)
        TextFold.forEachChunk(text) { folded, foldedVariant, lo, hi in
            plain.append(folded, from: Int32(lo), to: Int32(hi))
            if let v = foldedVariant { hasVariant = true; variant.append(v, from: Int32(lo), to: Int32(hi)) }
            else { variant.append(folded, from: Int32(lo), to: Int32(hi)) }
        }
        return (plain, hasVariant ? variant : nil)
    }

    mutating func append(_ folded: UnsafeBufferPointer<UInt8>, from start: Int32, to end: Int32) {
        TextFold.append(folded, to: &bytes)
        for _ in folded.indices {
            originStart.append(start)
            originEnd.append(end)
        }
    }

    /// The original range of folded bytes `lo..<hi`: every character any of them came from.
    func origin(_ lo: Int, _ hi: Int) -> Range<Int> {
        Int(originStart[lo])..<Int(originEnd[hi - 1])
    }
}

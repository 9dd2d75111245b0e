/// The letter view of folded text (matching spec 5, letters written apart): a name written with its letters apart
/// read together. A `-` between two letters is dropped (`drumm-ondson`, a family name hyphenated
/// at a syllable), and so is the separator (one space, `.`, `-` or `_`) between single letters
/// written one by one, three or more in a row (`b.l.a.c.k.w.o.o.d`, `f i t z`). Needles are
/// searched in the view too; a match is traced back to the folded text.
struct LetterView {
    var bytes: [UInt8] = []
    /// Per byte of the view, its index in the folded text.
    var origin: [Int32] = []

    /// The view, or nil when it is the text itself (nothing dropped).
    static func make(_ h: UnsafeBufferPointer<UInt8>) -> LetterView? {
        let n = h.count
        guard n >= 3 else { return nil }
        var drop: [Bool]? = nil
        func mark(_ i: Int) {
            if drop == nil { drop = [Bool](repeating: false, count: n) }
            drop![i] = true
        }
        @inline(__always) func letter(_ i: Int) -> Bool { i >= 0 && i < n && (h[i] &- 0x61 < 26 || h[i] >= 0x80) }
        @inline(__always) func wordChar(_ i: Int) -> Bool { letter(i) || (i >= 0 && i < n && TextFold.isDigit(h[i])) }
        @inline(__always) func single(_ i: Int) -> Bool { h[i] &- 0x61 < 26 && !wordChar(i - 1) && !wordChar(i + 1) }
        @inline(__always) func separator(_ b: UInt8) -> Bool { b == 0x20 || b == 0x2E || b == 0x2D || b == 0x5F }
        var i = 1
        while i + 1 < n {
            if h[i] == 0x2D && letter(i - 1) && letter(i + 1) { mark(i) }
            i += 1
        }
        // Single letters, each two bytes after the one before.
        i = 0
        while i < n {
            guard single(i) else { i += 1; continue }
            var j = i
            while j + 2 < n && separator(h[j + 1]) && single(j + 2) { j += 2 }
            if (j - i) / 2 + 1 >= 3 {
                var k = i + 1
                while k < j { mark(k); k += 2 }
            }
            i = j + 1
        }
        guard let drop else { return nil }
        var view = LetterView()
        view.bytes.reserveCapacity(n)
        view.origin.reserveCapacity(n)
        for k in 0..<n where !drop[k] {
            view.bytes.append(h[k])
            view.origin.append(Int32(k))
        }
        return view
    }

    /// The folded text's range of the view's `lo..<hi`.
    func range(_ lo: Int, _ hi: Int) -> (Int, Int) { (Int(origin[lo]), Int(origin[hi - 1]) + 1) }
}

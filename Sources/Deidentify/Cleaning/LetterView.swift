/// The letter view of folded text (matching spec 5, letters written apart): a name written with its letters apart
/// read together. A `-` between two letters is dropped (`drumm-ondson`, a family name hyphenated
/// at a syllable), and so are the separators (one or two of space `.` `-` `_` `/` `,` `·`) between
/// single letters written one by one, three or more in a row (`b.l.a.c.k.w.o.o.d`, `f i t z`,
/// `g. r. o.`, `g·r·o`). Needles are
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
        /// The middle dot U+00B7 (C2 B7 in UTF-8), a separator, not a letter.
        @inline(__always) func middleDot(_ i: Int) -> Bool {
            (h[i] == 0xC2 && i + 1 < n && h[i + 1] == 0xB7) || (h[i] == 0xB7 && i > 0 && h[i - 1] == 0xC2)
        }
        @inline(__always) func letter(_ i: Int) -> Bool { i >= 0 && i < n && (h[i] &- 0x61 < 26 || (h[i] >= 0x80 && !middleDot(i))) }
        @inline(__always) func wordChar(_ i: Int) -> Bool { letter(i) || (i >= 0 && i < n && TextFold.isDigit(h[i])) }
        @inline(__always) func single(_ i: Int) -> Bool { h[i] &- 0x61 < 26 && !wordChar(i - 1) && !wordChar(i + 1) }
        @inline(__always) func separator(_ b: UInt8) -> Bool {
            b == 0x20 || b == 0x2E || b == 0x2D || b == 0x5F || b == 0x2F || b == 0x2C
        }
        /// Where the next single letter stands after the one at `i`: one or two separators
        /// (space . - _ / , or ·) between, or nil.
        func next(_ i: Int) -> Int? {
            var k = i + 1, count = 0
            while k < n && count < 2 {
                if separator(h[k]) { k += 1 } else if middleDot(k) && h[k] == 0xC2 { k += 2 } else { break }
                count += 1
            }
            return count > 0 && k < n && single(k) ? k : nil
        }
        var i = 1
        while i + 1 < n {
            if h[i] == 0x2D && letter(i - 1) && letter(i + 1) { mark(i) }
            i += 1
        }
        // Single letters, one or two separators apart.
        i = 0
        while i < n {
            guard single(i) else { i += 1; continue }
            var run = 1, j = i
            while let k = next(j) { j = k; run += 1 }
            if run >= 3 {
                var k = i
                while let m = next(k) {
                    for x in (k + 1)..<m { mark(x) }
                    k = m
                }
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

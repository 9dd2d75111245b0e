/// A name written with its letters apart, read together (matching spec 5, letters written apart): a `-` with a letter
/// on both sides goes (`drumm-ondson`), and so does the one separator (space `.` `-` `_`) between
/// letters written singly, three or more of them in a row (`b.l.a.c.k`, `f i t z`). The gate
/// searches this text as well as the value's own.
enum GateLetterView {
    /// The text with those separators left out, or nil if it has none.
    static func joined(_ t: ArraySlice<UInt8>) -> [UInt8]? {
        guard mayJoin(t) else { return nil }
        let s = Array(t)
        let n = s.count
        guard n >= 3 else { return nil }
        func isLetter(_ i: Int) -> Bool { i >= 0 && i < n && ((s[i] >= 0x61 && s[i] <= 0x7A) || s[i] >= 0x80) }
        func isWord(_ i: Int) -> Bool { isLetter(i) || (i >= 0 && i < n && s[i] >= 0x30 && s[i] <= 0x39) }
        func isSingle(_ i: Int) -> Bool { i < n && s[i] >= 0x61 && s[i] <= 0x7A && !isWord(i - 1) && !isWord(i + 1) }
        var gone = Set<Int>()
        for i in 1..<(n - 1) where s[i] == 0x2D && isLetter(i - 1) && isLetter(i + 1) { gone.insert(i) }
        var start = 0
        while start < n {
            if !isSingle(start) { start += 1; continue }
            var last = start
            while last + 2 < n && [0x20, 0x2E, 0x2D, 0x5F].contains(s[last + 1]) && isSingle(last + 2) { last += 2 }
            if last - start >= 4 { for k in stride(from: start + 1, to: last, by: 2) { gone.insert(k) } }
            start = last + 1
        }
        if gone.isEmpty { return nil }
        return s.indices.filter { !gone.contains($0) }.map { s[$0] }
    }

    /// Cheap first look (most values have neither): a `-`, or a separator with a lone letter on
    /// both sides.
    static func mayJoin(_ t: ArraySlice<UInt8>) -> Bool {
        func letter(_ i: Int) -> Bool { i >= t.startIndex && i < t.endIndex && t[i] >= 0x61 && t[i] <= 0x7A }
        var i = t.startIndex + 1
        while i + 1 < t.endIndex {
            let c = t[i]
            if c == 0x2D { return true }
            if (c == 0x20 || c == 0x2E || c == 0x5F) && letter(i - 1) && letter(i + 1) && !letter(i - 2) && !letter(i + 2) { return true }
            i += 1
        }
        return false
    }
}

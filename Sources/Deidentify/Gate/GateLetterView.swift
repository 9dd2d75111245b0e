/// A name written with its letters apart, read together (matching spec 5, letters written apart): a `-` with a letter
/// on both sides goes (`drumm-ondson`), and so do the one or two separators (space `.` `-` `_` `/`
/// `,` `·`) between letters written singly, three or more of them in a row (`b.l.a.c.k`, `f i t z`). The gate
/// searches this text as well as the value's own.
enum GateLetterView {
    /// The text with those separators left out, or nil if it has none.
    static func joined(_ t: ArraySlice<UInt8>) -> [UInt8]? {
        guard mayJoin(t) else { return nil }
        let s = Array(t)
        let n = s.count
        guard n >= 3 else { return nil }
        func isDot(_ i: Int) -> Bool { (s[i] == 0xC2 && i + 1 < n && s[i + 1] == 0xB7) || (s[i] == 0xB7 && i > 0 && s[i - 1] == 0xC2) }
        func isLetter(_ i: Int) -> Bool { i >= 0 && i < n && ((s[i] >= 0x61 && s[i] <= 0x7A) || (s[i] >= 0x80 && !isDot(i))) }
        func isWord(_ i: Int) -> Bool { isLetter(i) || (i >= 0 && i < n && s[i] >= 0x30 && s[i] <= 0x39) }
        func isSingle(_ i: Int) -> Bool { i < n && s[i] >= 0x61 && s[i] <= 0x7A && !isWord(i - 1) && !isWord(i + 1) }
        /// The next lone letter after one or two separators (space . - _ / , ·), or nil.
        func following(_ i: Int) -> Int? {
            var k = i + 1, seps = 0
            while k < n && seps < 2 {
                if [0x20, 0x2E, 0x2D, 0x5F, 0x2F, 0x2C].contains(s[k]) { k += 1 }
                else if s[k] == 0xC2 && k + 1 < n && s[k + 1] == 0xB7 { k += 2 }
                else { break }
                seps += 1
            }
            return seps > 0 && isSingle(k) ? k : nil
        }
        var gone = Set<Int>()
        for i in 1..<(n - 1) where s[i] == 0x2D && isLetter(i - 1) && isLetter(i + 1) { gone.insert(i) }
        var start = 0
        while start < n {
            if !isSingle(start) { start += 1; continue }
            var letters = [start]
            while let k = following(letters.last!) { letters.append(k) }
            if letters.count >= 3 {
                for (a, b) in zip(letters, letters.dropFirst()) { for k in (a + 1)..<b { gone.insert(k) } }
            }
            start = letters.last! + 1
        }
        if gone.isEmpty { return nil }
        return s.indices.filter { !gone.contains($0) }.map { s[$0] }
    }

    /// Cheap first look (most values have neither): a `-`, or a lone letter with another 2 to 4
    /// bytes on, only separators (space . _ / , ·) between.
    static func mayJoin(_ t: ArraySlice<UInt8>) -> Bool {
        func letter(_ i: Int) -> Bool { i >= t.startIndex && i < t.endIndex && t[i] >= 0x61 && t[i] <= 0x7A }
        func separator(_ i: Int) -> Bool { [0x20, 0x2E, 0x5F, 0x2F, 0x2C, 0xC2, 0xB7].contains(t[i]) }
        var i = t.startIndex
        while i < t.endIndex {
            let c = t[i]
            if c == 0x2D { return true }
            if letter(i) && !letter(i - 1) && !letter(i + 1) {
                var k = i + 1
                while k < t.endIndex && k - i <= 4 && separator(k) { k += 1 }
                if k > i + 1 && letter(k) && !letter(k + 1) { return true }
            }
            i += 1
        }
        return false
    }
}

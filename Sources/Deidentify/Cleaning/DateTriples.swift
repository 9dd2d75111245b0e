/// Dates written as three tokens that equal a protected date (matching spec 5, dates as any
/// three tokens): a birth date, or another date of the original. Folded text is read as tokens:
/// numbers of 1 to 4 digits (an ordinal suffix `st` `nd` `rd` `th` `er` `e` may follow), and
/// month names or their abbreviations in English, German, French, Spanish, Italian and Dutch
/// (any prefix of 3 letters or more of one month's name, diacritics folded, plus `maerz`, `mrz`,
/// `jaenner`), and Roman-numeral months `i` to `xii` between two numbers (`4/XI/1958`). Tokens
/// are joined by up to 3 of space `.` `/` `-` `,` `_` `|` or a CJK date marker 年 月 日 년 월 일
/// (`1957年12月9日`), with at most one connector word among them (`de` `del` `of` `the` `le`
/// `den` `der` `el`: `7 de octubre de 1955`); a number and a month name may touch
/// (`04nov1958`); anything else breaks the chain. Any three tokens in a row read as
/// year-month-day, day-month-year or month-day-year (a 4-digit year, or 2 digits for its last
/// two) that equal a protected date are that date: `geb.3.11.1944`, `5th December 1945`,
/// `1950-apr-02`, `07 08 54`. Three tokens with a number joined by a single `.` right before or
/// after them are part of a version (`2.04.11.1958`), not a date.
///
/// Only equality with a protected date counts, so the reading can be this wide: three small
/// numbers in a row that happen to equal the birth date (`07 08 54`) are the cost.
enum DateTriples {
    struct Token {
        var lo: Int, hi: Int
        var value: Int
        /// Its digits (1 to 4), 0 for a month name, -1 for a month in Roman numerals.
        var digits: Int
    }

    /// Calls `found(lo, hi, index)` for each three tokens in a row equal to `dates[index]`.
    static func scan(_ h: UnsafeBufferPointer<UInt8>, dates: [(Int, Int, Int)], _ found: (Int, Int, Int) -> Void) {
        guard !dates.isEmpty else { return }
        let n = h.count
        var chain: [Token] = []
        chain.reserveCapacity(8)
        var i = 0
        /// Every three tokens in a row of the chain, unless a number joined by a single `.`
        /// stands right before or after them (`2.04.11.1958`: a version, not a date).
        func flush() {
            defer { chain.removeAll(keepingCapacity: true) }
            guard chain.count >= 3 else { return }
            for a in 0...(chain.count - 3) {
                if a > 0 && chain[a - 1].digits > 0 && dot(h, chain[a - 1].hi, chain[a].lo) { continue }
                if a + 3 < chain.count && chain[a + 3].digits > 0 && dot(h, chain[a + 2].hi, chain[a + 3].lo) { continue }
                if let k = match(chain[a], chain[a + 1], chain[a + 2], dates) { found(chain[a].lo, chain[a + 2].hi, k) }
            }
        }
        func push(_ t: Token) {
            if let last = chain.last, !joined(h, last.hi, t.lo) { flush() }
            chain.append(t)
        }
        while i < n {
            let b = h[i]
            if TextFold.isDigit(b) {
                var j = i
                while j < n && TextFold.isDigit(h[j]) { j += 1 }
                if j - i > 4 {
                    flush()
                    i = j
                    continue
                }
                var v = 0
                for k in i..<j { v = v * 10 + Int(h[k] &- 0x30) }
                var end = j
                var l = j
                while l < n && isLetter(h[l]) { l += 1 }
                if l > j && isOrdinal(h, j, l) { end = l }
                push(Token(lo: i, hi: end, value: v, digits: j - i))
                i = end
            } else if isLetter(b) {
                var j = i
                while j < n && isLetter(h[j]) { j += 1 }
                if let m = MonthNames.month(h, i, j) {
                    push(Token(lo: i, hi: j, value: m, digits: 0))
                } else if let m = romanMonth(h, i, j) {
                    push(Token(lo: i, hi: j, value: m, digits: -1))
                } else if !isConnector(h, i, j) {
                    flush()
                }
                i = j
            } else {
                i += 1
            }
        }
        flush()
    }

    /// A single `.` between two tokens.
    @inline(__always) static func dot(_ h: UnsafeBufferPointer<UInt8>, _ a: Int, _ b: Int) -> Bool { b - a == 1 && h[a] == 0x2E }

    @inline(__always) static func isLetter(_ b: UInt8) -> Bool { b &- 0x61 < 26 }

    /// st nd rd th er e
    static func isOrdinal(_ h: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Bool {
        switch hi - lo {
        case 1: return h[lo] == 0x65
        case 2:
            let a = h[lo], b = h[lo + 1]
            return (a == 0x73 && b == 0x74) || (a == 0x6E && b == 0x64) || (a == 0x72 && b == 0x64)
                || (a == 0x74 && b == 0x68) || (a == 0x65 && b == 0x72)
        default: return false
        }
    }

    /// Up to 3 separators (space . / - , _ |, or a CJK date marker 年 月 日 년 월 일) and at most
    /// one connector word (`de` `of`…) between two tokens, nothing else.
    static func joined(_ h: UnsafeBufferPointer<UInt8>, _ a: Int, _ b: Int) -> Bool {
        guard b - a <= 12 else { return false }
        var separators = 0, words = 0
        var k = a
        while k < b {
            switch h[k] {
            case 0x20, 0x2E, 0x2F, 0x2D, 0x2C, 0x5F, 0x7C:
                k += 1
            case 0x61...0x7A:
                var j = k
                while j < b && isLetter(h[j]) { j += 1 }
                guard words == 0, isConnector(h, k, j) else { return false }
                words += 1
                k = j
                continue
            default:
                guard k + 3 <= b, isDateMarker(h[k], h[k + 1], h[k + 2]) else { return false }
                k += 3
            }
            separators += 1
            if separators > 3 { return false }
        }
        return true
    }

    /// 年 月 日 (Chinese, Japanese) and 년 월 일 (Korean) in UTF-8: they follow a year, a month, a day.
    @inline(__always) static func isDateMarker(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Bool {
        switch (a, b, c) {
        case (0xE5, 0xB9, 0xB4), (0xE6, 0x9C, 0x88), (0xE6, 0x97, 0xA5), (0xEB, 0x85, 0x84), (0xEC, 0x9B, 0x94), (0xEC, 0x9D, 0xBC): return true
        default: return false
        }
    }

    static let connectors: Set<[UInt8]> = Set(["de", "del", "of", "the", "le", "den", "der", "el"].map { Array($0.utf8) })

    /// A word that may stand inside a written date: `7 de octubre de 1955`, `the 7th of November`.
    static func isConnector(_ h: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Bool {
        hi - lo >= 2 && hi - lo <= 3 && connectors.contains(Array(h[lo..<hi]))
    }

    static let romanMonths: [[UInt8]: Int] = {
        var out: [[UInt8]: Int] = [:]
        for (k, r) in ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"].enumerated() { out[Array(r.utf8)] = k + 1 }
        return out
    }()

    /// A month in Roman numerals, i to xii (`4/XI/1958`); it counts only between two numbers.
    static func romanMonth(_ h: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Int? {
        hi - lo <= 4 ? romanMonths[Array(h[lo..<hi])] : nil
    }

    /// The index of the date that tokens a b c equal, read as Y-M-D, D-M-Y or M-D-Y.
    static func match(_ a: Token, _ b: Token, _ c: Token, _ dates: [(Int, Int, Int)]) -> Int? {
        for (k, (y, m, d)) in dates.enumerated() {
            if isYear(a, y) && isMonth(b, m) && isDay(c, d) { return k }
            if isDay(a, d) && isMonth(b, m) && isYear(c, y) { return k }
            if a.digits >= 0 && isMonth(a, m) && isDay(b, d) && isYear(c, y) { return k }
        }
        return nil
    }

    @inline(__always) static func isYear(_ t: Token, _ y: Int) -> Bool {
        (t.digits == 4 && t.value == y) || (t.digits == 2 && t.value == y % 100)
    }

    @inline(__always) static func isMonth(_ t: Token, _ m: Int) -> Bool {
        t.digits <= 2 && t.value == m   // a name (0), a Roman numeral (-1) or 1 to 2 digits
    }

    @inline(__always) static func isDay(_ t: Token, _ d: Int) -> Bool {
        (t.digits == 1 || t.digits == 2) && t.value == d
    }
}

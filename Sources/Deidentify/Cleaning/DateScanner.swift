/// Finds dates written in the formats of matching spec 1.3 in folded text: YYYYMMDD (which
/// may run on into a time), YYYY-M-D, D-M-YYYY and M-D-YYYY with `-`, `/` or `.` (the same one
/// twice; day and month padded or not; the year in 4 digits, or 2), and the forms with English
/// month names or their abbreviations (`04-nov-1958`, `4 nov 1958`, `04nov1958`,
/// `nov 04 1958`, `nov 4, 1958`, `november 4, 1958`, `4 november 1958`). A date never starts
/// right after a digit or a `.`, and never ends right before a digit (but YYYYMMDD).
///
/// Every start is tried, so a date inside another date-like run is found too (`2/11/04/1958`
/// holds `11/04/1958`). The scanner only reads; what a date found means (the birth date,
/// another date of the original, or any date: a pattern) is for the caller to decide.
enum DateScanner {
    /// A date found: where (folded bytes `lo..<hi`), and what it may mean. A numeric day and
    /// month in either order give two readings.
    struct Found {
        var lo: Int
        var hi: Int
        /// (year, month, day); a 2-digit year is given as 0...99 with `twoDigitYear` set.
        var readings: [(Int, Int, Int)]
        var twoDigitYear: Bool
        /// Written with `.` between 2-digit day, month and year (`04.11.58`), or not padded
        /// with `.` (`4.11.58`): the second is also how version numbers look.
        var separator: UInt8
        var padded: Bool
    }

    static func scan(_ h: UnsafeBufferPointer<UInt8>, _ found: (Found) -> Void) {
        let n = h.count
        for i in 0..<n {
            let b = h[i]
            let digit = TextFold.isDigit(b)
            // Only digits and the first letters of month names start a date.
            guard digit || isMonthInitial(b) else { continue }
            if i > 0 && (TextFold.isDigit(h[i - 1]) || h[i - 1] == 0x2E) { continue }
            if digit { numeric(h, i, found) } else { monthFirst(h, i, found) }
        }
    }

    /// j f m a s o n d
    @inline(__always) static func isMonthInitial(_ b: UInt8) -> Bool {
        switch b {
        case 0x6A, 0x66, 0x6D, 0x61, 0x73, 0x6F, 0x6E, 0x64: return true
        default: return false
        }
    }

    // MARK: forms starting with digits

    static func numeric(_ h: UnsafeBufferPointer<UInt8>, _ s: Int, _ found: (Found) -> Void) {
        let run = digitRun(h, s)
        let n = h.count
        if run >= 8 {
            // YYYYMMDD, the rest of the run (a time) with it.
            let y = number(h, s, 4), m = number(h, s + 4, 2), d = number(h, s + 6, 2)
            if isValid(y, m, d) {
                found(Found(lo: s, hi: s + run, readings: [(y, m, d)], twoDigitYear: false, separator: 0, padded: true))
            }
            return
        }
        if run == 4 || run <= 2 { numericWithSeparators(h, s, run, found) }
        if run <= 2 { dayFirstWithMonthName(h, s, run, found) }
    }

    /// Y-M-D (4-digit year first), and D-M-Y or M-D-Y (both readings), with `-`, `/` or `.`.
    static func numericWithSeparators(_ h: UnsafeBufferPointer<UInt8>, _ s: Int, _ run: Int, _ found: (Found) -> Void) {
        let n = h.count
        let afterRun = s + run
        guard afterRun < n, isNumericSeparator(h[afterRun]) else { return }
        let sep = h[afterRun]
        guard let (b, bLen, next) = field(h, afterRun + 1), next < n, h[next] == sep else { return }
        let lastRun = digitRun(h, next + 1)
        if run == 4 {
            guard lastRun == 1 || lastRun == 2 else { return }
            let y = number(h, s, 4), d = number(h, next + 1, lastRun)
            if isValid(y, b, d) {
                found(Found(lo: s, hi: next + 1 + lastRun, readings: [(y, b, d)], twoDigitYear: false,
                            separator: sep, padded: bLen == 2 && lastRun == 2))
            }
        } else {
            guard lastRun == 4 || lastRun == 2 else { return }
            let a = number(h, s, run), y = number(h, next + 1, lastRun)
            var readings: [(Int, Int, Int)] = []
            if isValid(y, b, a, twoDigit: lastRun == 2) { readings.append((y, b, a)) }
            if a != b, isValid(y, a, b, twoDigit: lastRun == 2) { readings.append((y, a, b)) }
            if !readings.isEmpty {
                found(Found(lo: s, hi: next + 1 + lastRun, readings: readings, twoDigitYear: lastRun == 2,
                            separator: sep, padded: run == 2 && bLen == 2))
            }
        }
    }

    /// `04-nov-1958`, `4 nov 1958`, `04nov1958`, `4 november 1958`, `4 november, 1958`.
    static func dayFirstWithMonthName(_ h: UnsafeBufferPointer<UInt8>, _ s: Int, _ run: Int, _ found: (Found) -> Void) {
        let n = h.count
        var i = s + run
        if i < n && h[i] == 0x2D { i += 1 } else { i = skipSpaces(h, i) }
        guard let (month, afterMonth) = monthName(h, i) else { return }
        i = afterMonth
        if i < n && h[i] == 0x2E { i += 1 }   // "4 nov. 1958"
        if i < n && h[i] == 0x2C { i += 1 }   // "4 november, 1958"
        if i < n && h[i] == 0x2D { i += 1 } else { i = skipSpaces(h, i) }
        let yRun = digitRun(h, i)
        guard yRun == 4 || yRun == 2 else { return }
        let d = number(h, s, run), y = number(h, i, yRun)
        if isValid(y, month, d, twoDigit: yRun == 2) {
            found(Found(lo: s, hi: i + yRun, readings: [(y, month, d)], twoDigitYear: yRun == 2, separator: 0, padded: true))
        }
    }

    // MARK: forms starting with the month

    /// `nov 04 1958`, `nov 4, 1958`, `november 4, 1958`, `nov-04-1958`, `nov. 4, 1958`.
    static func monthFirst(_ h: UnsafeBufferPointer<UInt8>, _ s: Int, _ found: (Found) -> Void) {
        let n = h.count
        guard let (month, afterMonth) = monthName(h, s) else { return }
        var i = afterMonth
        if i < n && h[i] == 0x2E { i += 1 }
        let dash = i < n && h[i] == 0x2D
        i = dash ? i + 1 : skipSpaces(h, i)
        guard i > afterMonth else { return }
        let dRun = digitRun(h, i)
        guard dRun == 1 || dRun == 2 else { return }
        let d = number(h, i, dRun)
        i += dRun
        if i < n && h[i] == 0x2C { i += 1 }
        let beforeYear = i
        if i < n && h[i] == 0x2D { i += 1 } else { i = skipSpaces(h, i) }
        guard i > beforeYear || (i < n && h[i - 1] == 0x2C) else { return }
        let yRun = digitRun(h, i)
        guard yRun == 4 || yRun == 2 else { return }
        let y = number(h, i, yRun)
        if isValid(y, month, d, twoDigit: yRun == 2) {
            found(Found(lo: s, hi: i + yRun, readings: [(y, month, d)], twoDigitYear: yRun == 2, separator: 0, padded: true))
        }
    }

    static let months: [[UInt8]] = ["january", "february", "march", "april", "may", "june", "july", "august",
                                    "september", "october", "november", "december"].map { Array($0.utf8) }

    /// The month named at `i` (its full name, `sept`, or its first three letters), and where
    /// the name ends.
    static func monthName(_ h: UnsafeBufferPointer<UInt8>, _ i: Int) -> (Int, Int)? {
        let n = h.count
        guard i + 3 <= n else { return nil }
        guard isMonthInitial(h[i]) else { return nil }
        for (index, name) in months.enumerated() where h[i] == name[0] && h[i + 1] == name[1] && h[i + 2] == name[2] {
            var longest = 3
            if i + name.count <= n && (3..<name.count).allSatisfy({ h[i + $0] == name[$0] }) {
                longest = name.count
            } else if index == 8 && i + 4 <= n && h[i + 3] == 0x74 {
                longest = 4   // "sept"
            }
            // The name must end there: "nov" in "novel" is no month.
            let end = i + longest
            if end < n && h[end] &- 0x61 < 26 { return nil }
            return (index + 1, end)
        }
        return nil
    }

    // MARK: helpers

    @inline(__always) static func isNumericSeparator(_ b: UInt8) -> Bool { b == 0x2D || b == 0x2F || b == 0x2E }

    /// A field of 1 or 2 digits at `i` followed by anything: (value, length, index after it).
    static func field(_ h: UnsafeBufferPointer<UInt8>, _ i: Int) -> (Int, Int, Int)? {
        let r = digitRun(h, i)
        guard r == 1 || r == 2 else { return nil }
        return (number(h, i, r), r, i + r)
    }

    @inline(__always) static func digitRun(_ h: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        var j = i
        while j < h.count && TextFold.isDigit(h[j]) { j += 1 }
        return j - i
    }

    @inline(__always) static func skipSpaces(_ h: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        var j = i
        while j < h.count && h[j] == 0x20 { j += 1 }
        return j
    }

    @inline(__always) static func number(_ h: UnsafeBufferPointer<UInt8>, _ i: Int, _ count: Int) -> Int {
        var v = 0
        for k in i..<(i + count) { v = v * 10 + Int(h[k] &- 0x30) }
        return v
    }

    /// A real calendar date. A 2-digit year is valid if it is in 19yy or 20yy.
    static func isValid(_ y: Int, _ m: Int, _ d: Int, twoDigit: Bool = false) -> Bool {
        guard (1...12).contains(m), d >= 1 else { return false }
        if twoDigit { return d <= max(daysIn(m, 1900 + y), daysIn(m, 2000 + y)) }
        return d <= daysIn(m, y)
    }

    static func daysIn(_ m: Int, _ y: Int) -> Int {
        switch m {
        case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// The patterns the cleaner removes from kept free text whatever the original held (matching
/// spec 4), besides dates (DateScanner): runs of 5 digits or more, telephone-like runs,
/// e-mail addresses and URLs. All work on folded text and report `found(lo, hi, kind)`.
enum TextPatterns {
    /// Runs of 5 digits or more that are not part of a decimal or a version: not beside a `.`
    /// that joins them to another digit (`2.5.10234` keeps its digits; `ID 12345.` loses them).
    static func digitRuns(_ h: UnsafeBufferPointer<UInt8>, _ found: (Int, Int, IdentifyingKind) -> Void) {
        let n = h.count
        var i = 0
        while i < n {
            guard TextFold.isDigit(h[i]) else { i += 1; continue }
            var j = i
            while j < n && TextFold.isDigit(h[j]) { j += 1 }
            if j - i >= 5 {
                let joinedBefore = i >= 2 && h[i - 1] == 0x2E && TextFold.isDigit(h[i - 2])
                let joinedAfter = j + 1 < n && h[j] == 0x2E && TextFold.isDigit(h[j + 1])
                if !joinedBefore && !joinedAfter { found(i, j, .patternDigits) }
            }
            i = j
        }
    }

    /// Telephone-like runs: 7 to 15 digits in 2 groups or more, the groups joined by one or
    /// two separators of the digit view (`(650) 555-0142`, `+1 650 555 0142`, `0650/555 01 42`).
    /// A `.` joins groups only in a run joined by dots alone, of 3 groups or more of 2 to 4
    /// digits (`650.555.0142`): elsewhere it is a decimal point (`12.50 13.75`) or a version
    /// (`2.5.10234`), and ends the run. A leading `+` or `(` and a closing `)` go with the
    /// number. Bytes inside `taken` (dates already found) end a run.
    static func phones(_ h: UnsafeBufferPointer<UInt8>, taken: [Range<Int>], _ found: (Int, Int, IdentifyingKind) -> Void) {
        let n = h.count
        var mask: [Bool] = []
        if !taken.isEmpty {
            mask = [Bool](repeating: false, count: n)
            for r in taken { for i in r where i < n { mask[i] = true } }
        }
        func isTaken(_ i: Int) -> Bool { !mask.isEmpty && mask[i] }
        func isJoin(_ b: UInt8, dots: Bool) -> Bool {
            dots ? b == 0x2E : (b != 0x2E && DigitView.isSeparator(b))
        }
        for dots in [false, true] {
            var i = 0
            while i < n {
                guard TextFold.isDigit(h[i]), !isTaken(i), i == 0 || !TextFold.isDigit(h[i - 1]) else { i += 1; continue }
                // Groups of digits joined by 1 or 2 separators of the kind this pass allows.
                var groups: [Int] = []
                var j = i
                var end = i
                while j < n {
                    var k = j
                    while k < n && TextFold.isDigit(h[k]) && !isTaken(k) { k += 1 }
                    guard k > j else { break }
                    groups.append(k - j)
                    end = k
                    var s = k
                    while s < n && s - k < 2 && isJoin(h[s], dots: dots) { s += 1 }
                    guard s > k, s < n, TextFold.isDigit(h[s]), !isTaken(s) else { break }
                    j = s
                }
                let digits = groups.reduce(0, +)
                var isPhone = groups.count >= 2 && (7...15).contains(digits)
                if dots { isPhone = isPhone && groups.count >= 3 && groups.allSatisfy { (2...4).contains($0) } }
                // A run that continues with a dot and a digit is a decimal, not a phone.
                if end + 1 < n && h[end] == 0x2E && TextFold.isDigit(h[end + 1]) { isPhone = false }
                if !dots && i >= 2 && h[i - 1] == 0x2E && TextFold.isDigit(h[i - 2]) { isPhone = false }
                if isPhone {
                    var lo = i, hi = end
                    while lo > 0 && (h[lo - 1] == 0x2B || h[lo - 1] == 0x28) { lo -= 1 }
                    if hi < n && h[hi] == 0x29 { hi += 1 }
                    found(lo, hi, .patternPhone)
                }
                i = max(end, i + 1)
            }
        }
    }

    /// E-mail addresses: a local part, `@`, and a domain with a dot in it.
    static func emails(_ h: UnsafeBufferPointer<UInt8>, _ found: (Int, Int, IdentifyingKind) -> Void) {
        let n = h.count
        for at in 0..<n where h[at] == 0x40 {
            var lo = at
            while lo > 0 && isLocalPartByte(h[lo - 1]) { lo -= 1 }
            var hi = at + 1
            var dot = false
            while hi < n && isDomainByte(h[hi]) {
                if h[hi] == 0x2E && hi + 1 < n && isDomainByte(h[hi + 1]) && h[hi + 1] != 0x2E { dot = true }
                hi += 1
            }
            while hi > at + 1 && (h[hi - 1] == 0x2E || h[hi - 1] == 0x2D) { hi -= 1 }
            if lo < at && dot && hi > at + 1 { found(lo, hi, .patternEmail) }
        }
    }

    static func isLocalPartByte(_ b: UInt8) -> Bool {
        b >= 0x80 || TextFold.isASCIIWordByte(b) || b == 0x2E || b == 0x5F || b == 0x25 || b == 0x2B || b == 0x2D
    }

    static func isDomainByte(_ b: UInt8) -> Bool {
        b >= 0x80 || TextFold.isASCIIWordByte(b) || b == 0x2E || b == 0x2D
    }

    /// URLs: `scheme://…`, `www.…`, and the `tel:`, `mailto:`, `sip:` and `fax:` URIs, each up
    /// to the next space (closing punctuation left out).
    static func urls(_ h: UnsafeBufferPointer<UInt8>, _ found: (Int, Int, IdentifyingKind) -> Void) {
        let n = h.count
        var i = 0
        while i < n {
            var start = -1
            if h[i] == 0x3A {
                // The scheme before the colon: letters, digits, + - . starting with a letter.
                var s = i
                while s > 0 && (TextFold.isASCIIWordByte(h[s - 1]) || h[s - 1] == 0x2B || h[s - 1] == 0x2D || h[s - 1] == 0x2E) { s -= 1 }
                while s < i && !(h[s] &- 0x61 < 26) { s += 1 }
                if s < i && (s == 0 || !(h[s - 1] >= 0x80 || TextFold.isASCIIWordByte(h[s - 1]))) {
                    let scheme = Array(h[s..<i])
                    if i + 2 < n && h[i + 1] == 0x2F && h[i + 2] == 0x2F && i + 3 < n && !isURLEnd(h[i + 3]) {
                        start = s
                    } else if URLSchemes.opaque.contains(scheme) && i + 1 < n && !isURLEnd(h[i + 1]) {
                        start = s
                    }
                }
            } else if h[i] == 0x77 && i + 4 < n && h[i + 1] == 0x77 && h[i + 2] == 0x77 && h[i + 3] == 0x2E
                        && (i == 0 || !(h[i - 1] >= 0x80 || TextFold.isASCIIWordByte(h[i - 1]) || h[i - 1] == 0x2E))
                        && !isURLEnd(h[i + 4]) {
                start = i
            }
            guard start >= 0 else { i += 1; continue }
            var hi = i
            while hi < n && !isURLEnd(h[hi]) { hi += 1 }
            while hi > i && isClosingPunctuation(h[hi - 1]) { hi -= 1 }
            found(start, hi, .patternURL)
            i = max(hi, i + 1)
        }
    }

    enum URLSchemes {
        static let opaque: Set<[UInt8]> = Set(["tel", "mailto", "sip", "fax"].map { Array($0.utf8) })
    }

    @inline(__always) static func isURLEnd(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x22 || b == 0x3C || b == 0x3E || b == 0x5C
    }

    @inline(__always) static func isClosingPunctuation(_ b: UInt8) -> Bool {
        b == 0x2E || b == 0x2C || b == 0x3B || b == 0x3A || b == 0x29 || b == 0x5D || b == 0x27 || b == 0x21 || b == 0x3F
    }
}

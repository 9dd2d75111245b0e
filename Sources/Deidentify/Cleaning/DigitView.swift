/// The digit view of folded text (matching spec 2.3): its digits, with the separators between
/// them (space, tab, `-` `.` `/` `(` `)` `+`) skipped, so that `650.555.0142`,
/// `(650) 555 0142` and `441 0527` read as runs of digits. Anything else between two digits
/// (a letter, a comma) starts a new segment.
///
/// A digit form matched here must not continue a longer number: the digit before its first
/// (or after its last) blocks the match when it touches it in the text, or is joined to it by
/// a single `.` (a decimal or a version, `2.5.10234`). A digit across a space or a dash does
/// not block (`+1 650 555 0142` holds `6505550142`). That reads the spec's "single
/// separators" generously: whatever a stricter reading finds, this finds too.
struct DigitView {
    /// Per digit of the view: the digit, where it is in the folded text, and its segment.
    var digits: [UInt8] = []
    var positions: [Int32] = []
    var segments: [Int32] = []

    init(_ h: UnsafeBufferPointer<UInt8>) {
        var segment: Int32 = 0
        var lastDigit = -1
        for i in 0..<h.count {
            let b = h[i]
            if TextFold.isDigit(b) {
                digits.append(b)
                positions.append(Int32(i))
                segments.append(segment)
                lastDigit = i
            } else if !DigitView.isSeparator(b) && !DigitView.isThousandsComma(h, i) && lastDigit >= 0 {
                segment += 1
                lastDigit = -1
            }
        }
    }

    @inline(__always) static func isSeparator(_ b: UInt8) -> Bool {
        switch b {
        case 0x20, 0x09, 0x2D, 0x2E, 0x2F, 0x28, 0x29, 0x2B: return true
        default: return false
        }
    }

    /// A `,` between a digit and a group of exactly three digits (`4,732,199`): a thousands
    /// separator, skipped like the others.
    static func isThousandsComma(_ h: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        guard h[i] == 0x2C, i > 0, i + 3 < h.count, TextFold.isDigit(h[i - 1]) else { return false }
        for k in 1...3 where !TextFold.isDigit(h[i + k]) { return false }
        return i + 4 >= h.count || !TextFold.isDigit(h[i + 4])
    }

    /// Whether the digit at view index `j` continues the number of the view digit `k` next to
    /// it (touching it in the text, or joined by one `.`).
    func continues(_ h: UnsafeBufferPointer<UInt8>, _ j: Int, _ k: Int) -> Bool {
        guard segments[j] == segments[k] else { return false }
        let a = Int(min(positions[j], positions[k])), b = Int(max(positions[j], positions[k]))
        return b - a == 1 || (b - a == 2 && h[a + 1] == 0x2E)
    }

    /// Calls `found(lo, hi)` for each place the digits of `needle` occur in one segment without
    /// continuing a longer number: the folded text from the first digit to the last, with a
    /// `+` or `(` just before and a `)` just after (`+1 (650) 555-0142` leaves nothing).
    /// `prefix`: the needle may be followed by more digits (a birth date's YYYYMMDD).
    /// `component`: an identifier's digits are found as a whole run of digits even when a `.`
    /// joins it to more digits (`1.4410527`, a version or a decimal holding the MRN).
    func matches(_ needle: [UInt8], in h: UnsafeBufferPointer<UInt8>, prefix: Bool = false, component: Bool = false,
                 _ found: (Int, Int) -> Void) {
        let n = needle.count
        guard n > 0, digits.count >= n else { return }
        let first = needle[0]
        for a in 0...(digits.count - n) where digits[a] == first {
            var k = 1
            while k < n && digits[a + k] == needle[k] { k += 1 }
            guard k == n, segments[a] == segments[a + n - 1] else { continue }
            let whole = component && Int(positions[a + n - 1]) - Int(positions[a]) == n - 1
            if a > 0 && continues(h, a - 1, a) && !(whole && positions[a] - positions[a - 1] == 2) { continue }
            if !prefix && a + n < digits.count && continues(h, a + n - 1, a + n)
                && !(whole && positions[a + n] - positions[a + n - 1] == 2) { continue }
            var lo = Int(positions[a]), hi = Int(positions[a + n - 1]) + 1
            while lo > 0 && (h[lo - 1] == 0x2B || h[lo - 1] == 0x28) { lo -= 1 }
            if hi < h.count && h[hi] == 0x29 { hi += 1 }
            found(lo, hi)
        }
    }
}

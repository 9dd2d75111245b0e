/// The digit view of a text value (matching spec 2.3): its digits, with the separators a number
/// is written with skipped where they stand between two digits, so `650.555.0142`,
/// `(650) 555 0142` and `441 0527` each read as one number. A digit form matches a whole number
/// of the view only (no digit may stand right before or after it).
///
/// "Single separators" is read as: at most two separator characters in a row, so that ") "
/// in `(650) 555` joins, and a wider gap (a column of a table) does not.
enum GateDigitView {
    static func isSeparator(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x2D || b == 0x2E || b == 0x2F || b == 0x28 || b == 0x29 || b == 0x2B
    }

    /// Calls `body` with each number of the view (ASCII digits of folded UTF-8) and the byte
    /// range it spans; stops when `body` answers true, and answers that. Only numbers whose
    /// length is in `lengths` (a bit per length, 0 to 63) are handed out: most numbers of a
    /// header are too short to be any needle, and cost no string then.
    @discardableResult
    static func numbers(in b: UnsafeBufferPointer<UInt8>, from lo: Int, to hi: Int, lengths: UInt64 = ~0,
                        _ body: (String, Range<Int>) -> Bool) -> Bool {
        var digits: [UInt8] = []
        var start = -1, lastDigit = -1
        var i = lo
        func flush() -> Bool {
            defer { digits.removeAll(keepingCapacity: true); start = -1 }
            guard !digits.isEmpty, digits.count < 64, lengths & (1 << UInt64(digits.count)) != 0 else { return false }
            return body(String(decoding: digits, as: UTF8.self), start..<(lastDigit + 1))
        }
        while i < hi {
            let c = b[i]
            if c >= 0x30 && c <= 0x39 {
                if start < 0 { start = i }
                digits.append(c)
                lastDigit = i
                i += 1
                continue
            }
            // A thousands comma: a digit before, exactly three digits after (`4,732,199`).
            if !digits.isEmpty && c == 0x2C && i + 3 < hi && (1...3).allSatisfy({ b[i + $0] >= 0x30 && b[i + $0] <= 0x39 })
                && (i + 4 >= hi || !(b[i + 4] >= 0x30 && b[i + 4] <= 0x39)) && lastDigit == i - 1 {
                i += 1
                continue
            }
            if !digits.isEmpty && isSeparator(c) {
                // Up to two separators, then a digit: the number goes on.
                var j = i
                while j < hi && j - i < 2 && isSeparator(b[j]) { j += 1 }
                if j < hi && b[j] >= 0x30 && b[j] <= 0x39 {
                    i = j
                    continue
                }
            }
            if flush() { return true }
            i += 1
        }
        return flush()
    }

    /// Calls `body` with each run of touching digits that a `.` joins to another digit on
    /// either side (`1.4410527`: a version or a decimal), and its range; only lengths in
    /// `lengths`. Stops when `body` answers true.
    @discardableResult
    static func dottedRuns(in b: UnsafeBufferPointer<UInt8>, from lo: Int, to hi: Int, lengths: UInt64,
                           _ body: (String, Range<Int>) -> Bool) -> Bool {
        func digit(_ i: Int) -> Bool { i >= lo && i < hi && b[i] >= 0x30 && b[i] <= 0x39 }
        var i = lo
        while i < hi {
            guard digit(i) else { i += 1; continue }
            var j = i
            while j < hi && digit(j) { j += 1 }
            let dotted = (i - 2 >= lo && b[i - 1] == 0x2E && digit(i - 2)) || (j + 1 < hi && b[j] == 0x2E && digit(j + 1))
            if dotted, j - i < 64, lengths & (1 << UInt64(j - i)) != 0,
               body(String(decoding: UnsafeBufferPointer(rebasing: b[i..<j]), as: UTF8.self), i..<j) { return true }
            i = j
        }
        return false
    }
}

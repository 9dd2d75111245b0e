/// A kept TM or DT written canonically (PS3.5 6.2), so that no identifier rides where a time
/// goes: a fraction of a second whose digits hold an identifying value's digit form (an
/// identifier's digits, the birth date's YYYYMMDD) is dropped with its `.`, a longer fraction
/// is cut to 6 digits; a DT's UTC offset that is not `&ZZXX` (a sign and 4 digits) is dropped;
/// and a value that is no time at all (`4702300` as a TM), or whose digits after the time hold a
/// digit form (a range's end `093015-4732199`, `093512. 4732199`), is emptied when they hold
/// one. Spaces around the value go. Anything else is kept as it was.
enum TimeFraction {
    /// `value` rewritten, or nil when it is already canonical.
    static func canonical(_ value: String, isDateTime: Bool = false,
                          holdsIdentifyingDigits: (ArraySlice<UInt8>) -> Bool) -> String? {
        var u = Array(value.utf8)
        var changed = false
        // Spaces around the value are padding.
        while u.first == 0x20 { u.removeFirst(); changed = true }
        while u.last == 0x20 { u.removeLast() }
        // A DT's offset: `+` or `-` and exactly 4 digits, or it goes.
        if isDateTime, let sign = u.lastIndex(where: { $0 == 0x2B || $0 == 0x2D }), sign > 0 {
            let offset = u[(sign + 1)...]
            if !(offset.count == 4 && offset.allSatisfy(TextFold.isDigit)) {
                u.removeSubrange(sign...)
                changed = true
            }
        }
        let main = u.prefix { $0 != 0x2E && $0 != 0x2B && $0 != 0x2D }
        if !isValid(main, isDateTime: isDateTime) {
            let digits = u.filter(TextFold.isDigit)
            if holdsIdentifyingDigits(digits[...]) { return "" }
        }
        if let dot = u.firstIndex(of: 0x2E) {
            var end = dot + 1
            while end < u.count && TextFold.isDigit(u[end]) { end += 1 }
            let digits = u[(dot + 1)..<end]
            if !digits.isEmpty && holdsIdentifyingDigits(digits) {
                u.removeSubrange(dot..<end)
                changed = true
            } else if digits.count > 6 {
                u.removeSubrange((dot + 7)..<end)
                changed = true
            }
        }
        // What follows the time and its fraction (a range's end, digits after a space): a run
        // of digits there that holds a digit form empties the value.
        let rest = u.dropFirst(main.count)
        for run in rest.split(whereSeparator: { !TextFold.isDigit($0) }) where holdsIdentifyingDigits(run) { return "" }
        return changed ? String(decoding: u, as: UTF8.self) : nil
    }

    /// Whether the part before any fraction or offset reads as a time (HH, HHMM, HHMMSS, or
    /// the ACR-NEMA `HH:MM:SS`) or a date-time (YYYY to YYYYMMDDHHMMSS).
    static func isValid(_ main: ArraySlice<UInt8>, isDateTime: Bool) -> Bool {
        func number(_ a: Int, _ n: Int) -> Int {
            main.dropFirst(a).prefix(n).reduce(0) { $0 * 10 + Int($1 - 0x30) }
        }
        if isDateTime {
            guard main.allSatisfy(TextFold.isDigit), [4, 6, 8, 10, 12, 14].contains(main.count) else { return false }
            if main.count >= 6 && !(1...12).contains(number(4, 2)) { return false }
            if main.count >= 8 && !(1...31).contains(number(6, 2)) { return false }
            if main.count >= 10 && number(8, 2) > 23 { return false }
            return true
        }
        let digits = main.filter { $0 != 0x3A }
        guard digits.allSatisfy(TextFold.isDigit), [2, 4, 6].contains(digits.count) else { return false }
        let d = digits[...]
        func part(_ a: Int) -> Int { d.dropFirst(a).prefix(2).reduce(0) { $0 * 10 + Int($1 - 0x30) } }
        return part(0) <= 23 && (d.count < 4 || part(2) <= 59) && (d.count < 6 || part(4) <= 60)
    }
}

extension TextCleaner {
    /// Whether `digits` hold the digits of a digit form (spec 2.3) anywhere.
    func holdsIdentifyingDigits(_ digits: ArraySlice<UInt8>) -> Bool {
        guard digits.count >= 5 else { return false }
        let d = Array(digits)
        for n in tables.digitForms where n.bytes.count <= d.count {
            let m = n.bytes.count
            for start in 0...(d.count - m) where d[start] == n.bytes[0] && d[start..<(start + m)].elementsEqual(n.bytes) {
                return true
            }
        }
        return false
    }

    /// TM and DT values with their fractions written canonically (TimeFraction), or nil.
    public func canonicalTimes(_ values: [String], isDateTime: Bool = false) -> [String]? {
        var changed = false
        let out = values.map { v -> String in
            guard let c = TimeFraction.canonical(v, isDateTime: isDateTime, holdsIdentifyingDigits: holdsIdentifyingDigits) else { return v }
            changed = true
            return c
        }
        return changed ? out : nil
    }
}

/// The fraction of a second in a kept TM or DT, written canonically (PS3.5 6.2: at most 6
/// digits after the `.`): a fraction whose digits hold an identifying value's digit form (an
/// identifier's digits, the birth date's YYYYMMDD) is dropped with its `.`; a longer fraction
/// is cut to 6 digits. The rest of the value (a DT's offset) is kept as it was.
enum TimeFraction {
    /// `value` rewritten, or nil when it is already canonical.
    static func canonical(_ value: String, holdsIdentifyingDigits: (ArraySlice<UInt8>) -> Bool) -> String? {
        let u = Array(value.utf8)
        guard let dot = u.firstIndex(of: 0x2E) else { return nil }
        var end = dot + 1
        while end < u.count && TextFold.isDigit(u[end]) { end += 1 }
        let digits = u[(dot + 1)..<end]
        if !digits.isEmpty && holdsIdentifyingDigits(digits) {
            return String(decoding: u[..<dot] + u[end...], as: UTF8.self)
        }
        guard digits.count > 6 else { return nil }
        return String(decoding: u[..<(dot + 7)] + u[end...], as: UTF8.self)
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
    public func canonicalTimes(_ values: [String]) -> [String]? {
        var changed = false
        let out = values.map { v -> String in
            guard let c = TimeFraction.canonical(v, holdsIdentifyingDigits: holdsIdentifyingDigits) else { return v }
            changed = true
            return c
        }
        return changed ? out : nil
    }
}

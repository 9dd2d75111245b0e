/// The forms of an identifying value (matching spec 1.1, 1.2, 1.4, 1.5), from its folded text
/// as UTF-8 bytes. Separators (`=`, `^`, spaces, punctuation) are ASCII, which never occurs
/// inside a multi-byte character, so splitting bytes is splitting characters; letters and
/// digits beyond ASCII are told by their scalar's properties. Each function returns the forms
/// to look for; the caller makes needles of them (which drops anything shorter than 2
/// characters).
enum NeedleForms {
    typealias Bytes = [UInt8]

    // MARK: 1.1 names

    static func name(_ v: Bytes) -> [Bytes] {
        var out = [v]
        for group in split(v, 0x3D) {   // "="
            let g = trimmed(group)
            out.append(g)
            out.append(trimmedEnd(g, 0x5E))   // without the "^" of empty trailing components
            if g.contains(0x5E) {
                // Every component: a bad mapping moves names into the prefix or suffix. Their
                // titles (`dr`, `mrs`, `jr`) are no needles (Stoplists.titles).
                let components = split(g, 0x5E, keepEmpty: true).prefix(5).enumerated().map { k, c in
                    k < 3 ? trimmed(c) : Stoplists.withoutTitles(trimmed(c))
                }
                for c in components {
                    out.append(c)
                    let w = words(c)
                    if w.count > 1 || w.first != c {   // a component of one word is its word
                        out += w
                        out.append(compact(c))
                    }
                }
                let family = compact(components[0])
                let given = components.count > 1 ? compact(components[1]) : []
                if !family.isEmpty && !given.isEmpty {
                    out.append(family + given)
                    out.append(given + family)
                    // With one space between, where a part has one character (a CJK name such as
                    // "李 娜", whose parts are too short to be needles on their own).
                    if length(family) == 1 || length(given) == 1 {
                        out.append(family + [0x20] + given)
                        out.append(given + [0x20] + family)
                    }
                }
            } else {
                // A name sent without components ("Homer J Simpson" as LO): its words, and
                // the words run together.
                let w = words(g)
                out += w
                if w.count >= 2 {
                    out.append(Array(w.joined()))
                    out.append(w[w.count - 1] + w[0])
                }
            }
        }
        // A form without a letter (`22` of `DOB 1979-07-22` in a name attribute) names no one:
        // digits are identifiers' business, where they have lengths that make them needles.
        return out.filter(hasLetter)
    }

    /// Whether the form holds a letter (bytes beyond ASCII: a letter of another script, or a
    /// mark on one; a digit or sign beyond ASCII is rare enough in a name to count too).
    static func hasLetter(_ v: Bytes) -> Bool {
        v.contains { $0 >= 0x80 || ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }
    }

    // MARK: 1.2 identifiers

    static func identifier(_ v: Bytes) -> [Bytes] {
        func long(_ s: Bytes) -> Bool { isDigits(s) ? s.count >= 6 : length(s) >= 3 }
        var out: [Bytes] = []
        if long(v) { out.append(v) }
        let stripped = v.filter { !isIdentifierSeparator($0) }
        if stripped.count != v.count && long(stripped) { out.append(stripped) }
        // Digit runs of the value and of the value without separators (`MRN_47_35292` is
        // `4735292`), as the gate takes them.
        out += digitRuns(v).filter { $0.count >= 6 }
        if stripped.count != v.count { out += digitRuns(stripped).filter { $0.count >= 6 } }
        // And the digits of a number written with separators (`441-0527`), as the digit view
        // reads them: found however the number is written again.
        if hasSeparatedDigits(v) { out += viewNumbers(v).filter { $0.count >= 6 } }
        return out
    }

    /// Whether a separator of the digit view stands between two digits (else the view's
    /// numbers are the digit runs).
    static func hasSeparatedDigits(_ v: Bytes) -> Bool {
        var i = 1
        while i + 1 < v.count {
            if DigitView.isSeparator(v[i]) && TextFold.isDigit(v[i - 1]) {
                var j = i
                while j < v.count && DigitView.isSeparator(v[j]) { j += 1 }
                if j < v.count && TextFold.isDigit(v[j]) { return true }
            }
            i += 1
        }
        return false
    }

    /// space - _ . / : #
    @inline(__always) static func isIdentifierSeparator(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x2D || b == 0x5F || b == 0x2E || b == 0x2F || b == 0x3A || b == 0x23
    }

    /// The numbers of the digit view of `v`: the digits of each segment.
    static func viewNumbers(_ v: Bytes) -> [Bytes] {
        v.withUnsafeBufferPointer { h in
            let view = DigitView(h)
            var numbers: [Bytes] = []
            var current: Int32 = -1
            for (i, d) in view.digits.enumerated() {
                if view.segments[i] != current { numbers.append([]); current = view.segments[i] }
                numbers[numbers.count - 1].append(d)
            }
            return numbers
        }
    }

    // MARK: 1.4 contacts

    static func contact(_ v: Bytes) -> [Bytes] {
        var out: [Bytes] = []
        if length(v) >= 3 { out.append(v) }
        // URIs and e-mail addresses, whole; an e-mail's local part. The rest is an address or
        // a telephone number.
        var rest: Bytes = []
        for token in v.split(whereSeparator: isTokenSeparator) {
            let t = trimmed(Array(token), extra: [0x28, 0x29, 0x5B, 0x5D, 0x27, 0x2E])
            let isURI = uriSchemes.contains { t.starts(with: $0) }
            let address = t.starts(with: mailto) ? Array(t.dropFirst(mailto.count)) : t
            let at = address.firstIndex(of: 0x40)
            if isURI { out.append(t) }
            if let at, at > 0 {
                out.append(address)
                let local = Array(address[..<at])
                if length(local) >= 4 { out.append(local) }
            }
            if isURI && !t.starts(with: tel) || at != nil { continue }
            if !rest.isEmpty { rest.append(0x20) }
            rest += token
        }
        // Addresses: words that are not generic, postal codes.
        for w in letterRuns(rest) where length(w) >= 4 && !Stoplists.address.contains(String(decoding: w, as: UTF8.self)) {
            out.append(w)
        }
        out += digitRuns(rest).filter { $0.count >= 5 }
        // Telephone numbers: the digits of each number (a run of the digit view), and of the
        // whole value when it holds nothing but numbers.
        var numbers = viewNumbers(rest)
        if letterRuns(rest).isEmpty || rest.starts(with: tel) { numbers.append(rest.filter(TextFold.isDigit)) }
        var seen = Set<String>()
        for digits in numbers where digits.count >= 7 && seen.insert(String(decoding: digits, as: UTF8.self)).inserted {
            out.append(digits)
            if digits.count > 7 { out.append(Array(digits.suffix(7))) }
            if digits.count > 10 { out.append(Array(digits.suffix(10))) }
        }
        return out
    }

    static let tel = Array("tel:".utf8), mailto = Array("mailto:".utf8)
    static let uriSchemes: [Bytes] = ["tel:", "mailto:", "sip:", "fax:", "http:", "https:"].map { Array($0.utf8) }

    /// Between the tokens of a telecom value: white space , ; \ < > "
    static func isTokenSeparator(_ b: UInt8) -> Bool {
        switch b {
        case 0x20, 0x09, 0x0A, 0x0D, 0x2C, 0x3B, 0x5C, 0x3C, 0x3E, 0x22: return true
        default: return false
        }
    }

    // MARK: 1.5 places

    static func place(_ v: Bytes) -> [Bytes] {
        var out: [Bytes] = []
        let words = letterRuns(v)
        // A value of generic words only (a department "Radiology") names no one: no needle.
        let generic = !words.isEmpty && words.allSatisfy { Stoplists.institution.contains(String(decoding: $0, as: UTF8.self)) }
        if length(v) >= 6 && !generic { out.append(v) }
        for w in words where length(w) >= 6 && !Stoplists.institution.contains(String(decoding: w, as: UTF8.self)) {
            out.append(w)
        }
        return out
    }

    static func device(_ v: Bytes) -> [Bytes] {
        length(v) >= 6 ? [v] : []
    }

    // MARK: pieces of folded text

    /// Length in characters (Unicode scalars: the bytes that start one).
    @inline(__always) static func length(_ s: Bytes) -> Int {
        var n = 0
        for b in s where b & 0xC0 != 0x80 { n += 1 }
        return n
    }

    /// Maximal runs of letters and digits.
    static func words(_ s: Bytes) -> [Bytes] { runs(s, ascii: TextFold.isASCIIWordByte, other: TextFold.isWordScalar) }

    /// Maximal runs of letters.
    static func letterRuns(_ s: Bytes) -> [Bytes] {
        runs(s, ascii: { ($0 | 0x20) &- 0x61 < 26 }, other: TextFold.isLetterScalar)
    }

    static func digitRuns(_ s: Bytes) -> [Bytes] { s.split(whereSeparator: { !TextFold.isDigit($0) }).map(Array.init) }

    /// The letters and digits alone (`o'brien` → `obrien`, `van der berg` → `vanderberg`).
    static func compact(_ s: Bytes) -> Bytes {
        if !s.contains(where: { $0 >= 0x80 }) {
            return s.allSatisfy(TextFold.isASCIIWordByte) ? s : s.filter(TextFold.isASCIIWordByte)
        }
        return Array(words(s).joined())
    }

    /// Maximal runs of the characters `ascii` (for ASCII bytes) or `other` (for the scalars
    /// of the rest) accepts.
    static func runs(_ s: Bytes, ascii: (UInt8) -> Bool, other: (Unicode.Scalar) -> Bool) -> [Bytes] {
        if !s.contains(where: { $0 >= 0x80 }) {
            return s.split(whereSeparator: { !ascii($0) }).map(Array.init)
        }
        var out: [Bytes] = []
        s.withUnsafeBufferPointer { u in
            var start = -1
            var i = 0
            while i < u.count {
                let (scalar, n) = TextFold.decode(u, i)
                let inRun = scalar.value < 0x80 ? ascii(UInt8(scalar.value)) : other(scalar)
                if inRun && start < 0 { start = i }
                if !inRun && start >= 0 { out.append(Array(u[start..<i])); start = -1 }
                i += n
            }
            if start >= 0 { out.append(Array(u[start..<u.count])) }
        }
        return out
    }

    static func isDigits(_ s: Bytes) -> Bool { !s.isEmpty && s.allSatisfy(TextFold.isDigit) }

    static func split(_ s: Bytes, _ separator: UInt8, keepEmpty: Bool = false) -> [Bytes] {
        s.split(separator: separator, omittingEmptySubsequences: !keepEmpty).map(Array.init)
    }

    static func trimmedEnd(_ s: Bytes, _ b: UInt8) -> Bytes {
        guard s.last == b else { return s }
        var u = s
        while u.last == b { u.removeLast() }
        return u
    }

    /// Without leading and trailing spaces (and the `extra` bytes).
    static func trimmed(_ s: Bytes, extra: Set<UInt8> = []) -> Bytes {
        guard let first = s.first, let last = s.last else { return s }
        func trims(_ b: UInt8) -> Bool { b == 0x20 || (!extra.isEmpty && extra.contains(b)) }
        if !trims(first) && !trims(last) { return s }
        var lo = 0, hi = s.count
        while lo < hi && trims(s[lo]) { lo += 1 }
        while hi > lo && trims(s[hi - 1]) { hi -= 1 }
        return Array(s[lo..<hi])
    }

    /// A value's text without leading and trailing spaces.
    static func trimmed(_ s: String) -> String {
        guard let first = s.utf8.first, let last = s.utf8.last, first == 0x20 || last == 0x20 else { return s }
        return String(decoding: trimmed(Array(s.utf8)), as: UTF8.self)
    }
}

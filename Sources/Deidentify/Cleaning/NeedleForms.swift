/// The forms of an identifying value (matching spec 1.1, 1.2, 1.4, 1.5), from its folded text.
/// Each function returns the folded strings to look for; the caller makes needles of them
/// (which drops anything shorter than 2 characters).
enum NeedleForms {
    // MARK: 1.1 names

    static func name(_ v: String) -> [String] {
        var out = [v]
        for group in split(v, 0x3D) {   // "="
            let g = trimmed(group)
            out.append(g)
            out.append(trimmedEnd(g, 0x5E))   // without the "^" of empty trailing components
            if g.utf8.contains(0x5E) {
                // Family, given, middle; prefix and suffix are titles.
                let components = split(g, 0x5E, keepEmpty: true).prefix(3).map { trimmed($0) }
                for c in components {
                    out.append(c)
                    out += words(c)
                    out.append(compact(c))
                }
                let family = compact(components[0])
                let given = components.count > 1 ? compact(components[1]) : ""
                if !family.isEmpty && !given.isEmpty {
                    out.append(family + given)
                    out.append(given + family)
                }
            } else {
                // A name sent without components ("Homer J Simpson" as LO): its words, and
                // the words run together.
                let w = words(g)
                out += w
                if w.count >= 2 {
                    out.append(w.joined())
                    out.append(w[w.count - 1] + w[0])
                }
            }
        }
        return out.filter { $0.unicodeScalars.count >= 2 }
    }

    // MARK: 1.2 identifiers

    static func identifier(_ v: String) -> [String] {
        func long(_ s: String) -> Bool { isDigits(s) ? s.utf8.count >= 6 : s.unicodeScalars.count >= 3 }
        var out: [String] = []
        if long(v) { out.append(v) }
        let stripped = String(decoding: v.utf8.filter { !identifierSeparators.contains($0) }, as: UTF8.self)
        if stripped != v && long(stripped) { out.append(stripped) }
        out += digitRuns(v).filter { $0.utf8.count >= 6 }
        // And the digits of a number written with separators (`441-0527`), as the digit view
        // reads them: found however the number is written again.
        out += viewNumbers(v).filter { $0.utf8.count >= 6 }
        return out
    }

    /// The numbers of the digit view of `v`: the digits of each segment.
    static func viewNumbers(_ v: String) -> [String] {
        var numbers: [String] = []
        v.utf8.withContiguousStorageIfAvailable { h in
            let view = DigitView(h)
            var current: Int32 = -1
            for (i, d) in view.digits.enumerated() {
                if view.segments[i] != current { numbers.append(""); current = view.segments[i] }
                numbers[numbers.count - 1].unicodeScalars.append(Unicode.Scalar(d))
            }
        }
        return numbers
    }

    /// space - _ . / : #
    static let identifierSeparators: Set<UInt8> = [0x20, 0x2D, 0x5F, 0x2E, 0x2F, 0x3A, 0x23]

    // MARK: 1.4 contacts

    static func contact(_ v: String) -> [String] {
        var out: [String] = []
        if v.unicodeScalars.count >= 3 { out.append(v) }
        // URIs and e-mail addresses, whole; an e-mail's local part. The rest is an address or
        // a telephone number.
        var rest: [String] = []
        for token in split(v, separatedBy: [0x20, 0x09, 0x0A, 0x0D, 0x2C, 0x3B, 0x5C, 0x3C, 0x3E, 0x22]) {
            let t = trimmed(token, extra: [0x28, 0x29, 0x5B, 0x5D, 0x27, 0x2E])
            let isURI = uriSchemes.contains { t.hasPrefix($0) }
            let address = t.hasPrefix("mailto:") ? String(t.dropFirst(7)) : t
            let at = address.utf8.firstIndex(of: 0x40)
            if isURI { out.append(t) }
            if let at, at != address.utf8.startIndex {
                out.append(address)
                let local = String(address[..<at])
                if local.unicodeScalars.count >= 4 { out.append(local) }
            }
            if isURI && !t.hasPrefix("tel:") || at != nil {
                continue
            }
            rest.append(token)
        }
        let other = rest.joined(separator: " ")
        // Addresses: words that are not generic, postal codes.
        for w in letterRuns(other) where w.unicodeScalars.count >= 4 && !Stoplists.address.contains(w) { out.append(w) }
        out += digitRuns(other).filter { $0.utf8.count >= 5 }
        // Telephone numbers: the digits of each number (a run of the digit view), and of the
        // whole value when it holds nothing but numbers.
        var numbers: [String] = []
        if !other.unicodeScalars.contains(where: TextFold.isLetterScalar) || other.hasPrefix("tel:") {
            numbers.append(String(decoding: other.utf8.filter(TextFold.isDigit), as: UTF8.self))
        }
        numbers += viewNumbers(other)
        for digits in Set(numbers) where digits.utf8.count >= 7 {
            out.append(digits)
            if digits.utf8.count > 7 { out.append(String(digits.suffix(7))) }
            if digits.utf8.count > 10 { out.append(String(digits.suffix(10))) }
        }
        return out
    }

    static let uriSchemes = ["tel:", "mailto:", "sip:", "fax:", "http:", "https:"]

    // MARK: 1.5 places

    static func place(_ v: String) -> [String] {
        var out: [String] = []
        if v.unicodeScalars.count >= 6 { out.append(v) }
        for w in letterRuns(v) where w.unicodeScalars.count >= 6 && !Stoplists.institution.contains(w) { out.append(w) }
        return out
    }

    static func device(_ v: String) -> [String] {
        v.unicodeScalars.count >= 6 ? [v] : []
    }

    // MARK: pieces of folded text

    /// Maximal runs of letters and digits.
    static func words(_ s: String) -> [String] {
        PlainText.isASCII(s) ? asciiRuns(s, TextFold.isASCIIWordByte) : runs(s, TextFold.isWordScalar)
    }

    /// Maximal runs of letters.
    static func letterRuns(_ s: String) -> [String] {
        PlainText.isASCII(s) ? asciiRuns(s) { ($0 | 0x20) &- 0x61 < 26 } : runs(s, TextFold.isLetterScalar)
    }

    static func digitRuns(_ s: String) -> [String] { asciiRuns(s, TextFold.isDigit) }

    /// The letters and digits alone (`o'brien` → `obrien`, `van der berg` → `vanderberg`).
    static func compact(_ s: String) -> String {
        if PlainText.isASCII(s) {
            return s.utf8.allSatisfy(TextFold.isASCIIWordByte) ? s : String(decoding: s.utf8.filter(TextFold.isASCIIWordByte), as: UTF8.self)
        }
        return words(s).joined()
    }

    static func runs(_ s: String, _ inRun: (Unicode.Scalar) -> Bool) -> [String] {
        var out: [String] = []
        var current = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            if inRun(u) { current.append(u) } else if !current.isEmpty { out.append(String(current)); current = .init() }
        }
        if !current.isEmpty { out.append(String(current)) }
        return out
    }

    /// Runs of bytes (of ASCII text, or ASCII bytes of any text: digits).
    static func asciiRuns(_ s: String, _ inRun: (UInt8) -> Bool) -> [String] {
        s.utf8.split(whereSeparator: { !inRun($0) }).map { String(decoding: $0, as: UTF8.self) }
    }

    static func isDigits(_ s: String) -> Bool { !s.isEmpty && s.utf8.allSatisfy(TextFold.isDigit) }

    static func split(_ s: String, _ separator: UInt8, keepEmpty: Bool = false) -> [String] {
        s.utf8.split(separator: separator, omittingEmptySubsequences: !keepEmpty).map { String(decoding: $0, as: UTF8.self) }
    }

    static func split(_ s: String, separatedBy separators: Set<UInt8>) -> [String] {
        s.utf8.split(whereSeparator: { separators.contains($0) }).map { String(decoding: $0, as: UTF8.self) }
    }

    static func trimmedEnd(_ s: String, _ b: UInt8) -> String {
        var u = Array(s.utf8)
        while u.last == b { u.removeLast() }
        return String(decoding: u, as: UTF8.self)
    }

    /// Without leading and trailing spaces (and the `extra` bytes).
    static func trimmed(_ s: String, extra: Set<UInt8> = []) -> String {
        guard let first = s.utf8.first, let last = s.utf8.last else { return s }
        if first != 0x20 && last != 0x20 && (extra.isEmpty || !(extra.contains(first) || extra.contains(last))) { return s }
        let u = Array(s.utf8)
        var lo = 0, hi = u.count
        while lo < hi && (u[lo] == 0x20 || extra.contains(u[lo])) { lo += 1 }
        while hi > lo && (u[hi - 1] == 0x20 || extra.contains(u[hi - 1])) { hi -= 1 }
        return lo == 0 && hi == u.count ? s : String(decoding: u[lo..<hi], as: UTF8.self)
    }
}

/// The forms of one identifying value (matching spec 1.1 to 1.5), from its folded text. Each
/// function answers text forms (matched as text, boundary by content) and digit forms (matched
/// in the digit view, spec 2.3).
enum GateNeedleForms {
    struct Forms {
        var text: [String] = []
        var digits: [String] = []
    }

    static func characters(_ s: some StringProtocol) -> Int { s.unicodeScalars.count }

    /// Maximal runs of letters and digits.
    static func words(_ s: String) -> [String] {
        var out: [String] = []
        var current = String.UnicodeScalarView()
        for c in s.unicodeScalars {
            if GateScalars.isLetterOrDigit(c) {
                current.append(c)
            } else if !current.isEmpty {
                out.append(String(current))
                current.removeAll()
            }
        }
        if !current.isEmpty { out.append(String(current)) }
        return out
    }

    /// Maximal runs of letters.
    static func letterWords(_ s: String) -> [String] {
        var out: [String] = []
        var current = String.UnicodeScalarView()
        for c in s.unicodeScalars {
            if GateScalars.isLetterOrDigit(c) && !GateScalars.isDigit(c) {
                current.append(c)
            } else if !current.isEmpty {
                out.append(String(current))
                current.removeAll()
            }
        }
        if !current.isEmpty { out.append(String(current)) }
        return out
    }

    /// Maximal runs of ASCII digits.
    static func digitRuns(_ s: String) -> [String] {
        s.utf8.split(whereSeparator: { $0 < 0x30 || $0 > 0x39 }).map { String(decoding: $0, as: UTF8.self) }
    }

    static func isDigits(_ s: String) -> Bool { !s.isEmpty && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }

    /// 1.1: the whole value, its groups, components 1–3 and their words, family+given and
    /// given+family; a value without "^" split into words. Parts of 2 characters or more.
    static func name(_ value: String) -> Forms {
        var f = Forms()
        func add(_ s: some StringProtocol) {
            let t = trimmed(String(s), also: "^=")
            // A form without a letter (`22` of `DOB 1979-07-22` sent as a name) names no one.
            if characters(t) >= 2, t.unicodeScalars.contains(where: { $0.properties.isAlphabetic }) { f.text.append(t) }
        }
        add(value)
        if !value.utf8.contains(0x5E) && !value.utf8.contains(0x3D) {
            words(value).forEach(add)
            return f
        }
        for group in value.split(separator: "=", omittingEmptySubsequences: true) {
            add(group)
            // All five components (a bad mapping moves names into the prefix or suffix); the
            // titles there are no needles.
            let components = group.split(separator: "^", omittingEmptySubsequences: false).prefix(5).enumerated().map { k, c in
                let t = trimmed(String(c), also: "")
                return k < 3 ? t : GateKeywords.withoutTitles(t)
            }
            for c in components {
                add(c)
                words(c).forEach(add)
            }
            if components.count >= 2, !components[0].isEmpty, !components[1].isEmpty {
                let family = components[0], given = components[1]
                add(family + given)
                add(given + family)
                let compactFamily = words(family).joined(), compactGiven = words(given).joined()
                add(compactFamily + compactGiven)
                add(compactGiven + compactFamily)
                // With one space between, where a part has one character: one-character CJK parts
                // ("李 娜") are no needles alone.
                if compactFamily.unicodeScalars.count == 1 || compactGiven.unicodeScalars.count == 1 {
                    add(compactFamily + " " + compactGiven)
                    add(compactGiven + " " + compactFamily)
                }
            }
        }
        return f
    }

    /// 1.2: the whole value (3 characters, 6 if digits only), without separators, and each run
    /// of 6 digits or more (of the value and of the value without separators).
    static func identifier(_ value: String) -> Forms {
        var f = Forms()
        func add(_ s: String) {
            let minimum = isDigits(s) ? 6 : 3
            if characters(s) >= minimum { f.text.append(s) }
        }
        add(value)
        let compact = String(String.UnicodeScalarView(value.unicodeScalars.filter { !" -_./:#".unicodeScalars.contains($0) }))
        if compact != value { add(compact) }
        for run in Set(digitRuns(value) + digitRuns(compact)) where run.count >= 6 { f.digits.append(run) }
        return f
    }

    /// 1.4: the whole value (3 characters); an address's words of 4 letters or more not in the
    /// stoplist and its postal codes (5 digits or more); a telephone number's digits (7 or more)
    /// and their last 7 and last 10; e-mail addresses, their local part (4 characters or more),
    /// and tel: and mailto: URIs whole.
    static func contact(_ value: String, isAddress: Bool, isTelephone: Bool) -> Forms {
        var f = Forms()
        if characters(value) >= 3 { f.text.append(value) }
        if isAddress {
            for w in letterWords(value) where characters(w) >= 4 && !GateKeywords.addressStoplist.contains(w) { f.text.append(w) }
            for run in digitRuns(value) where run.count >= 5 { f.digits.append(run) }
        }
        if isTelephone {
            // A number: digits with the separators a telephone number is written with.
            let numbers = value.unicodeScalars.split(whereSeparator: { c in
                !(GateScalars.isASCIIDigit(c) || " -./()+".unicodeScalars.contains(c))
            })
            for number in numbers {
                let digits = String(String.UnicodeScalarView(number.filter(GateScalars.isASCIIDigit)))
                guard digits.count >= 7 else { continue }
                f.digits.append(digits)
                if digits.count > 7 { f.digits.append(String(digits.suffix(7))) }
                if digits.count > 10 { f.digits.append(String(digits.suffix(10))) }
            }
        }
        for token in value.split(whereSeparator: { $0 == " " || $0 == "\\" || $0 == "," || $0 == ";" || $0 == "<" || $0 == ">" }) {
            let t = String(token)
            if t.hasPrefix("tel:") || t.hasPrefix("mailto:") { f.text.append(t) }
            if let at = t.firstIndex(of: "@"), at != t.startIndex {
                var address = t.hasPrefix("mailto:") ? String(t.dropFirst(7)) : t
                address = trimmed(address, also: "()[]\"'.")
                f.text.append(address)
                if let localEnd = address.firstIndex(of: "@") {
                    let local = String(address[..<localEnd])
                    if characters(local) >= 4 { f.text.append(local) }
                }
            }
        }
        return f
    }

    /// 1.5: the whole value (6 characters) and each word of 6 letters or more not in the stoplist.
    static func place(_ value: String) -> Forms {
        var f = Forms()
        let words = letterWords(value)
        // Only generic words (a department "Radiology"): it names no one, no needle.
        let generic = !words.isEmpty && words.allSatisfy { GateKeywords.institutionStoplist.contains($0) }
        if characters(value) >= 6 && !generic { f.text.append(value) }
        for w in words where characters(w) >= 6 && !GateKeywords.institutionStoplist.contains(w) { f.text.append(w) }
        return f
    }

    /// Leading and trailing spaces (and the given characters) removed.
    static func trimmed(_ s: String, also extra: String) -> String {
        let u8 = s.utf8
        if let f = u8.first, let l = u8.last, f != 0x20 && f != 0 && l != 0x20 && l != 0, extra.isEmpty || (f < 0x80 && l < 0x80
            && !extra.utf8.contains(f) && !extra.utf8.contains(l)) {
            return s   // nothing to trim: the usual case
        }
        let drop = Set(" \0".unicodeScalars).union(extra.unicodeScalars)
        let u = s.unicodeScalars
        guard let first = u.firstIndex(where: { !drop.contains($0) }), let last = u.lastIndex(where: { !drop.contains($0) }) else {
            return ""
        }
        return String(u[first...last])
    }
}

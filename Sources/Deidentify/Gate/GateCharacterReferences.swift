/// The gate's reading of HTML and XML character references (`&szlig;`, `&#223;`, `&#xDF;`) in an
/// output text value (matching spec 5): a text holding one is searched a second time with them
/// read as the characters a browser shows.
enum GateCharacterReferences {
    /// `text` with every reference and URL percent-escape it holds replaced by its character,
    /// or nil if it holds none. As an HTML parser reads them: a numeric reference may lack its
    /// `;`, and so may a Latin-1 name (the longest that fits).
    static func resolved(_ text: String) -> String? {
        guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x25 }) else { return nil }
        let s = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var changed = false
        var i = 0
        while i < s.count {
            if s[i] == "&", let (c, n) = reference(s, i) {
                out.append(c)
                changed = true
                i += n
            } else if s[i] == "%", let (t, n) = escapes(s, i) {
                out.append(contentsOf: t.unicodeScalars)
                changed = true
                i += n
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return changed ? String(out) : nil
    }

    static func isDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 0x30 && c.value <= 0x39 }
    static func isHex(_ c: Unicode.Scalar) -> Bool { isDigit(c) || (c.value | 0x20) >= 0x61 && (c.value | 0x20) <= 0x66 }
    static func isASCIILetter(_ c: Unicode.Scalar) -> Bool { (c.value | 0x20) >= 0x61 && (c.value | 0x20) <= 0x7A }

    /// The reference at `i` (`&szlig;`, `&#223`, `&szligkopf`) and how many scalars it takes.
    static func reference(_ s: [Unicode.Scalar], _ i: Int) -> (Unicode.Scalar, Int)? {
        var j = i + 1
        if j < s.count && s[j] == "#" {
            j += 1
            let hex = j < s.count && (s[j] == "x" || s[j] == "X")
            if hex { j += 1 }
            let start = j
            while j < s.count && j - start < 8 && (hex ? isHex(s[j]) : isDigit(s[j])) { j += 1 }
            guard j > start, let v = UInt32(String(String.UnicodeScalarView(s[start..<j])), radix: hex ? 16 : 10), v > 0,
                  let c = Unicode.Scalar(v) else { return nil }
            return (c, j - i + (j < s.count && s[j] == ";" ? 1 : 0))
        }
        while j < s.count && j - i <= 10 && (isASCIILetter(s[j]) || isDigit(s[j])) { j += 1 }
        let name = String(String.UnicodeScalarView(s[(i + 1)..<j]))
        if j < s.count && s[j] == ";", let c = character(name) { return (c, j + 1 - i) }
        var n = name.count
        while n >= 2 {
            let prefix = String(name.prefix(n))
            if let k = latin1Names.firstIndex(of: prefix) { return (Unicode.Scalar(UInt32(0xA0 + k))!, 1 + n) }
            if let c = others[prefix] { return (c, 1 + n) }
            n -= 1
        }
        return nil
    }

    /// A run of `%XX` escapes: its bytes as UTF-8, or each as Latin-1 where they are not.
    static func escapes(_ s: [Unicode.Scalar], _ i: Int) -> (String, Int)? {
        var bytes: [UInt8] = []
        var j = i
        while j + 2 < s.count, s[j] == "%", isHex(s[j + 1]), isHex(s[j + 2]),
              let b = UInt8(String(String.UnicodeScalarView(s[(j + 1)...(j + 2)])), radix: 16) {
            bytes.append(b)
            j += 3
        }
        guard !bytes.isEmpty else { return nil }
        let text = String(validating: bytes, as: UTF8.self) ?? String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        return (text, j - i)
    }

    /// The character of a reference's name (`szlig`, `#223`, `#xDF`, HTML5's `rcaron`).
    static func character(_ name: String) -> Unicode.Scalar? {
        if name.hasPrefix("#x") || name.hasPrefix("#X") {
            return UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init)
        }
        if name.hasPrefix("#") { return UInt32(name.dropFirst(), radix: 10).flatMap(Unicode.Scalar.init) }
        if let k = latin1Names.firstIndex(of: name) { return Unicode.Scalar(UInt32(0xA0 + k)) }
        if let c = others[name] { return c }
        // HTML5's Latin Extended names: a letter and its mark. The gate folds marks away, so the
        // letter alone reads the same; a stroke letter is its own.
        guard let first = name.unicodeScalars.first, isASCIILetter(first) else { return nil }
        let mark = name.dropFirst()
        if mark == "strok" { return strokes[first] }
        return marks.contains(String(mark)) ? first : nil
    }

    static let marks: Set<String> = ["grave", "acute", "circ", "tilde", "macr", "breve", "dot", "uml", "ring", "dblac",
                                     "caron", "cedil", "ogon"]
    static let strokes: [Unicode.Scalar: Unicode.Scalar] = [
        "L": "\u{141}", "l": "\u{142}", "D": "\u{110}", "d": "\u{111}", "H": "\u{126}", "h": "\u{127}",
        "T": "\u{166}", "t": "\u{167}",
    ]

    /// HTML 4's names of U+00A0 to U+00FF, in order.
    static let latin1Names: [String] = """
        nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute \
        micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig \
        Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash \
        Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc \
        euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml \
        yacute thorn yuml
        """.split(separator: " ").map(String.init)

    static let others: [String: Unicode.Scalar] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'",
        "OElig": "\u{152}", "oelig": "\u{153}", "Scaron": "\u{160}", "scaron": "\u{161}", "Yuml": "\u{178}",
    ]
}

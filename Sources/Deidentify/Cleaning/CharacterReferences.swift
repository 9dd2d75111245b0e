import Foundation

/// HTML and XML character references in a text value (`&szlig;`, `&#223;`, `&#xDF;`): a name
/// retyped from a web page or a report may hold them, and a reader shows the letter. The
/// cleaner also searches the value with them decoded (matching spec 5), and removes the
/// references that made a match.
enum CharacterReferences {
    /// A value with its references decoded, and for each byte of its UTF-8 the original bytes
    /// it came from (a reference: all of it; any other character: itself).
    struct Decoded {
        var text: [UInt8] = []
        var originStart: [Int32] = []
        var originEnd: [Int32] = []

        /// The original range of decoded bytes `r`.
        func origin(_ r: Range<Int>) -> Range<Int> { Int(originStart[r.lowerBound])..<Int(originEnd[r.upperBound - 1]) }
    }

    /// The decoded value, or nil when `u` (valid UTF-8) holds no reference.
    static func decode(_ u: UnsafeBufferPointer<UInt8>) -> Decoded? {
        guard u.contains(where: { $0 == 0x26 || $0 == 0x25 }) else { return nil }   // "&", "%"
        var out = Decoded()
        out.text.reserveCapacity(u.count)
        var found = false
        var i = 0
        while i < u.count {
            if u[i] == 0x26, let (scalar, length) = reference(u, at: i) {
                for b in String(scalar).utf8 {
                    out.text.append(b)
                    out.originStart.append(Int32(i))
                    out.originEnd.append(Int32(i + length))
                }
                found = true
                i += length
            } else if u[i] == 0x25, let (text, length) = percentEscapes(u, at: i) {
                for b in text.utf8 {
                    out.text.append(b)
                    out.originStart.append(Int32(i))
                    out.originEnd.append(Int32(i + length))
                }
                found = true
                i += length
            } else {
                out.text.append(u[i])
                // A byte of a multi-byte character maps to the whole character (so removing
                // a match never splits one).
                var lo = i
                while lo > 0 && u[lo] & 0xC0 == 0x80 { lo -= 1 }
                var hi = i + 1
                while hi < u.count && u[hi] & 0xC0 == 0x80 { hi += 1 }
                out.originStart.append(Int32(lo))
                out.originEnd.append(Int32(hi))
                i += 1
            }
        }
        return found ? out : nil
    }

    /// The reference starting at `i` and its length in bytes: `&name;`, `&#123;`, `&#x7B;`, and
    /// as an HTML parser also reads them, a numeric one without its `;` (ending at the first
    /// character that is no digit) and a Latin-1 name without it (the longest that fits).
    static func reference(_ u: UnsafeBufferPointer<UInt8>, at i: Int) -> (Unicode.Scalar, Int)? {
        guard i + 1 < u.count else { return nil }
        if u[i + 1] == 0x23 {   // "#"
            let hex = i + 2 < u.count && (u[i + 2] | 0x20) == 0x78
            var j = i + (hex ? 3 : 2)
            let start = j
            while j < u.count && j - start < 8 && (hex ? isHex(u[j]) : TextFold.isDigit(u[j])) { j += 1 }
            guard j > start, let v = UInt32(String(decoding: u[start..<j], as: UTF8.self), radix: hex ? 16 : 10),
                  v > 0, let scalar = Unicode.Scalar(v) else { return nil }
            return (scalar, j - i + (j < u.count && u[j] == 0x3B ? 1 : 0))
        }
        var j = i + 1
        while j < u.count && j - i <= 10 && ((u[j] | 0x20) >= 0x61 && (u[j] | 0x20) <= 0x7A || TextFold.isDigit(u[j])) { j += 1 }
        let name = String(decoding: u[(i + 1)..<j], as: UTF8.self)
        if j < u.count && u[j] == 0x3B, let scalar = named[name] ?? latinExtended(name) {
            return (scalar, j + 1 - i)
        }
        // Without the ";": the longest Latin-1 name the letters begin with.
        var n = name.count
        while n >= 2 {
            let prefix = String(name.prefix(n))
            if let scalar = named[prefix] { return (scalar, 1 + n) }
            n -= 1
        }
        return nil
    }

    static func isHex(_ b: UInt8) -> Bool { TextFold.isDigit(b) || (b | 0x20) >= 0x61 && (b | 0x20) <= 0x66 }

    /// HTML5's names of the Latin Extended letters: a letter and its mark (`rcaron`, `eogon`,
    /// `lstrok`), read as the letter with the mark composed (or the letter alone, which folds
    /// the same).
    static func latinExtended(_ name: String) -> Unicode.Scalar? {
        guard let first = name.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic else { return nil }
        let mark = String(name.dropFirst())
        if mark == "strok" { return strokes[first] }
        guard let combining = marks[mark] else { return nil }
        var composed = String(first)
        composed.unicodeScalars.append(combining)
        let nfc = composed.precomposedStringWithCanonicalMapping.unicodeScalars
        return nfc.count == 1 ? nfc.first : first
    }

    static let marks: [String: Unicode.Scalar] = [
        "grave": "\u{300}", "acute": "\u{301}", "circ": "\u{302}", "tilde": "\u{303}", "macr": "\u{304}",
        "breve": "\u{306}", "dot": "\u{307}", "uml": "\u{308}", "ring": "\u{30A}", "dblac": "\u{30B}",
        "caron": "\u{30C}", "cedil": "\u{327}", "ogon": "\u{328}",
    ]
    static let strokes: [Unicode.Scalar: Unicode.Scalar] = [
        "L": "\u{141}", "l": "\u{142}", "D": "\u{110}", "d": "\u{111}", "H": "\u{126}", "h": "\u{127}",
        "T": "\u{166}", "t": "\u{167}",
    ]

    /// URL percent-escapes starting at `i` (`%C3%9F`): the run's bytes read as UTF-8 (or, where
    /// they are not UTF-8, each as Latin-1), and the run's length.
    static func percentEscapes(_ u: UnsafeBufferPointer<UInt8>, at i: Int) -> (String, Int)? {
        var bytes: [UInt8] = []
        var j = i
        while j + 2 < u.count && u[j] == 0x25 && isHex(u[j + 1]) && isHex(u[j + 2]) {
            bytes.append(UInt8(String(decoding: u[(j + 1)...(j + 2)], as: UTF8.self), radix: 16)!)
            j += 3
        }
        guard !bytes.isEmpty else { return nil }
        if let text = String(validating: bytes, as: UTF8.self) { return (text, j - i) }
        return (String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) })), j - i)
    }

    /// The named references of Latin-1 (HTML 4's), and a few more that names use.
    static let named: [String: Unicode.Scalar] = {
        let latin1 = """
            nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 \
            acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde \
            Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc \
            Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml \
            aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc \
            otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml
            """.split(separator: " ")
        var table: [String: Unicode.Scalar] = [:]
        for (k, name) in latin1.enumerated() { table[String(name)] = Unicode.Scalar(UInt32(0xA0 + k)) }
        let more: [String: UInt32] = ["amp": 0x26, "lt": 0x3C, "gt": 0x3E, "quot": 0x22, "apos": 0x27,
                                      "OElig": 0x152, "oelig": 0x153, "Scaron": 0x160, "scaron": 0x161, "Yuml": 0x178]
        for (name, v) in more { table[name] = Unicode.Scalar(v) }
        return table
    }()
}

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
        guard u.contains(0x26) else { return nil }   // "&"
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

    /// The reference starting at `i` (`&name;`, `&#123;`, `&#x7B;`) and its length in bytes.
    static func reference(_ u: UnsafeBufferPointer<UInt8>, at i: Int) -> (Unicode.Scalar, Int)? {
        var j = i + 1
        let limit = min(u.count, i + 12)
        while j < limit && u[j] != 0x3B { j += 1 }   // ";"
        guard j < limit, j > i + 1 else { return nil }
        let body = Array(u[(i + 1)..<j])
        let length = j + 1 - i
        if body[0] == 0x23 {   // "#"
            let hex = body.count > 1 && (body[1] | 0x20) == 0x78
            let digits = body.dropFirst(hex ? 2 : 1)
            guard !digits.isEmpty, let v = UInt32(String(decoding: digits, as: UTF8.self), radix: hex ? 16 : 10),
                  v > 0, let scalar = Unicode.Scalar(v) else { return nil }
            return (scalar, length)
        }
        guard let scalar = named[String(decoding: body, as: UTF8.self)] else { return nil }
        return (scalar, length)
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

/// The gate's reading of HTML and XML character references (`&szlig;`, `&#223;`, `&#xDF;`) in an
/// output text value (matching spec 5): a text holding one is searched a second time with them
/// read as the characters a browser shows.
enum GateCharacterReferences {
    /// `text` with every reference it holds replaced by its character, or nil if it holds none.
    static func resolved(_ text: String) -> String? {
        guard text.utf8.contains(0x26) else { return nil }
        var out = ""
        var changed = false
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            let after = rest[rest.index(after: amp)...]
            if let semi = after.prefix(11).firstIndex(of: ";"), let c = character(String(after[..<semi])) {
                out.unicodeScalars.append(c)
                changed = true
                rest = after[after.index(after: semi)...]
            } else {
                out += "&"
                rest = after
            }
        }
        out += rest
        return changed ? out : nil
    }

    /// The character of a reference's name (`szlig`, `#223`, `#xDF`).
    static func character(_ name: String) -> Unicode.Scalar? {
        if name.hasPrefix("#x") || name.hasPrefix("#X") {
            return UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init)
        }
        if name.hasPrefix("#") { return UInt32(name.dropFirst(), radix: 10).flatMap(Unicode.Scalar.init) }
        if let k = latin1Names.firstIndex(of: name) { return Unicode.Scalar(UInt32(0xA0 + k)) }
        return others[name]
    }

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

/// One form of an identifying value of the original (matching spec 1): folded text, how it may
/// be bounded where it is found (spec 2.2), and where it came from.
struct GateNeedle: Sendable, Hashable {
    enum Kind: String, Sendable, CaseIterable {
        case name, id, birthdate, otherdate, contact, place, device, uid
    }

    /// What may stand right before and after a match, in the folded text.
    enum Boundary: Sendable, Hashable {
        /// Anywhere (6 characters or more; CJK, kana, hangul, Thai).
        case substring
        /// A whole word: no letter or digit on either side (under 6 characters).
        case word
        /// Digits only (and UIDs): no digit or "." on either side.
        case number
        /// A date with separators or month names: no digit or "." before, no digit after.
        case date
        /// A birth date's YYYYMMDD: no digit or "." before; digits may follow (a DT).
        case dateThenDigits
    }

    /// Folded UTF-8 (spec 2.1), or for the byte search, the value's own UTF-8 lower-cased in ASCII.
    let bytes: [UInt8]
    let boundary: Boundary
    let kind: Kind
    /// The keyword of the original attribute it came from.
    let attribute: String
    /// Its length in characters (Unicode scalars).
    let characters: Int

    init(bytes: [UInt8], boundary: Boundary, kind: Kind, attribute: String) {
        self.bytes = bytes
        self.boundary = boundary
        self.kind = kind
        self.attribute = attribute
        characters = bytes.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
    }

    /// The boundary spec 2.2 gives a folded form by its content.
    static func boundary(for text: [UInt8]) -> Boundary {
        if text.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) { return .number }
        if text.contains(where: { $0 >= 0x80 }), String(decoding: text, as: UTF8.self).unicodeScalars.contains(where: isSpacelessScript) {
            return .substring
        }
        let count = text.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
        return count < 6 ? .word : .substring
    }

    /// CJK ideographs, kana, hangul and Thai letters: scripts written without spaces, so a name
    /// in them is matched anywhere.
    static func isSpacelessScript(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if c.properties.isIdeographic { return true }
        return (0x3040...0x30FF).contains(v) || (0x31F0...0x31FF).contains(v) || (0xFF66...0xFF9F).contains(v)   // kana
            || (0x1100...0x11FF).contains(v) || (0x3130...0x318F).contains(v) || (0xA960...0xA97F).contains(v)
            || (0xAC00...0xD7FF).contains(v)   // hangul
            || (0x0E01...0x0E2E).contains(v)   // Thai letters
    }
}

/// One form of an identifying value, folded, with how it may match (spec 2.2).
struct Needle: Sendable, Hashable {
    /// The folded form, UTF-8.
    let bytes: [UInt8]
    let kind: IdentifyingKind
    let match: Match
    /// Length in Unicode scalars of the folded form (`characters` in the spec; a scalar count
    /// is never less than a grapheme count, so a needle is never treated as shorter than the
    /// spec means).
    let length: Int

    enum Match: Sendable, Hashable {
        /// Anywhere (a substring): needles of 6 characters or more, and any needle holding a
        /// character of a script written without spaces.
        case anywhere
        /// As a whole word: the characters either side are not letters or digits.
        case word
        /// Digits only: neither neighbour is a digit or `.` (not inside a longer number or a
        /// UID). With 5 digits or more it is a digit form, also matched in the digit view.
        case number
        /// A birth date's YYYYMMDD: not after a digit or `.`, and may be followed by digits
        /// (the date part of a DT).
        case datePrefix
    }

    init(bytes: [UInt8], kind: IdentifyingKind, match: Match, length: Int) {
        self.bytes = bytes
        self.kind = kind
        self.match = match
        self.length = length
    }

    /// A needle from a folded form (UTF-8), its rule chosen from its content; nil if the form
    /// is shorter than 2 characters (a single letter names no one).
    init?(folded bytes: [UInt8], kind: IdentifyingKind) {
        var ascii = true, digits = true
        var length = 0
        for b in bytes {
            if b >= 0x80 { ascii = false }
            if !TextFold.isDigit(b) { digits = false }
            if b & 0xC0 != 0x80 { length += 1 }
        }
        guard length >= 2 else { return nil }
        let match: Match
        if digits {
            match = .number
        } else if length >= 6 || (!ascii && String(decoding: bytes, as: UTF8.self).unicodeScalars.contains(where: TextFold.isSpacelessScript)) {
            match = .anywhere
        } else {
            match = .word
        }
        self.init(bytes: bytes, kind: kind, match: match, length: length)
    }

    /// Matched in the digit view too (spec 2.3): identifier digit runs, postal codes,
    /// telephone digits, a birth date's YYYYMMDD; not the other dates (the date patterns
    /// find those).
    var isDigitForm: Bool {
        (match == .number || match == .datePrefix) && bytes.count >= 5 && kind != .otherdate
    }
}

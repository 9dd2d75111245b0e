/// Month names in folded text (DateTriples): the names in English, German, French, Spanish,
/// Italian and Dutch, diacritics folded (`marz`, `fevrier`, `aout`, `decembre`), with `maerz`,
/// `mrz` and `jaenner` (umlauts written out); and every prefix of 3 letters or more of a name
/// that only one month's names begin with (`sep`, `sept`, `janv`, `okt`, `dez`, `gen`).
enum MonthNames {
    static let names: [[String]] = [
        ["january", "januar", "janvier", "enero", "gennaio", "januari", "janner", "jaenner"],
        ["february", "februar", "fevrier", "febrero", "febbraio", "februari"],
        ["march", "marz", "maerz", "mrz", "mars", "marzo", "maart"],
        ["april", "avril", "abril", "aprile"],
        ["may", "mai", "mayo", "maggio", "mei"],
        ["june", "juni", "juin", "junio", "giugno"],
        ["july", "juli", "juillet", "julio", "luglio"],
        ["august", "aout", "agosto", "augustus"],
        ["september", "septembre", "septiembre", "setiembre", "settembre"],
        ["october", "oktober", "octobre", "octubre", "ottobre"],
        ["november", "novembre", "noviembre"],
        ["december", "dezember", "decembre", "diciembre", "dicembre"],
    ]

    /// Folded letters (a to z, at most 12) packed 5 bits each, to month (1...12).
    static let table: [UInt64: Int] = {
        var table: [UInt64: Int] = [:]
        var ambiguous = Set<UInt64>()
        for (index, names) in names.enumerated() {
            for name in names {
                let u = Array(name.utf8)
                for length in min(3, u.count)...u.count {
                    // A whole short name (`mai`, `mei`, `mrz`) or a prefix of 3 letters or more.
                    let key = pack(u[0..<length])
                    if let known = table[key], known != index + 1 { ambiguous.insert(key) }
                    table[key] = index + 1
                }
            }
        }
        for key in ambiguous { table[key] = nil }
        // Whole names win over another month's prefix.
        for (index, names) in names.enumerated() { for name in names { table[pack(Array(name.utf8)[...])] = index + 1 } }
        return table
    }()

    static func pack<C: Collection>(_ letters: C) -> UInt64 where C.Element == UInt8 {
        var v: UInt64 = 0
        for b in letters { v = v << 5 | UInt64(b &- 0x60) }
        return v
    }

    /// The month the letters `h[lo..<hi]` name, or nil.
    static func month(_ h: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Int? {
        let count = hi - lo
        guard count >= 3 && count <= 12 else { return nil }
        return table[pack(h[lo..<hi])]
    }
}

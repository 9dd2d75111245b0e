/// A protected date (the birth date; the original's other dates when they are searched) written
/// as three tokens in a row (matching spec 5, dates as any three tokens). The text is cut into numbers
/// of 1 to 4 digits (with an ordinal ending `st` `nd` `rd` `th` `er` `e` kept on them) and month
/// names (GateMonths) or Roman-numeral months (`xi`, only in the middle), each linked to the one
/// before when only 0 to 3 of space `.` `/` `-` `,` `_` `|` or 年 月 日 년 월 일 stand between, with
/// at most one connector word (`de` `of` `the`…); any other word or character, or a number of 5
/// digits or more, ends a chain.
/// Three linked tokens read as year-month-day, day-month-year or month-day-year, the year in 4
/// digits or its last 2, are the date when they equal it.
struct GateProtectedDate: Sendable {
    let year: Int, month: Int, day: Int
    /// The needle a hit names (the date's YYYYMMDD, its kind and attribute).
    let needle: GateNeedle
}

enum GateDateTriples {
    private struct Part {
        let start: Int, end: Int
        let number: Int
        /// 1 to 4 digits; 0 for a month name; -1 for a Roman-numeral month.
        let width: Int
        let linked: Bool
        /// Linked by a single `.` to the part before.
        let dotted: Bool
    }

    /// The first date of `dates` written in `b[lo..<hi]` (folded text), or nil.
    static func first(in b: UnsafeBufferPointer<UInt8>, from lo: Int, to hi: Int, dates: [GateProtectedDate]) -> GateProtectedDate? {
        var parts: [Part] = []
        var i = lo, chainEnd = -1
        func add(_ start: Int, _ end: Int, _ number: Int, _ width: Int) {
            let linked = chainEnd >= 0 && links(b, chainEnd, start)
            parts.append(Part(start: start, end: end, number: number, width: width, linked: linked,
                              dotted: linked && start - chainEnd == 1 && b[chainEnd] == 0x2E))
            chainEnd = end
        }
        while i < hi {
            let c = b[i]
            if c >= 0x30 && c <= 0x39 {
                var j = i, v = 0
                while j < hi && b[j] >= 0x30 && b[j] <= 0x39 { v = v &* 10 &+ Int(b[j] &- 0x30); j += 1 }
                if j - i > 4 { chainEnd = -1; i = j; continue }
                var end = j
                var w = j
                while w < hi && b[w] >= 0x61 && b[w] <= 0x7A { w += 1 }
                if GateDateTriples.isOrdinalEnding(b, j, w) { end = w }
                add(i, end, v, j - i)
                i = end
            } else if c >= 0x61 && c <= 0x7A {
                var j = i
                while j < hi && b[j] >= 0x61 && b[j] <= 0x7A { j += 1 }
                let word = UnsafeBufferPointer(rebasing: b[i..<j])
                if let m = GateMonths.month(word) { add(i, j, m, 0) }
                else if let m = GateMonths.roman(word) { add(i, j, m, -1) }
                else if !GateMonths.isConnector(word) { chainEnd = -1 }
                i = j
            } else {
                i += 1
            }
        }
        guard parts.count >= 3 else { return nil }
        for k in 2..<parts.count where parts[k].linked && parts[k - 1].linked {
            let a = parts[k - 2], m = parts[k - 1], z = parts[k]
            // A number joined by one `.` before or after: a version (`2.04.11.1958`), no date.
            if a.dotted && parts[k - 3].width > 0 { continue }
            if k + 1 < parts.count && parts[k + 1].dotted && parts[k + 1].width > 0 { continue }
            for d in dates {
                let ymd = year(a, d.year) && month(m, d.month) && day(z, d.day)
                let dmy = day(a, d.day) && month(m, d.month) && year(z, d.year)
                let mdy = a.width >= 0 && month(a, d.month) && day(m, d.day) && year(z, d.year)
                if ymd || dmy || mdy { return d }
            }
        }
        return nil
    }

    /// What may stand between two parts of a date: 0 to 3 separators (space `.` `/` `-` `,` `_`
    /// `|`, or one of the CJK date markers 年 月 日 년 월 일) and at most one connector word.
    static func links(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Bool {
        var count = 0, word = false, k = from
        while k < to {
            let c = b[k]
            if c == 0x20 || c == 0x2E || c == 0x2F || c == 0x2D || c == 0x2C || c == 0x5F || c == 0x7C {
                k += 1
            } else if c >= 0x61 && c <= 0x7A {
                var j = k
                while j < to && b[j] >= 0x61 && b[j] <= 0x7A { j += 1 }
                if word || !GateMonths.isConnector(UnsafeBufferPointer(rebasing: b[k..<j])) { return false }
                word = true
                k = j
                continue
            } else if k + 3 <= to, GateMonths.dateMarkers.contains([c, b[k + 1], b[k + 2]]) {
                k += 3
            } else {
                return false
            }
            count += 1
            if count > 3 { return false }
        }
        return true
    }

    static func isOrdinalEnding(_ b: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Bool {
        let ending = String(decoding: UnsafeBufferPointer(rebasing: b[lo..<hi]), as: UTF8.self)
        return ["st", "nd", "rd", "th", "er", "e"].contains(ending)
    }

    private static func year(_ p: Part, _ y: Int) -> Bool { p.width == 4 ? p.number == y : p.width == 2 && p.number == y % 100 }
    private static func month(_ p: Part, _ m: Int) -> Bool { p.width <= 2 && p.number == m }
    private static func day(_ p: Part, _ d: Int) -> Bool { p.width >= 1 && p.width <= 2 && p.number == d }
}

/// Month names for GateDateTriples, folded: English, German, French, Spanish, Italian, Dutch,
/// with the umlaut written out (`maerz`, `jaenner`) and `mrz`; and their first 3 or 4 letters
/// where those begin one month's names only.
enum GateMonths {
    static let byName: [String: Int] = {
        let names: [(Int, String)] = [
            (1, "january januar jänner jaenner janvier enero gennaio januari"),
            (2, "february februar février febrero febbraio februari"),
            (3, "march märz maerz mrz mars marzo maart"),
            (4, "april avril abril aprile"),
            (5, "may mai mayo maggio mei"),
            (6, "june juni juin junio giugno"),
            (7, "july juli juillet julio luglio"),
            (8, "august août agosto augustus"),
            (9, "september septembre septiembre setiembre settembre"),
            (10, "october oktober octobre octubre ottobre"),
            (11, "november novembre noviembre"),
            (12, "december dezember décembre diciembre dicembre"),
        ]
        var out: [String: Int] = [:]
        var clash = Set<String>()
        for (m, list) in names {
            for word in list.split(separator: " ") {
                let folded = String(decoding: GateFolding.fold(String(word)).text, as: UTF8.self)
                for n in [3, 4] where folded.count > n {
                    let p = String(folded.prefix(n))
                    if let other = out[p], other != m { clash.insert(p) }
                    out[p] = m
                }
            }
        }
        for p in clash { out[p] = nil }
        for (m, list) in names {
            for word in list.split(separator: " ") { out[String(decoding: GateFolding.fold(String(word)).text, as: UTF8.self)] = m }
        }
        return out
    }()

    /// 年 月 日 and 년 월 일 in UTF-8.
    static let dateMarkers: Set<[UInt8]> = Set(["年", "月", "日", "년", "월", "일"].map { Array($0.utf8) })

    /// Words written inside a date in Spanish, Portuguese, English, French, German, Dutch.
    static let connectorWords: Set<String> = ["de", "del", "of", "the", "le", "den", "der", "el"]

    static func isConnector(_ letters: UnsafeBufferPointer<UInt8>) -> Bool {
        letters.count <= 3 && connectorWords.contains(String(decoding: letters, as: UTF8.self))
    }

    /// A month in Roman numerals (`xi`), read only as the middle of day-month-year or year-month-day.
    static func roman(_ letters: UnsafeBufferPointer<UInt8>) -> Int? {
        guard letters.count <= 4 else { return nil }
        let all = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"]
        return all.firstIndex(of: String(decoding: letters, as: UTF8.self)).map { $0 + 1 }
    }

    static func month(_ letters: UnsafeBufferPointer<UInt8>) -> Int? {
        guard letters.count >= 3 && letters.count <= 12 else { return nil }
        return byName[String(decoding: letters, as: UTF8.self)]
    }
}

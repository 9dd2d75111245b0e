/// The written forms of a date (matching spec 1.3), folded (lower case).
enum DateForms {
    struct Date {
        let year: Int, month: Int, day: Int
    }

    /// A valid date from the first 8 characters of a DA or DT value (YYYYMMDD), or nil.
    static func parse(_ value: String) -> Date? {
        let u = Array(value.utf8.prefix(8))
        guard u.count == 8, u.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let n = u.map { Int($0 - 0x30) }
        let year = n[0] * 1000 + n[1] * 100 + n[2] * 10 + n[3], month = n[4] * 10 + n[5], day = n[6] * 10 + n[7]
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year) else { return nil }
        return Date(year: year, month: month, day: day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    /// YYYYMMDD (digits may follow it: a DT).
    static func compact(_ d: Date) -> String { pad(d.year, 4) + pad(d.month, 2) + pad(d.day, 2) }

    /// The birth date forms of spec 1.3 other than YYYYMMDD: numeric forms with separators
    /// (month and day zero-padded or not, the year in 4 digits or 2), and forms with English
    /// month names (the day zero-padded or not). None may be preceded by a digit or "."
    /// nor followed by a digit (boundary `.date`).
    static func birthForms(_ d: Date) -> [String] {
        var out: [String] = []
        let years = [pad(d.year, 4), pad(d.year % 100, 2)]
        let months = Set([pad(d.month, 2), String(d.month)]).sorted()
        let days = Set([pad(d.day, 2), String(d.day)]).sorted()
        for y in years {
            for m in months {
                for dd in days {
                    for sep in ["-", "/", "."] { out.append(y + sep + m + sep + dd) }
                    out.append(m + "/" + dd + "/" + y)
                    out.append(dd + "/" + m + "/" + y)
                    out.append(dd + "." + m + "." + y)
                    out.append(dd + "-" + m + "-" + y)
                    out.append(m + "-" + dd + "-" + y)
                }
            }
        }
        let month = GateKeywords.months[d.month - 1]
        let mon = String(month.prefix(3))
        let year = pad(d.year, 4)
        for dd in days {
            out.append(dd + "-" + mon + "-" + year)
            out.append(dd + " " + mon + " " + year)
            out.append(dd + mon + year)
            out.append(mon + " " + dd + " " + year)
            out.append(mon + " " + dd + ", " + year)
            out.append(month + " " + dd + ", " + year)
            out.append(dd + " " + month + " " + year)
        }
        return out   // repeats (day or month of two digits) are dropped where needles are kept
    }

    /// The other dates' forms besides YYYYMMDD: YYYY-MM-DD.
    static func otherForms(_ d: Date) -> [String] {
        [pad(d.year, 4) + "-" + pad(d.month, 2) + "-" + pad(d.day, 2)]
    }
}

/// A TM value (PS3.5 6.2): HH, HHMM, HHMMSS or HHMMSS.FFFFFF. The old form HH:MM:SS is read too.
public struct DICOMTime: Hashable, Sendable, CustomStringConvertible {
    public let hour: Int
    public let minute: Int?
    public let second: Int?
    /// Fraction of a second, in microseconds, if given.
    public let microsecond: Int?
    let fractionDigits: Int

    public init?(_ text: String) {
        let bytes = Array(text.utf8.filter { $0 != UInt8(ascii: ":") })
        let dot = bytes.firstIndex(of: UInt8(ascii: "."))
        let main = bytes[..<(dot ?? bytes.count)]
        guard [2, 4, 6].contains(main.count), let h = DICOMDate.number(main.prefix(2)), h < 24 else { return nil }
        hour = h
        minute = main.count >= 4 ? DICOMDate.number(main.dropFirst(2).prefix(2)) : nil
        second = main.count >= 6 ? DICOMDate.number(main.dropFirst(4).prefix(2)) : nil
        if main.count >= 4, minute.map({ $0 < 60 }) != true { return nil }
        if main.count >= 6, second.map({ $0 < 61 }) != true { return nil }
        if let dot {
            let frac = bytes[(dot + 1)...]
            guard main.count == 6, (1...6).contains(frac.count), let f = DICOMDate.number(frac) else { return nil }
            var us = f
            for _ in frac.count..<6 { us *= 10 }
            microsecond = us
            fractionDigits = frac.count
        } else {
            microsecond = nil
            fractionDigits = 0
        }
    }

    public var description: String {
        var s = pad(hour, 2)
        if let minute { s += pad(minute, 2) }
        if let second { s += pad(second, 2) }
        if let microsecond {
            s += "." + String(pad(microsecond, 6).prefix(fractionDigits))
        }
        return s
    }
}

/// A DT value (PS3.5 6.2): YYYY[MM[DD[HH[MM[SS[.F{1-6}]]]]]][&ZZXX].
public struct DICOMDateTime: Hashable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int?
    public let day: Int?
    /// The time part (HH[MM[SS[.FFFFFF]]]), if present.
    public let time: DICOMTime?
    /// UTC offset as written, e.g. "+0100", if present.
    public let utcOffset: String?

    public init?(_ text: String) {
        var body = Substring(text)
        if let sign = body.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            let offset = body[sign...]
            guard offset.count == 5, offset.dropFirst().allSatisfy(\.isNumber) else { return nil }
            utcOffset = String(offset)
            body = body[..<sign]
        } else {
            utcOffset = nil
        }
        let digits = body.prefix { $0 != "." }
        guard [4, 6, 8, 10, 12, 14].contains(digits.count), digits.allSatisfy(\.isASCII),
              let y = Int(digits.prefix(4)) else { return nil }
        year = y
        month = digits.count >= 6 ? Int(digits.dropFirst(4).prefix(2)) : nil
        day = digits.count >= 8 ? Int(digits.dropFirst(6).prefix(2)) : nil
        if let month, !(1...12).contains(month) { return nil }
        if let day, !(1...31).contains(day) { return nil }
        if digits.count >= 10 {
            guard let t = DICOMTime(String(body.dropFirst(8))) else { return nil }
            time = t
        } else {
            guard digits.count == body.count else { return nil }
            time = nil
        }
    }

    public var date: DICOMDate? {
        guard let month, let day else { return nil }
        return DICOMDate(year: year, month: month, day: day)
    }

    public var description: String {
        var s = pad(year, 4)
        if let month { s += pad(month, 2) }
        if let day { s += pad(day, 2) }
        if let time { s += time.description }
        if let utcOffset { s += utcOffset }
        return s
    }
}

import DICOMCore

/// Moves DA and DT values by whole days, keeping their form: DA `YYYYMMDD` (and the old
/// `YYYY.MM.DD`, written as `YYYYMMDD`), ranges `A-B`; DT with its time and offset kept as they
/// were. A value that is not a whole date (DT with only a year, a malformed DA) cannot be moved
/// safely: the element is then emptied (nil).
public enum DateShifter {
    public static func shift(_ values: [String], vr: VR, days: Int) -> [String]? {
        var out: [String] = []
        for value in values {
            if value.isEmpty {
                out.append(value)
                continue
            }
            guard let moved = shiftOne(value, vr: vr, days: days) else { return nil }
            out.append(moved)
        }
        return out
    }

    static func shiftOne(_ value: String, vr: VR, days: Int) -> String? {
        if vr == .DA {
            let parts = value.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { return nil }
            var moved: [String] = []
            for p in parts {
                if p.isEmpty && parts.count == 2 {
                    moved.append("")
                    continue
                }
                guard let d = DICOMDate(String(p)) else { return nil }
                moved.append(d.adding(days: days).description)
            }
            return moved.joined(separator: "-")
        }
        // DT: YYYYMMDD then anything; a range A-B only when both sides start with 8 digits.
        let utf8 = Array(value.utf8)
        guard utf8.count >= 8, let d = DICOMDate(String(decoding: utf8[0..<8], as: UTF8.self)) else { return nil }
        var rest = String(decoding: utf8[8...], as: UTF8.self)
        if let dash = rest.firstIndex(of: "-"), rest[rest.index(after: dash)...].count >= 8,
           rest[rest.index(after: dash)...].prefix(8).allSatisfy(\.isNumber) {
            let head = String(rest[..<dash])
            guard let tail = shiftOne(String(rest[rest.index(after: dash)...]), vr: .DT, days: days) else { return nil }
            rest = head + "-" + tail
        }
        return d.adding(days: days).description + rest
    }
}

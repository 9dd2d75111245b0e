import Foundation

/// Compares two canonical element listings (see CanonicalRows and scripts/pydicom-canonical.py).
enum RowComparison {
    struct Difference {
        let key: String
        let field: String
        let text: String
    }

    struct Result {
        var elementsCompared = 0
        var unKeptAsEncoded = 0
        var differences: [Difference] = []
    }

    /// Compares element by element. Where one side (ours) kept a VR of UN that the other
    /// replaced with the dictionary's VR (pydicom does, dcmtk by default does not), only the
    /// value bytes are compared, and items parsed out of such a UN value are not expected.
    /// `bytesOnly` compares value bytes and structure but not VRs or decoded values (for
    /// Implicit VR output, whose VRs are the dictionary's by definition).
    static func compare(ours: [[String: Any]], theirs: [[String: Any]], bytesOnly: Bool = false) -> Result {
        var result = Result()
        var theirsByKey: [String: [String: Any]] = [:]
        for row in theirs { theirsByKey[key(row)] = row }
        var unKeptKeys: [String] = []
        var seen = Set<String>()
        func differ(_ k: String, _ field: String, _ text: String) {
            result.differences.append(Difference(key: k, field: field, text: text))
        }
        for row in ours {
            let k = key(row)
            if unKeptKeys.contains(where: { k.hasPrefix($0) }) { continue }
            seen.insert(k)
            result.elementsCompared += 1
            guard let other = theirsByKey[k] else {
                differ(k, "missing", "only sendit has \(k)")
                continue
            }
            let ourVR = row["vr"] as? String ?? "", theirVR = other["vr"] as? String ?? ""
            let unKeptAsEncoded = (ourVR == "UN") != (theirVR == "UN") && row["t"] != nil
            if unKeptAsEncoded {
                result.unKeptAsEncoded += 1
                unKeptKeys.append(k + "[")
            }
            for field in ["vr", "len", "h", "v", "undef", "n", "item_undef"] {
                if unKeptAsEncoded && field != "h" { continue }
                if bytesOnly && (field == "vr" || field == "v") { continue }
                if other[field] == nil && field != "vr" { continue }   // no raw form of it on their side
                let same: Bool
                switch field {
                case "undef", "item_undef": same = (row[field] as? Bool) == (other[field] as? Bool)
                case "v": same = sameValues(row[field], other[field], vr: ourVR)
                default: same = render(row[field]) == render(other[field])
                }
                if !same {
                    differ(k, field, "\(k) \(field): sendit \(render(row[field])) other \(render(other[field]))")
                }
            }
        }
        for row in theirs where !seen.contains(key(row)) {
            if unKeptKeys.contains(where: { key(row).hasPrefix($0) }) { continue }
            differ(key(row), "missing", "only the other reader has \(key(row))")
        }
        return result
    }

    static func key(_ row: [String: Any]) -> String {
        (row["p"] as? String ?? "") + (row["t"] as? String ?? "")
    }

    /// Decoded values, compared as the VR defines them: FL at 32-bit precision, FD and DS as
    /// doubles (pydicom sends them as repr() text), integers exactly, and strings with the
    /// padding PS3.5 calls insignificant removed from each value (pydicom trims only the end of
    /// the whole value, so "DERIVED \\PRIMARY" keeps its inner space there).
    static func sameValues(_ ours: Any?, _ theirs: Any?, vr: String) -> Bool {
        guard let a = ours as? [Any], let b = theirs as? [Any] else {
            return (ours.map(isNull) ?? true) && (theirs.map(isNull) ?? true)
        }
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) {
            switch vr {
            case "FL":
                guard let d = double(x), let e = double(y), Float(d) == Float(e) else { return false }
            case "FD", "DS":
                if isNull(x) && isNull(y) { continue }
                guard let d = double(x), let e = double(y), d == e else { return false }
            case "US", "SS", "UL", "SL", "SV", "UV", "AT", "IS":
                if isNull(x) && isNull(y) { continue }
                guard let i = integer(x), let j = integer(y), i == j else { return false }
            default:
                guard let s = x as? String, let t = y as? String else { return false }
                let trim = ["AE", "CS", "LO", "SH", "AS", "DA", "TM", "UI", "PN"].contains(vr)
                if trim ? s.trimmingCharacters(in: .whitespaces) != t.trimmingCharacters(in: .whitespaces) : s != t { return false }
            }
        }
        return true
    }


    static func isNull(_ v: Any) -> Bool { v is NSNull || v is NSNullish }

    /// A float as sendit gives it (Double) or as pydicom does (its repr() text).
    static func double(_ v: Any) -> Double? {
        if let d = v as? Double { return d }
        if let s = v as? String { return Double(s) }
        return nil
    }

    static func integer(_ v: Any) -> Int64? {
        if let i = v as? Int { return Int64(i) }
        if let n = v as? NSNumber { return n.int64Value }
        return nil
    }

    static func render(_ v: Any?) -> String {
        switch v {
        case nil: return "-"
        case is NSNull, is NSNullish: return "null"
        case let s as String: return "\"" + s + "\""
        case let i as Int: return "\(Double(i))"
        case let n as NSNumber: return "\(n.doubleValue)"
        case let d as Double: return "\(d)"
        case let list as [Any]: return "[" + list.map { render($0) }.joined(separator: ",") + "]"
        case let list as [Any?]: return "[" + list.map { render($0) }.joined(separator: ",") + "]"
        default: return "?\(String(describing: v!))"
        }
    }
}

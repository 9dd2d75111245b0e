import Foundation

/// Compares two DICOM JSON Model objects (PS3.18 F.2) attribute by attribute.
enum JSONModelComparison {
    /// Returns the number of attributes compared; differences are appended.
    static func compare(_ a: [String: Any], _ b: [String: Any], at path: String, bigEndian: Bool = false,
                        into differences: inout [String]) -> Int {
        var count = 0
        for key in Set(a.keys).union(b.keys).sorted() {
            guard let x = a[key] as? [String: Any], let y = b[key] as? [String: Any] else {
                differences.append("\(path) \(key): only in \(a[key] == nil ? "pydicom" : "sendit")")
                continue
            }
            count += 1
            let vr = x["vr"] as? String ?? "?"
            // pydicom substitutes the dictionary VR for UN; sendit keeps the VR as encoded.
            if vr == "UN" && y["vr"] as? String != "UN" { continue }
            if vr != y["vr"] as? String { differences.append("\(path) \(key): vr \(vr) vs \(y["vr"] ?? "-")"); continue }
            if vr == "SQ" {
                let xs = x["Value"] as? [[String: Any]] ?? [], ys = y["Value"] as? [[String: Any]] ?? []
                guard xs.count == ys.count else { differences.append("\(path) \(key): \(xs.count) vs \(ys.count) items"); continue }
                for (i, (p, q)) in zip(xs, ys).enumerated() {
                    count += compare(p, q, at: "\(path) \(key)[\(i)]", bigEndian: bigEndian, into: &differences)
                }
                continue
            }
            if let ib = x["InlineBinary"] as? String {
                // pydicom base64-encodes a big endian file's bytes as they are; sendit, like dcmtk's
                // dcm2json, gives the value in little endian.
                if ib != y["InlineBinary"] as? String && !bigEndian { differences.append("\(path) \(key): InlineBinary differs") }
                continue
            }
            let xv = x["Value"] as? [Any] ?? [], yv = y["Value"] as? [Any] ?? []
            if !same(xv, yv) { differences.append("\(path) \(key) \(vr): \(xv) vs \(yv)") }
        }
        return count
    }

    static func same(_ a: [Any], _ b: [Any]) -> Bool {
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) {
            switch (x, y) {
            case (let p as [String: Any], let q as [String: Any]):
                for g in ["Alphabetic", "Ideographic", "Phonetic"] where (p[g] as? String ?? "") != (q[g] as? String ?? "") { return false }
            // Padding inside a multi-valued string: sendit trims each value, pydicom only the end.
            case (let s as String, let t as String): if s != t.trimmingCharacters(in: .whitespaces) { return false }
            // An empty value among several: null in sendit and dcmtk's dcm2json, "" in pydicom.
            case (is NSNull, let t as String): if !t.isEmpty { return false }
            case (let m as NSNumber, let n as NSNumber):
                if m.doubleValue != n.doubleValue && abs(m.doubleValue - n.doubleValue) > 1e-9 * max(1, abs(n.doubleValue)) { return false }
            case (is NSNull, is NSNull): break
            default: return false
            }
        }
        return true
    }
}

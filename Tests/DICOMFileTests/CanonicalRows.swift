import DICOMCore
import DICOMFile

/// The element listing scripts/pydicom-canonical.py prints, built from sendit's reading, so the
/// two readers can be compared element by element.
enum CanonicalRows {
    static func rows(of dataSet: DataSet) throws -> [[String: Any]] {
        var rows: [[String: Any]] = []
        try walk(dataSet, prefix: "", characterSet: dataSet.specificCharacterSet, into: &rows)
        return rows
    }

    static func walk(_ ds: DataSet, prefix: String, characterSet: SpecificCharacterSet, into rows: inout [[String: Any]]) throws {
        for e in ds {
            let t = e.tag.hexString
            switch e.value {
            case .sequence(let items):
                rows.append(["p": prefix, "t": t, "vr": "SQ", "undef": e.hasUndefinedLength, "n": items.count])
                for (i, item) in items.enumerated() {
                    let p = prefix + "\(t)[\(i)]."
                    rows.append(["p": p, "item_undef": item.hasUndefinedLength])
                    let cs = item.contains(.specificCharacterSet) ? item.specificCharacterSet : characterSet
                    try walk(item, prefix: p, characterSet: cs, into: &rows)
                }
            case .fragments(let fragments):
                var stream: [UInt8] = []
                for f in fragments {
                    let b = try f.load()
                    stream += [0xFE, 0xFF, 0x00, 0xE0]
                    withUnsafeBytes(of: UInt32(b.count).littleEndian) { stream += $0 }
                    stream += b
                }
                rows.append(["p": prefix, "t": t, "vr": e.vr.code, "len": "u/l", "h": fnv(stream), "v": NSNullish.null])
            case .binary(let b):
                let bytes = try b.load()
                let loaded = DataElement(tag: e.tag, vr: e.vr, bytes: bytes)
                rows.append(["p": prefix, "t": t, "vr": e.vr.code, "len": Int(b.length), "h": fnv(bytes),
                             "v": decoded(loaded, characterSet: characterSet)])
            }
        }
    }

    static func decoded(_ e: DataElement, characterSet: SpecificCharacterSet) -> Any {
        switch e.vr {
        case .DS: return e.strings().map { Double($0) as Any? ?? NSNullish.null }
        case .IS: return e.strings().map { Int($0.hasPrefix("+") ? String($0.dropFirst()) : $0) as Any? ?? NSNullish.null }
        case .US, .SS, .UL, .SL, .SV, .UV: return e.integers
        case .AT: return e.tags.map { Int($0.rawValue) }
        case .FL: return e.floats.map { Double($0) }
        case .FD: return e.doubles
        default:
            if e.vr.isString {
                if e.vr == .PN { return e.personNames(characterSet: characterSet).map(\.description) }
                return e.strings(characterSet: characterSet)
            }
            return NSNullish.null
        }
    }

    static func fnv(_ bytes: [UInt8]) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        let s = String(h, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}

/// Stands for JSON null in rows (Foundation's NSNull compares awkwardly with Any).
enum NSNullish { case null }

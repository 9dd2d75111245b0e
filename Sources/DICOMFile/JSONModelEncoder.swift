import DICOMCore

/// The DICOM JSON Model (PS3.18 F.2): an object keyed by 8-digit tags in ascending order, each
/// with "vr" and "Value" (strings, numbers, person-name objects, nested objects for sequences)
/// or "InlineBinary" (base64) for the binary VRs. Values left in the file are given as a
/// "BulkDataURI" (file URL with offset and length) unless `inlineDeferredValues` is set.
public struct JSONModelEncoder {
    public var inlineDeferredValues = false

    public init() {}

    public func encode(_ dataSet: DataSet) throws -> String {
        var out = ""
        try encode(dataSet, characterSet: dataSet.specificCharacterSet, into: &out)
        return out
    }

    func encode(_ dataSet: DataSet, characterSet: SpecificCharacterSet, into out: inout String) throws {
        out += "{"
        var first = true
        for e in dataSet {
            if !first { out += "," }
            first = false
            out += "\"" + e.tag.hexString + "\":{\"vr\":\"" + e.vr.code + "\""
            try value(e, characterSet: characterSet, into: &out)
            out += "}"
        }
        out += "}"
    }

    func value(_ e: DataElement, characterSet: SpecificCharacterSet, into out: inout String) throws {
        switch e.value {
        case .sequence(let items):
            guard !items.isEmpty else { return }
            out += ",\"Value\":["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                let cs = item.contains(.specificCharacterSet) ? item.specificCharacterSet : characterSet
                try encode(item, characterSet: cs, into: &out)
            }
            out += "]"
        case .fragments(let fragments):
            var stream: [UInt8] = []
            for f in fragments {
                let bytes = try f.load()
                stream += [0xFE, 0xFF, 0x00, 0xE0]
                withUnsafeBytes(of: UInt32(bytes.count + bytes.count % 2).littleEndian) { stream += $0 }
                stream += bytes
                if bytes.count % 2 == 1 { stream.append(0) }
            }
            out += ",\"InlineBinary\":\"" + Base64.encode(stream) + "\""
        case .binary(let b):
            if b.length == 0 { return }
            if case .deferred(let loc) = b, !inlineDeferredValues {
                out += ",\"BulkDataURI\":\"" + JSONModelEncoder.escape("file://\(loc.path)?offset=\(loc.offset)&length=\(loc.length)") + "\""
                return
            }
            let vr = e.vr
            if vr.isBulkBinary {
                out += ",\"InlineBinary\":\"" + Base64.encode(try b.load()) + "\""
                return
            }
            var items: [String]
            switch vr {
            case .PN:
                items = e.personNames(characterSet: characterSet).map { pn in
                    if pn.description.isEmpty { return "null" }
                    var parts: [String] = []
                    if !pn.alphabetic.isEmpty { parts.append("\"Alphabetic\":\"" + JSONModelEncoder.escape(pn.alphabetic) + "\"") }
                    if !pn.ideographic.isEmpty { parts.append("\"Ideographic\":\"" + JSONModelEncoder.escape(pn.ideographic) + "\"") }
                    if !pn.phonetic.isEmpty { parts.append("\"Phonetic\":\"" + JSONModelEncoder.escape(pn.phonetic) + "\"") }
                    return "{" + parts.joined(separator: ",") + "}"
                }
            case .DS, .IS:
                items = e.strings().map { JSONModelEncoder.number($0, integer: vr == .IS) }
            case .US: items = e.uint16s.map { String($0) }
            case .SS: items = e.int16s.map { String($0) }
            case .UL: items = e.uint32s.map { String($0) }
            case .SL: items = e.int32s.map { String($0) }
            case .UV: items = e.uint64s.map { String($0) }
            case .SV: items = e.int64s.map { String($0) }
            case .FL: items = e.floats.map { JSONModelEncoder.float(Double($0)) }
            case .FD: items = e.doubles.map { JSONModelEncoder.float($0) }
            case .AT: items = e.tags.map { "\"" + $0.hexString + "\"" }
            default:
                items = e.strings(characterSet: characterSet).map { $0.isEmpty ? "null" : "\"" + JSONModelEncoder.escape($0) + "\"" }
            }
            if items.isEmpty { return }
            out += ",\"Value\":[" + items.joined(separator: ",") + "]"
        }
    }

    /// A DS or IS value as a JSON number; empty → null; text that is not a number stays a
    /// string (invalid DICOM, but never invalid JSON).
    static func number(_ text: String, integer: Bool) -> String {
        if text.isEmpty { return "null" }
        if isJSONNumber(text) { return text }
        if integer, let i = Int(text.hasPrefix("+") ? String(text.dropFirst()) : text) { return String(i) }
        if let d = Double(text), d.isFinite { return float(d) }
        return "\"" + escape(text) + "\""
    }

    static func float(_ d: Double) -> String {
        guard d.isFinite else { return "\"" + (d.isNaN ? "NaN" : d > 0 ? "Infinity" : "-Infinity") + "\"" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }

    /// JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    static func isJSONNumber(_ s: String) -> Bool {
        var u = Array(s.utf8)[...]
        func digits() -> Int {
            var n = 0
            while let c = u.first, c >= 0x30 && c <= 0x39 { u = u.dropFirst(); n += 1 }
            return n
        }
        if u.first == UInt8(ascii: "-") { u = u.dropFirst() }
        if u.first == UInt8(ascii: "0") { u = u.dropFirst() } else if digits() == 0 { return false }
        if u.first == UInt8(ascii: ".") { u = u.dropFirst(); if digits() == 0 { return false } }
        if u.first == UInt8(ascii: "e") || u.first == UInt8(ascii: "E") {
            u = u.dropFirst()
            if u.first == UInt8(ascii: "+") || u.first == UInt8(ascii: "-") { u = u.dropFirst() }
            if digits() == 0 { return false }
        }
        return u.isEmpty
    }

    /// A JSON string's content (without its quotes): quotes, backslashes and control characters
    /// escaped. Also `sendit report`'s JSON.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}

enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= bytes.count {
            let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [alphabet[Int(v >> 18)], alphabet[Int(v >> 12 & 63)], alphabet[Int(v >> 6 & 63)], alphabet[Int(v & 63)]]
            i += 3
        }
        let rest = bytes.count - i
        if rest > 0 {
            let v = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
            out += [alphabet[Int(v >> 18)], alphabet[Int(v >> 12 & 63)]]
            out += rest == 2 ? [alphabet[Int(v >> 6 & 63)], UInt8(ascii: "=")] : [UInt8(ascii: "="), UInt8(ascii: "=")]
        }
        return String(decoding: out, as: UTF8.self)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Specific Character Set (0008,0005) of a data set, and decoding of its text values
/// (PS3.5 6.1, PS3.3 C.12.1.1.2). Values stay as bytes in the data set; this only decodes them
/// for display. Decoding uses the C library's iconv. Unknown terms and invalid bytes never fail:
/// a byte that cannot be decoded becomes U+FFFD.
///
/// The term-to-encoding and escape-sequence tables below are the code-extension rules of
/// PS3.3 Tables C.12-2 to C.12-5; the spec tables this project generates from do not include them.
public struct SpecificCharacterSet: Hashable, Sendable, CustomStringConvertible {
    /// The defined terms as they appear in (0008,0005); an empty first term is the default repertoire.
    public let terms: [String]

    public init(terms: [String]) {
        self.terms = terms.map { $0.trimmingSpaces() }
    }

    public static let `default` = SpecificCharacterSet(terms: [])
    public static let utf8 = SpecificCharacterSet(terms: ["ISO_IR 192"])

    public var description: String { terms.isEmpty ? "(default repertoire)" : terms.joined(separator: "\\") }

    /// True if every term is one this decoder knows.
    public var isKnown: Bool {
        terms.allSatisfy { $0.isEmpty || SpecificCharacterSet.encodingName($0) != nil }
    }

    var usesCodeExtensions: Bool { terms.contains { $0.hasPrefix("ISO 2022") } }

    /// Decodes one value (or one person-name group).
    public func decode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        // Contiguous bytes (an ArraySlice, an Array) take the fast path: this generic is not
        // specialised across modules, and byte-by-byte through the Collection protocol cost
        // the de-identifier 7% of its time.
        switch bytes.withContiguousStorageIfAvailable({ SpecificCharacterSet.decodeIfPlain($0) }) {
        case .some(.some(let plain)): return plain
        case .some(.none): break   // contiguous, and the character set decides
        case .none:
            if !bytes.contains(where: { $0 >= 0x80 || $0 == 0x1B }) { return String(decoding: bytes, as: UTF8.self) }
        }
        let first = terms.first ?? ""
        if !usesCodeExtensions {
            if first == "ISO_IR 192" { return SpecificCharacterSet.decodeUTF8(Array(bytes)) }
            return Iconv.decode(Array(bytes), from: SpecificCharacterSet.encodingName(first) ?? "ISO-8859-1")
        }
        return decodeWithCodeExtensions(Array(bytes))
    }

    /// Bytes decoded in an encoding the C library's iconv names (`SHIFT_JIS`, `GB18030`…; also
    /// `JIS_X0201`): for binary values read as text. Undecodable bytes become U+FFFD.
    public static func decode(_ bytes: [UInt8], encodingName: String) -> String {
        Iconv.decode(bytes, from: encodingName)
    }

    /// UTF-8, where each byte that is not part of a valid sequence is read as Latin-1: a value
    /// written in Latin-1 under ISO_IR 192 (a common sender's mistake) reads as its sender meant,
    /// so a name and a text holding it decode alike.
    static func decodeUTF8(_ bytes: [UInt8]) -> String {
        if let valid = String(validating: bytes, as: UTF8.self) { return valid }
        var scalars = String.UnicodeScalarView()
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i]
            if b0 < 0x80 { scalars.append(Unicode.Scalar(b0)); i += 1; continue }
            let length = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC2 ? 2 : 0
            if length > 0, i + length <= bytes.count,
               let s = String(validating: bytes[i..<(i + length)], as: UTF8.self), s.unicodeScalars.count == 1 {
                scalars.append(s.unicodeScalars.first!)
                i += length
            } else {
                scalars.append(Unicode.Scalar(b0))
                i += 1
            }
        }
        return String(scalars)
    }

    /// The text of bytes with no high bit and no escape (the same in every character set), or
    /// nil when the character set must decide.
    static func decodeIfPlain(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        for b in bytes where b >= 0x80 || b == 0x1B { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// iconv encoding for a defined term (PS3.3 Tables C.12-2 and C.12-3/4).
    static func encodingName(_ term: String) -> String? {
        switch term.hasPrefix("ISO 2022 ") ? "ISO_" + term.dropFirst(9) : term {
        case "", "ISO_IR 6": return "ISO-8859-1"   // ASCII; stray 8-bit bytes read as Latin-1, as pydicom does
        case "ISO_IR 100": return "ISO-8859-1"
        case "ISO_IR 101": return "ISO-8859-2"
        case "ISO_IR 109": return "ISO-8859-3"
        case "ISO_IR 110": return "ISO-8859-4"
        case "ISO_IR 144": return "ISO-8859-5"
        case "ISO_IR 127": return "ISO-8859-6"
        case "ISO_IR 126": return "ISO-8859-7"
        case "ISO_IR 138": return "ISO-8859-8"
        case "ISO_IR 148": return "ISO-8859-9"
        case "ISO_IR 203": return "ISO-8859-15"
        case "ISO_IR 166": return "TIS-620"
        case "ISO_IR 13": return "JIS_X0201"
        case "ISO_IR 87", "ISO_IR 159": return "EUC-JP"
        case "ISO_IR 149": return "EUC-KR"
        case "ISO_IR 58": return "GB2312"
        case "ISO_IR 192": return "UTF-8"
        case "GB18030": return "GB18030"
        case "GBK": return "GBK"
        default: return nil
        }
    }

    /// The graphic sets an escape sequence designates (PS3.3 Tables C.12-3 and C.12-4).
    enum GraphicSet {
        case ascii, jisRomaji, jisX0208, jisX0212, highBytes(String)
    }

    static func designation(after esc: ArraySlice<UInt8>) -> (GraphicSet, g1: Bool, length: Int)? {
        let s = Array(esc.prefix(3))
        func at(_ i: Int) -> UInt8? { i < s.count ? s[i] : nil }
        switch (at(0), at(1), at(2)) {
        case (0x28, 0x42, _): return (.ascii, false, 2)                 // ESC ( B   ISO-IR 6
        case (0x28, 0x40, _): return (.ascii, false, 2)                 // ESC ( @   ISO 646 IRV (ASCII but for ¤)
        case (0x28, 0x4A, _): return (.jisRomaji, false, 2)             // ESC ( J   ISO-IR 13 G0
        case (0x29, 0x49, _): return (.highBytes("JIS_X0201"), true, 2) // ESC ) I   ISO-IR 13 G1
        case (0x24, 0x42, _): return (.jisX0208, false, 2)              // ESC $ B   ISO-IR 87
        case (0x24, 0x28, 0x44): return (.jisX0212, false, 3)           // ESC $ ( D ISO-IR 159
        case (0x24, 0x29, 0x43): return (.highBytes("EUC-KR"), true, 3) // ESC $ ) C ISO-IR 149
        case (0x24, 0x29, 0x41): return (.highBytes("GB2312"), true, 3) // ESC $ ) A ISO-IR 58
        case (0x2D, let f?, _):
            let names: [UInt8: String] = [0x41: "ISO-8859-1", 0x42: "ISO-8859-2", 0x43: "ISO-8859-3",
                                          0x44: "ISO-8859-4", 0x4C: "ISO-8859-5", 0x47: "ISO-8859-6",
                                          0x46: "ISO-8859-7", 0x48: "ISO-8859-8", 0x4D: "ISO-8859-9",
                                          0x54: "TIS-620", 0x62: "ISO-8859-15"]
            return names[f].map { (.highBytes($0), true, 2) }
        default: return nil
        }
    }

    func decodeWithCodeExtensions(_ bytes: [UInt8]) -> String {
        // Initial designations come from the first term (PS3.5 6.1.2.5.3).
        let first = terms.first ?? ""
        var g0: GraphicSet = first == "ISO 2022 IR 13" ? .jisRomaji : .ascii
        var g1: String = SpecificCharacterSet.encodingName(first) ?? "ISO-8859-1"
        var out = ""
        var segment: [UInt8] = []
        func flush() {
            guard !segment.isEmpty else { return }
            switch g0 {
            case .jisX0208:
                out += Iconv.decode(segment.map { $0 < 0x80 && $0 > 0x20 ? $0 | 0x80 : $0 }, from: "EUC-JP")
            case .jisX0212:
                var euc: [UInt8] = []
                var i = 0
                while i + 1 < segment.count {
                    euc += [0x8F, segment[i] | 0x80, segment[i + 1] | 0x80]
                    i += 2
                }
                out += Iconv.decode(euc, from: "EUC-JP")
            case .jisRomaji:
                out += Iconv.decode(segment, from: "JIS_X0201")
            case .ascii, .highBytes:
                out += segment.contains { $0 >= 0x80 } ? Iconv.decode(segment, from: g1)
                    : String(decoding: segment, as: UTF8.self)
            }
            segment.removeAll(keepingCapacity: true)
        }
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x1B, let (set, isG1, length) = SpecificCharacterSet.designation(after: bytes[(i + 1)...]) {
                flush()
                if isG1, case .highBytes(let name) = set { g1 = name } else { g0 = set }
                i += 1 + length
                continue
            }
            if bytes[i] == 0x1B {
                // An escape sequence this decoder does not know (ESC, intermediates 20–2F, a
                // final 30–7E): dropped, the text around it decoded in the sets in force, so
                // nothing undecoded stays between the letters it separates. A lone ESC
                // becomes U+FFFD.
                var j = i + 1
                while j < bytes.count && (0x20...0x2F).contains(bytes[j]) { j += 1 }
                if j > i + 1, j < bytes.count, (0x30...0x7E).contains(bytes[j]) {
                    i = j + 1
                } else {
                    flush()
                    out += "\u{FFFD}"
                    i += 1
                }
                continue
            }
            segment.append(bytes[i])
            i += 1
        }
        flush()
        return out
    }
}

extension String {
    func trimmingSpaces() -> String {
        let u = Array(utf8)
        var lo = 0, hi = u.count
        while lo < hi && (u[lo] == 0x20 || u[lo] == 0) { lo += 1 }
        while hi > lo && (u[hi - 1] == 0x20 || u[hi - 1] == 0) { hi -= 1 }
        return String(decoding: u[lo..<hi], as: UTF8.self)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte decoding through the C library's iconv. Invalid input bytes become U+FFFD; an
/// encoding iconv does not know decodes as Latin-1 (every byte maps to a character).
enum Iconv {
    static func decode(_ input: [UInt8], from encoding: String) -> String {
        if encoding == "UTF-8" { return String(decoding: input, as: UTF8.self) }
        if encoding == "JIS_X0201" { return decodeJISX0201(input) }
        let cd = iconv_open("UTF-8", encoding)
        if cd == iconv_t(bitPattern: -1) {
            return String(input.map { Character(Unicode.Scalar($0)) })
        }
        defer { iconv_close(cd) }
        var output: [UInt8] = []
        output.reserveCapacity(input.count * 3)
        var scratch = [UInt8](repeating: 0, count: max(64, input.count * 4 + 16))
        var position = 0
        while position < input.count {
            let (consumed, produced, failed) = input.withUnsafeBufferPointer { inBuf -> (Int, Int, Bool) in
                scratch.withUnsafeMutableBufferPointer { outBuf -> (Int, Int, Bool) in
                    var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(mutating: inBuf.baseAddress! + position)
                        .assumingMemoryBound(to: CChar.self)
                    var inLeft = input.count - position
                    var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBuf.baseAddress!)
                        .assumingMemoryBound(to: CChar.self)
                    var outLeft = outBuf.count
                    let r = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                    return (input.count - position - inLeft, outBuf.count - outLeft, r == -1)
                }
            }
            output += scratch[0..<produced]
            position += consumed
            if failed {
                if errno == E2BIG { continue }
                output += [0xEF, 0xBF, 0xBD]   // U+FFFD for the byte iconv could not take
                position += 1
                _ = iconv(cd, nil, nil, nil, nil)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// JIS X 0201 (ISO-IR 13 with its Roman set, ISO-IR 14), which glibc's iconv does not know:
    /// bytes A1–DF are the half-width katakana U+FF61–U+FF9F, bytes below 80 are read as ASCII
    /// (as other DICOM readers do), anything else is U+FFFD.
    static func decodeJISX0201(_ input: [UInt8]) -> String {
        var scalars = String.UnicodeScalarView()
        for b in input {
            switch b {
            case 0..<0x80: scalars.append(Unicode.Scalar(b))
            case 0xA1...0xDF: scalars.append(Unicode.Scalar(0xFF61 + UInt32(b) - 0xA1)!)
            default: scalars.append("\u{FFFD}")
            }
        }
        return String(scalars)
    }
}

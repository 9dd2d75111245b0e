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
}

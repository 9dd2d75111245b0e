/// Cutting matched ranges out of a value's UTF-8, then tidying what is left (matching spec 4):
/// whitespace runs collapsed to one space (in LT, ST and UT a run holding a line break
/// becomes that line break, so a report keeps its lines), the value trimmed, and a value left
/// with no letter or digit (`^`, `+ ()`, `-`) emptied.
enum TextRemoval {
    static func remove(_ ranges: [Range<Int>], from src: UnsafeBufferPointer<UInt8>, keepLineBreaks: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(src.count)
        var pendingSpace = false
        var pendingCR = false, pendingLF = false
        var next = 0   // index into ranges
        var i = 0
        var hasWord = false
        var hasNonASCII = false
        while i < src.count {
            if next < ranges.count && i >= ranges[next].lowerBound {
                i = max(i, ranges[next].upperBound)
                next += 1
                continue
            }
            let b = src[i]
            let space = whitespaceLength(src, i)
            if space > 0 {
                pendingSpace = true
                if b == 0x0D { pendingCR = true } else if b == 0x0A { pendingLF = true }
                i += space
                continue
            }
            if !out.isEmpty && pendingSpace {
                if keepLineBreaks && (pendingCR || pendingLF) {
                    if pendingCR { out.append(0x0D) }
                    if pendingLF { out.append(0x0A) }
                } else {
                    out.append(0x20)
                }
            }
            pendingSpace = false; pendingCR = false; pendingLF = false
            out.append(b)
            if b < 0x80 { hasWord = hasWord || TextFold.isASCIIWordByte(b) } else { hasNonASCII = true }
            i += 1
        }
        let text = String(decoding: out, as: UTF8.self)
        if !hasWord && !(hasNonASCII && text.unicodeScalars.contains(where: TextFold.isWordScalar)) { return "" }
        return text
    }

    /// The length in bytes of the whitespace character at `i`, or 0: ASCII space, tab, line
    /// breaks; no-break, ideographic and the other Unicode spaces.
    static func whitespaceLength(_ s: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        let b = s[i]
        switch b {
        case 0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D: return 1
        case 0xC2: return i + 1 < s.count && s[i + 1] == 0xA0 ? 2 : 0
        case 0xE1: return i + 2 < s.count && s[i + 1] == 0x9A && s[i + 2] == 0x80 ? 3 : 0
        case 0xE2:
            guard i + 2 < s.count else { return 0 }
            let (b1, b2) = (s[i + 1], s[i + 2])
            if b1 == 0x80 && (b2 <= 0x8A || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF) { return 3 }
            return b1 == 0x81 && b2 == 0x9F ? 3 : 0
        case 0xE3: return i + 2 < s.count && s[i + 1] == 0x80 && s[i + 2] == 0x80 ? 3 : 0
        default: return 0
        }
    }
}

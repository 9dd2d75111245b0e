/// Finds needles in bytes in one pass (matching spec 2.2): every position whose first two bytes
/// may begin some needle (a 16 Ki-bit table of two-byte prefixes, folded: small enough to be
/// made for every copy) is compared with the needles of exactly that prefix, then the needle's
/// boundary is checked against the scalars beside the match.
/// `ignoringASCIICase`: the haystack's ASCII capitals read as small letters (the byte search of
/// the file; folded text is lower case already).
struct NeedleMatcher: Sendable {
    let needles: [GateNeedle]
    let ignoringASCIICase: Bool
    /// Bit `slot(p)` set: some needle may begin with the two bytes p >> 8, p & 0xFF.
    private var prefixBits: [UInt64]
    /// Needle indices ordered by their two-byte prefix, and the prefixes in that order.
    private var order: [Int]
    private var prefixes: [UInt16]
    /// Single-byte needles (a folded character of one byte cannot be a needle, but be safe).
    private var singles: [Int]

    init(_ needles: [GateNeedle], ignoringASCIICase: Bool = false) {
        self.needles = needles.filter { !$0.bytes.isEmpty }
        self.ignoringASCIICase = ignoringASCIICase
        prefixBits = [UInt64](repeating: 0, count: 256)
        var pairs: [(UInt16, Int)] = []
        singles = []
        for (i, n) in self.needles.enumerated() {
            if n.bytes.count == 1 { singles.append(i); continue }
            let p = UInt16(n.bytes[0]) << 8 | UInt16(n.bytes[1])
            let slot = NeedleMatcher.slot(p)
            prefixBits[slot >> 6] |= 1 << UInt64(slot & 63)
            pairs.append((p, i))
        }
        pairs.sort { $0.0 < $1.0 }
        order = pairs.map(\.1)
        prefixes = pairs.map(\.0)
    }

    var isEmpty: Bool { needles.isEmpty }

    /// A two-byte prefix folded to 14 bits (the second byte's top bits over the first's).
    @inline(__always)
    static func slot(_ p: UInt16) -> Int { Int((p >> 8) ^ ((p & 0xFF) << 6)) & 0x3FFF }

    static let lowerASCII: [UInt8] = (0...255).map { b in b >= 0x41 && b <= 0x5A ? UInt8(b) | 0x20 : UInt8(b) }

    /// The first needle found in `b[lo..<hi]` that `accept` takes (it sees the needle and the
    /// match's offset), or nil. Scalars outside the range count as nothing beside the match.
    func firstMatch(in b: UnsafeBufferPointer<UInt8>, from lo: Int, to hi: Int,
                    accept: (GateNeedle, Int) -> Bool = { _, _ in true }) -> (GateNeedle, Int)? {
        guard !needles.isEmpty, hi - lo >= 1 else { return nil }
        let lower = NeedleMatcher.lowerASCII
        return lower.withUnsafeBufferPointer { low -> (GateNeedle, Int)? in
            prefixBits.withUnsafeBufferPointer { bits -> (GateNeedle, Int)? in
                @inline(__always) func at(_ i: Int) -> UInt8 { ignoringASCIICase ? low[Int(b[i])] : b[i] }
                if !singles.isEmpty {
                    for i in lo..<hi {
                        for k in singles where needles[k].bytes[0] == at(i) {
                            if matches(needles[k], in: b, at: i, lo: lo, hi: hi), accept(needles[k], i) { return (needles[k], i) }
                        }
                    }
                }
                guard hi - lo >= 2 else { return nil }
                var first = at(lo)
                for i in lo..<(hi - 1) {
                    let second = at(i + 1)
                    let p = UInt16(first) << 8 | UInt16(second)
                    first = second
                    let slot = NeedleMatcher.slot(p)
                    guard bits[slot >> 6] & (1 << UInt64(slot & 63)) != 0 else { continue }
                    var k = lowerBound(p)
                    while k < prefixes.count && prefixes[k] == p {
                        let n = needles[order[k]]
                        if matches(n, in: b, at: i, lo: lo, hi: hi), accept(n, i) { return (n, i) }
                        k += 1
                    }
                }
                return nil
            }
        }
    }

    func lowerBound(_ p: UInt16) -> Int {
        var a = 0, z = prefixes.count
        while a < z {
            let mid = (a + z) >> 1
            if prefixes[mid] < p { a = mid + 1 } else { z = mid }
        }
        return a
    }

    /// The needle's bytes are at `i` and its boundary holds.
    func matches(_ n: GateNeedle, in b: UnsafeBufferPointer<UInt8>, at i: Int, lo: Int, hi: Int) -> Bool {
        let count = n.bytes.count
        guard i + count <= hi else { return false }
        let lower = NeedleMatcher.lowerASCII
        for j in 0..<count {
            let h = ignoringASCIICase ? lower[Int(b[i + j])] : b[i + j]
            if h != n.bytes[j] { return false }
        }
        return NeedleMatcher.bounded(n.boundary, before: GateScalars.scalar(before: i, in: b, lowerBound: lo),
                                     after: GateScalars.scalar(at: i + count, in: b, upperBound: hi))
    }

    static func bounded(_ boundary: GateNeedle.Boundary, before: Unicode.Scalar?, after: Unicode.Scalar?) -> Bool {
        func digitOrDot(_ c: Unicode.Scalar?) -> Bool { c.map { GateScalars.isDigit($0) || $0 == "." } ?? false }
        func digit(_ c: Unicode.Scalar?) -> Bool { c.map(GateScalars.isDigit) ?? false }
        func word(_ c: Unicode.Scalar?) -> Bool { c.map(GateScalars.isLetterOrDigit) ?? false }
        switch boundary {
        case .substring: return true
        case .word: return !word(before) && !word(after)
        case .number: return !digitOrDot(before) && !digitOrDot(after)
        case .date: return !digitOrDot(before) && !digit(after)
        // After a `.` only as a whole component of a dotted number (a UID written in text).
        case .dateThenDigits: return !digit(before) && (before != "." || !digit(after))
        }
    }
}

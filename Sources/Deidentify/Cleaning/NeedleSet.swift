/// Needles searched together in folded text: grouped by their first byte, so each position of
/// the text is compared only with the needles that can start there (one table read when none
/// can). Matching is on UTF-8 bytes, which is matching on characters: a needle starts with a
/// lead byte, which no continuation byte equals. The needles' bytes sit in one pool, so the
/// search touches no reference counts.
struct NeedleSet: Sendable {
    let needles: [Needle]
    /// Each needle's kind and rule, by index.
    let kinds: [IdentifyingKind]
    private let matches: [Needle.Match]
    /// Needle k's bytes are pool[offsets[k]..<offsets[k + 1]].
    private let pool: [UInt8]
    private let offsets: [Int32]
    /// Needles starting with byte b are needles[start[b]..<start[b + 1]].
    private let start: [Int32]

    init(_ needles: [Needle]) {
        // Sorted by first byte, then length, through keys (sorting the needles themselves moves
        // their arrays about, which costs more than the rest of the set).
        let order = needles.indices.map { (UInt64(needles[$0].bytes[0]) << 56 | UInt64(min(needles[$0].bytes.count, 0xFF_FFFF)) << 32
                                           | UInt64($0)) }.sorted()
        let sorted = order.map { needles[Int($0 & 0xFFFF_FFFF)] }
        var start = [Int32](repeating: 0, count: 257)
        for n in sorted { start[Int(n.bytes[0]) + 1] += 1 }
        for b in 0..<256 { start[b + 1] += start[b] }
        var pool: [UInt8] = []
        var offsets: [Int32] = [0]
        offsets.reserveCapacity(sorted.count + 1)
        for n in sorted {
            pool += n.bytes
            offsets.append(Int32(pool.count))
        }
        self.needles = sorted
        self.kinds = sorted.map(\.kind)
        self.matches = sorted.map(\.match)
        self.pool = pool
        self.offsets = offsets
        self.start = start
    }

    var isEmpty: Bool { needles.isEmpty }

    /// Calls `found(needle index, lo, hi)` for every match in folded text `h` that the
    /// needle's rule allows (spec 2.2); `found` returns false to stop.
    func forEachMatch(in h: UnsafeBufferPointer<UInt8>, _ found: (Int, Int, Int) -> Bool) {
        guard !needles.isEmpty else { return }
        let n = h.count
        start.withUnsafeBufferPointer { start in
            offsets.withUnsafeBufferPointer { offsets in
                pool.withUnsafeBufferPointer { pool in
                    matches.withUnsafeBufferPointer { matches in
                        for i in 0..<n {
                            let b = Int(h[i])
                            var k = Int(start[b])
                            let end = Int(start[b + 1])
                            while k < end {
                                let lo = Int(offsets[k]), m = Int(offsets[k + 1]) - lo
                                if m > n - i { break }   // sorted by length within a first byte
                                var j = 1
                                while j < m && h[i + j] == pool[lo + j] { j += 1 }
                                if j == m && NeedleSet.allows(matches[k], h, i, i + m) && !found(k, i, i + m) { return }
                                k += 1
                            }
                        }
                    }
                }
            }
        }
    }

    /// The rule of spec 2.2 at a match `lo..<hi` of folded text.
    static func allows(_ match: Needle.Match, _ h: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Bool {
        switch match {
        case .anywhere:
            return true
        case .word:
            if lo > 0, let u = scalar(before: lo, in: h), TextFold.isWordScalar(u) { return false }
            if hi < h.count, let u = scalar(at: hi, in: h), TextFold.isWordScalar(u) { return false }
            return true
        case .number:
            if lo > 0 && (TextFold.isDigit(h[lo - 1]) || h[lo - 1] == 0x2E) { return false }
            if hi < h.count && (TextFold.isDigit(h[hi]) || h[hi] == 0x2E) { return false }
            return true
        case .datePrefix:
            // Not inside a longer number; after a `.` only as a whole component of a dotted
            // number (`1.2.826.0.1.19581104.1`, a UID written in text), not as a prefix there.
            if lo > 0 && TextFold.isDigit(h[lo - 1]) { return false }
            if lo > 0 && h[lo - 1] == 0x2E { return !(hi < h.count && TextFold.isDigit(h[hi])) }
            return true
        }
    }

    /// The scalar that ends just before byte `i` of UTF-8 text.
    static func scalar(before i: Int, in h: UnsafeBufferPointer<UInt8>) -> Unicode.Scalar? {
        if h[i - 1] < 0x80 { return Unicode.Scalar(h[i - 1]) }
        var s = i - 1
        while s > 0 && h[s] & 0xC0 == 0x80 { s -= 1 }
        return scalar(at: s, in: h)
    }

    /// The scalar that starts at byte `i` of UTF-8 text.
    static func scalar(at i: Int, in h: UnsafeBufferPointer<UInt8>) -> Unicode.Scalar? {
        let b0 = h[i]
        if b0 < 0x80 { return Unicode.Scalar(b0) }
        var e = i + 1
        while e < h.count && h[e] & 0xC0 == 0x80 { e += 1 }
        var decoder = UTF8()
        var iterator = h[i..<e].makeIterator()
        if case .scalarValue(let u) = decoder.decode(&iterator) { return u }
        return nil
    }
}

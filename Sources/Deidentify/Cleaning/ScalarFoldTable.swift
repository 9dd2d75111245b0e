import Foundation

/// The fold (spec 2.1) of every scalar of the Basic Multilingual Plane, and of its umlaut
/// variant, worked out together the first time any is needed: one pass of each normalisation
/// over all of them (each scalar between separators that nothing composes with) costs about
/// what a few hundred separate calls would. Immutable once built, so read without a lock.
///
/// Also records which scalars combine with the one before them under normalisation (marks,
/// conjoining Hangul vowels and finals, scalars whose compatibility form starts with such):
/// TextFold folds those together with what precedes them.
///
/// Its storage is allocated once and lives as long as the process: lookups hand out pointers
/// into it, with no reference counting on the hot path.
final class ScalarFoldTable: @unchecked Sendable {   // immutable once built
    /// Folded bytes of scalar v: pool[start[v]..<start[v + 1]]; its variant likewise.
    private let pool: UnsafeBufferPointer<UInt8>
    private let plainStart: UnsafeBufferPointer<Int32>
    private let variantStart: UnsafeBufferPointer<Int32>
    /// Bit 0: joins the previous scalar. Bit 1: the variant differs. Bit 2: its canonical
    /// decomposition holds the diaeresis U+0308 (it may make an umlaut of the letter before).
    private let flags: UnsafeBufferPointer<UInt8>

    static let shared = ScalarFoldTable()

    /// A private-use scalar outside the plane: a starter with no decomposition, no case, not
    /// ignorable, that nothing composes with.
    static let separator: Unicode.Scalar = "\u{F0000}"

    private init() {
        // In blocks: Foundation's normalisation slows down more than linearly on long text.
        var firsts: [Unicode.Scalar?] = [], decomposed: [Bool] = [], plain: [[UInt8]] = [], variant: [[UInt8]] = []
        for block in stride(from: 0, to: 0x10000, by: 0x800) {
            var text = String.UnicodeScalarView()
            for v in block..<(block + 0x800) {
                text.append(ScalarFoldTable.separator)
                text.append(Unicode.Scalar(UInt32(v)) ?? "\u{FFFD}")   // surrogates never occur in text
            }
            let compatible = String(text).precomposedStringWithCompatibilityMapping
            firsts += ScalarFoldTable.piecesWithFirst(compatible).map(\.first)
            decomposed += ScalarFoldTable.piecesWithFirst(String(text).decomposedStringWithCanonicalMapping).map { piece in
                String(decoding: piece.bytes, as: UTF8.self).unicodeScalars.contains("\u{0308}")
            }
            plain += ScalarFoldTable.pieces(TextFold.foldAfterCompatibility(compatible, umlauts: false))
            variant += ScalarFoldTable.pieces(TextFold.foldAfterCompatibility(compatible, umlauts: true))
        }
        precondition(firsts.count == 0x10000 && plain.count == 0x10000 && variant.count == 0x10000 && decomposed.count == 0x10000,
                     "a separator was changed by folding")
        var pool: [UInt8] = []
        var plainStart = [Int32](repeating: 0, count: 0x10001)
        var variantStart = [Int32](repeating: 0, count: 0x10001)
        var flags = [UInt8](repeating: 0, count: 0x10000)
        for v in 0..<0x10000 {
            plainStart[v] = Int32(pool.count)
            pool += plain[v]
        }
        plainStart[0x10000] = Int32(pool.count)
        for v in 0..<0x10000 {
            variantStart[v] = Int32(pool.count)
            pool += variant[v]
            if variant[v] != plain[v] { flags[v] |= 2 }
            if decomposed[v] { flags[v] |= 4 }
            let u = Unicode.Scalar(UInt32(v)) ?? "\u{FFFD}"
            if TextFold.combinesWithPrevious(u) || (firsts[v].map(TextFold.combinesWithPrevious) ?? false) { flags[v] |= 1 }
        }
        variantStart[0x10000] = Int32(pool.count)
        self.pool = ScalarFoldTable.permanent(pool)
        self.plainStart = ScalarFoldTable.permanent(plainStart)
        self.variantStart = ScalarFoldTable.permanent(variantStart)
        self.flags = ScalarFoldTable.permanent(flags)
    }

    /// A copy that is never freed (the table is never released: it is a global).
    static func permanent<T>(_ a: [T]) -> UnsafeBufferPointer<T> {
        let p = UnsafeMutableBufferPointer<T>.allocate(capacity: a.count)
        _ = p.initialize(from: a)
        return UnsafeBufferPointer(p)
    }

    /// The text between separators, as UTF-8 bytes and (for `first`) the first scalar.
    static func piecesWithFirst(_ s: String) -> [(bytes: [UInt8], first: Unicode.Scalar?)] {
        var out: [(bytes: [UInt8], first: Unicode.Scalar?)] = []
        out.reserveCapacity(0x10000)
        var current = String.UnicodeScalarView()
        var started = false
        for u in s.unicodeScalars {
            if u == separator {
                if started { out.append((Array(String(current).utf8), current.first)) }
                current = .init()
                started = true
            } else {
                current.append(u)
            }
        }
        if started { out.append((Array(String(current).utf8), current.first)) }
        return out
    }

    static func pieces(_ s: String) -> [[UInt8]] { piecesWithFirst(s).map(\.bytes) }

    @inline(__always) func plain(_ v: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: pool[Int(plainStart[v])..<Int(plainStart[v + 1])])
    }

    /// The umlaut variant, nil when it does not differ.
    @inline(__always) func variant(_ v: Int) -> UnsafeBufferPointer<UInt8>? {
        flags[v] & 2 == 0 ? nil : UnsafeBufferPointer(rebasing: pool[Int(variantStart[v])..<Int(variantStart[v + 1])])
    }

    @inline(__always) func joinsPrevious(_ v: Int) -> Bool { flags[v] & 1 != 0 }

    @inline(__always) func hasDiaeresis(_ v: Int) -> Bool { flags[v] & 4 != 0 }
}

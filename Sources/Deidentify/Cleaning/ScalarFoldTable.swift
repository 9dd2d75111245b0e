import Foundation
import Synchronization

/// The fold (spec 2.1) of every scalar of the Basic Multilingual Plane, and of its umlaut
/// variant, worked out a block of 512 scalars at a time, the first time a scalar of the
/// block is met: one pass of each normalisation over the block (each scalar between
/// separators that nothing composes with) costs about what a few dozen separate calls would.
/// Text in one script touches a block or two (Latin-1 and U+FFFD are in the first and the
/// last); only binary values read as UTF-16 may touch them all (about 0.15 s, once).
///
/// Also records which scalars combine with the one before them under normalisation (marks,
/// conjoining Hangul vowels and finals, scalars whose compatibility form starts with such):
/// TextFold folds those together with what precedes them.
///
/// A block's storage is allocated once and never freed (the table is a global): lookups hand
/// out pointers into it, with no reference counting and, through a Reader, no lock per scalar.
final class ScalarFoldTable: @unchecked Sendable {   // its state is behind a Mutex; blocks never change
    static let shared = ScalarFoldTable()
    static let blockSize = 0x200

    private let blocks = Mutex<[Block?]>([Block?](repeating: nil, count: 0x10000 / blockSize))

    /// A private-use scalar outside the plane: a starter with no decomposition, no case, not
    /// ignorable, that nothing composes with.
    static let separator: Unicode.Scalar = "\u{F0000}"

    /// One block's folds. Folded bytes of scalar first + k: pool[plainStart[k]..<plainStart[k + 1]];
    /// its variant likewise.
    struct Block: @unchecked Sendable {   // immutable, never freed
        let pool: UnsafeBufferPointer<UInt8>
        let plainStart: UnsafeBufferPointer<Int32>
        let variantStart: UnsafeBufferPointer<Int32>
        /// Bit 0: joins the previous scalar. Bit 1: the variant differs. Bit 2: its canonical
        /// decomposition holds the diaeresis U+0308 (it may make an umlaut of the letter before).
        let flags: UnsafeBufferPointer<UInt8>

        @inline(__always) func plain(_ k: Int) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: pool[Int(plainStart[k])..<Int(plainStart[k + 1])])
        }

        @inline(__always) func variant(_ k: Int) -> UnsafeBufferPointer<UInt8>? {
            flags[k] & 2 == 0 ? nil : UnsafeBufferPointer(rebasing: pool[Int(variantStart[k])..<Int(variantStart[k + 1])])
        }
    }

    func block(_ index: Int) -> Block {
        if let known = blocks.withLock({ $0[index] }) { return known }
        let made = ScalarFoldTable.makeBlock(first: index * ScalarFoldTable.blockSize)
        return blocks.withLock { table in
            if let raced = table[index] { return raced }   // another thread made it first
            table[index] = made
            return made
        }
    }

    static func makeBlock(first: Int) -> Block {
        let count = blockSize
        var text = String.UnicodeScalarView()
        for v in first..<(first + count) {
            text.append(separator)
            text.append(Unicode.Scalar(UInt32(v)) ?? "\u{FFFD}")   // surrogates never occur in text
        }
        let compatible = String(text).precomposedStringWithCompatibilityMapping
        let firsts = piecesWithFirst(compatible).map(\.first)
        let decomposed: [Bool] = piecesWithFirst(String(text).decomposedStringWithCanonicalMapping).map { piece in
            String(decoding: piece.bytes, as: UTF8.self).unicodeScalars.contains("\u{0308}")
        }
        let plain = pieces(TextFold.foldAfterCompatibility(compatible, umlauts: false))
        let variant = pieces(TextFold.foldAfterCompatibility(compatible, umlauts: true))
        precondition(firsts.count == count && plain.count == count && variant.count == count && decomposed.count == count,
                     "a separator was changed by folding")
        var pool: [UInt8] = []
        var plainStart = [Int32](repeating: 0, count: count + 1)
        var variantStart = [Int32](repeating: 0, count: count + 1)
        var flags = [UInt8](repeating: 0, count: count)
        for k in 0..<count {
            plainStart[k] = Int32(pool.count)
            pool += plain[k]
        }
        plainStart[count] = Int32(pool.count)
        for k in 0..<count {
            variantStart[k] = Int32(pool.count)
            pool += variant[k]
            if variant[k] != plain[k] { flags[k] |= 2 }
            if decomposed[k] { flags[k] |= 4 }
            let u = Unicode.Scalar(UInt32(first + k)) ?? "\u{FFFD}"
            if TextFold.combinesWithPrevious(u) || (firsts[k].map(TextFold.combinesWithPrevious) ?? false) { flags[k] |= 1 }
        }
        variantStart[count] = Int32(pool.count)
        return Block(pool: permanent(pool), plainStart: permanent(plainStart), variantStart: permanent(variantStart),
                     flags: permanent(flags))
    }

    /// A copy that is never freed (blocks live as long as the table: the process).
    static func permanent<T>(_ a: [T]) -> UnsafeBufferPointer<T> {
        let p = UnsafeMutableBufferPointer<T>.allocate(capacity: a.count)
        _ = p.initialize(from: a)
        return UnsafeBufferPointer(p)
    }

    /// The text between separators, as UTF-8 bytes and (for `first`) the first scalar.
    static func piecesWithFirst(_ s: String) -> [(bytes: [UInt8], first: Unicode.Scalar?)] {
        var out: [(bytes: [UInt8], first: Unicode.Scalar?)] = []
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

    /// Lookups for one piece of work: the blocks it has touched, so the table's lock is taken
    /// once per block, not per scalar.
    struct Reader {
        private var blocks: [Block?] = []

        @inline(__always) mutating func block(_ v: Int) -> Block {
            if blocks.isEmpty { blocks = [Block?](repeating: nil, count: 0x10000 / ScalarFoldTable.blockSize) }
            let index = v / ScalarFoldTable.blockSize
            if let b = blocks[index] { return b }
            let b = ScalarFoldTable.shared.block(index)
            blocks[index] = b
            return b
        }

        @inline(__always) mutating func plain(_ v: Int) -> UnsafeBufferPointer<UInt8> {
            block(v).plain(v % ScalarFoldTable.blockSize)
        }

        /// The umlaut variant, nil when it does not differ.
        @inline(__always) mutating func variant(_ v: Int) -> UnsafeBufferPointer<UInt8>? {
            block(v).variant(v % ScalarFoldTable.blockSize)
        }

        @inline(__always) mutating func joinsPrevious(_ v: Int) -> Bool {
            block(v).flags[v % ScalarFoldTable.blockSize] & 1 != 0
        }

        @inline(__always) mutating func hasDiaeresis(_ v: Int) -> Bool {
            block(v).flags[v % ScalarFoldTable.blockSize] & 4 != 0
        }
    }
}

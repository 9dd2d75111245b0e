import DICOMCore

/// How to read a file or data set. Each call chooses its own.
public struct ReadOptions: Sendable {
    public enum Strictness: Sendable {
        /// Any deviation from PS3.5/PS3.10 is an error.
        case strict
        /// Well-known defects that pydicom and dcmtk also read (odd lengths, an explicit/implicit
        /// VR mismatch, a missing delimiter at the end of the file, elements out of order, an
        /// unknown VR, a missing File Meta group length) are read and reported as warnings.
        case lenient
    }

    public var strictness: Strictness
    /// Stop at the first top-level (7FE0,0008/0009/0010) Pixel Data element, without reading it.
    public var stopBeforePixelData: Bool
    /// Values this long or longer are left in the file (their offset and length recorded) when
    /// reading from a file. Deflated data sets and in-memory input keep everything in memory.
    public var bulkDataThreshold: UInt64
    /// Deepest nesting of sequences accepted; deeper input is an error (protects the stack).
    public var maximumSequenceDepth: Int
    /// Largest inflated size of a deflated data set; more is an error (a deflate bomb).
    public var maximumInflatedSize: Int
    /// If set, only these top-level elements are kept. Every other value is read past, not
    /// stored, and nested items are walked but not kept: the whole structure is checked (with
    /// its warnings) at a memory cost independent of the data set's size.
    public var keepOnly: Set<Tag>?

    public init(strictness: Strictness = .lenient, stopBeforePixelData: Bool = false,
                bulkDataThreshold: UInt64 = 64 * 1024, maximumSequenceDepth: Int = 64,
                maximumInflatedSize: Int = 1 << 30) {
        self.strictness = strictness
        self.stopBeforePixelData = stopBeforePixelData
        self.bulkDataThreshold = bulkDataThreshold
        self.maximumSequenceDepth = maximumSequenceDepth
        self.maximumInflatedSize = maximumInflatedSize
    }

    /// Checks a whole data set, keeping only `tags` (see `keepOnly`).
    public init(keepingOnly tags: Set<Tag>, maximumInflatedSize: Int = 1 << 30) {
        self.init(maximumInflatedSize: maximumInflatedSize)
        keepOnly = tags
    }

    public static let `default` = ReadOptions()
    public static let strict = ReadOptions(strictness: .strict)
    public static let headerOnly = ReadOptions(stopBeforePixelData: true)
}

/// Why a file or data set could not be read, and where: the file, the byte offset, the reason.
/// Its description is the one-line message `sendit dump` prints.
public struct DICOMReadError: Error, CustomStringConvertible, Sendable {
    public let path: String?
    /// Byte offset in the file (for a deflated data set: in the inflated stream, see `reason`).
    public let offset: UInt64
    public let reason: String

    public init(path: String?, offset: UInt64, reason: String) {
        self.path = path
        self.offset = offset
        self.reason = reason
    }

    public var description: String {
        "\(path ?? "<memory>"): offset \(offset): \(reason)"
    }
}

/// Something wrong that lenient reading read past (an odd length, a VR mismatch, …).
public struct ReadWarning: CustomStringConvertible, Sendable, Equatable {
    public let offset: UInt64
    public let message: String
    /// The data ends before what it announced: a value, item or fragment cut short, or a
    /// sequence never closed. The content is incomplete, not just badly encoded: a receiver
    /// refuses it, an importer quarantines it.
    public let isTruncation: Bool
    /// The data set is not encoded as its transfer syntax says (implicit VR under an explicit
    /// syntax, or an element without a VR): its bytes cannot be passed on as they are.
    public let isEncodingMismatch: Bool
    /// A tag occurs twice in one data set: readers disagree on which value counts (this
    /// reader keeps the later, as pydicom does; others keep the first).
    public let isRepeatedTag: Bool

    public init(offset: UInt64, message: String, isTruncation: Bool = false, isEncodingMismatch: Bool = false,
                isRepeatedTag: Bool = false) {
        self.offset = offset
        self.message = message
        self.isTruncation = isTruncation
        self.isEncodingMismatch = isEncodingMismatch
        self.isRepeatedTag = isRepeatedTag
    }

    public var description: String { "offset \(offset): \(message)" }
}

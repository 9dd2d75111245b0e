import DICOMCore

/// Collects one rebuilt value a piece at a time: in memory, or on a spool file so that only
/// the piece being made is in memory.
struct ValueBuilder {
    let spool: PixelDataSpool?
    private var bytes: [UInt8] = []
    private var start: UInt64?
    private var length: UInt64 = 0

    init(spool: PixelDataSpool?) { self.spool = spool }

    mutating func append(_ piece: UnsafeRawBufferPointer) throws {
        guard piece.count > 0 else { return }
        if let spool {
            let at = try spool.append(piece)
            if start == nil { start = at }
            length += UInt64(piece.count)
        } else {
            bytes.append(contentsOf: piece)
        }
    }

    mutating func append(_ piece: [UInt8]) throws {
        try piece.withUnsafeBytes { try append($0) }
    }

    mutating func append(_ piece: ArraySlice<UInt8>) throws {
        try piece.withUnsafeBytes { try append($0) }
    }

    /// The value collected (the writer pads an odd length with a zero byte).
    func finish() -> BinaryValue {
        if let spool, let start { return .deferred(BulkDataLocation(path: spool.path, offset: start, length: length)) }
        return .inline(bytes)
    }
}

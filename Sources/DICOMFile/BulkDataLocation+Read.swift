import DICOMCore

extension BulkDataLocation {
    /// Reads the value from its file (byte-swapped to little endian if the file is big endian).
    public func read() throws -> [UInt8] {
        guard length <= UInt64(Int.max) else {
            throw DICOMReadError(path: path, offset: offset, reason: "value too large to load")
        }
        var bytes = try ByteInput.readRegion(path: path, offset: offset, length: Int(length))
        if byteSwapUnit > 1 { ByteSwap.swap(&bytes, unit: byteSwapUnit) }
        return bytes
    }
}

extension BinaryValue {
    /// The bytes, read from the file if they were left there.
    public func load() throws -> [UInt8] {
        switch self {
        case .inline(let b): return b
        case .deferred(let loc): return try loc.read()
        }
    }
}

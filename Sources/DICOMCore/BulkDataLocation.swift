/// Where a value that was not loaded into memory lies in its source file. Reading it is
/// DICOMFile's job; DICOMCore only records the location.
public struct BulkDataLocation: Hashable, Sendable {
    public let path: String
    /// Byte offset of the value field in the file.
    public let offset: UInt64
    public let length: UInt64
    /// The file is big endian and the value must be byte-swapped in units of this many bytes
    /// when read (0: as stored).
    public let byteSwapUnit: Int

    public init(path: String, offset: UInt64, length: UInt64, byteSwapUnit: Int = 0) {
        self.path = path
        self.offset = offset
        self.length = length
        self.byteSwapUnit = byteSwapUnit
    }
}

/// Bytes held in memory or left in the source file.
public enum BinaryValue: Sendable {
    case inline([UInt8])
    case deferred(BulkDataLocation)

    public var length: UInt64 {
        switch self {
        case .inline(let b): return UInt64(b.count)
        case .deferred(let loc): return loc.length
        }
    }

    /// The bytes if they are in memory.
    public var inlineBytes: [UInt8]? {
        if case .inline(let b) = self { return b }
        return nil
    }
}

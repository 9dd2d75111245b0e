/// What PDUChannel reads PDUs from and writes them to: a plain TCP `Socket`, or a `TLSStream`
/// over one. Association policy, timeouts and limits live above it and apply to both alike.
public protocol ByteStream: AnyObject {
    var peerDescription: String { get }
    /// Seconds a write may take before the peer is given up.
    var sendTimeout: Double { get set }
    /// Acknowledge at once whenever a read waits (see `Socket.quickAcknowledgement`).
    var quickAcknowledgement: Bool { get set }
    /// Reads exactly `count` bytes by `deadline` (Socket.now() seconds), one deadline for the
    /// whole read; `interrupted` is asked at least twice a second while waiting.
    func readExactly(into buffer: UnsafeMutableRawBufferPointer, count: Int, deadline: Double, what: String,
                     interrupted: (() -> Bool)?) throws
    /// Writes all of the buffers, in order, within `sendTimeout`.
    func write(_ buffers: [UnsafeRawBufferPointer]) throws
    /// Whether bytes (or the end of the stream) can be read within `seconds`.
    func isReadable(within seconds: Double) -> Bool
    func close()
}

extension ByteStream {
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write([$0]) }
    }
}

import DICOMUpperLayer

/// PDUs over a byte stream (a socket, or TLS over one). The 6-byte header is read and checked first (PDUHeader.check), so a PDU
/// longer than allowed is refused before its body is read. P-DATA-TF bodies are read into one
/// buffer reused for the whole association and handed out as a slice, not decoded into values.
final class PDUChannel {
    enum Incoming {
        case pdu(PDU)
        /// A P-DATA-TF body, valid until the next read.
        case pData(ArraySlice<UInt8>)
        /// An unknown PDU type, a length over the limits, or a body that does not decode (Evt19).
        case invalid(PDUError)
    }

    let socket: any ByteStream
    var limits: PDUHeader.Limits
    private var header = [UInt8](repeating: 0, count: PDUHeader.size)
    private var body: [UInt8] = []

    init(socket: any ByteStream, limits: PDUHeader.Limits) {
        self.socket = socket
        self.limits = limits
    }

    /// Reads the next PDU, header and body, by `deadline` (Socket.now() seconds). Throws
    /// NetworkError (closed, timed out) from the transport.
    func read(deadline: Double, waiting what: String, interrupted: (() -> Bool)? = nil) throws -> Incoming {
        try header.withUnsafeMutableBytes {
            try socket.readExactly(into: $0, count: PDUHeader.size, deadline: deadline, what: what, interrupted: interrupted)
        }
        let h = PDUHeader(header)
        if let problem = h.check(limits) { return .invalid(problem) }
        let length = Int(h.length)
        if body.count < length { body = [UInt8](repeating: 0, count: max(length, min(Int(limits.maximumDataLength), 1 << 20))) }
        try body.withUnsafeMutableBytes {
            try socket.readExactly(into: $0, count: length, deadline: deadline, what: "reading a PDU body", interrupted: interrupted)
        }
        if h.typeCode == PDUType.pDataTF.rawValue { return .pData(body[0..<length]) }
        do {
            return .pdu(try PDUDecoder.decode(h, body: body[0..<length]))
        } catch {
            return .invalid(error)
        }
    }

    func send(_ pdu: PDU) throws {
        try socket.write(try PDUEncoder.encode(pdu))
    }

    /// Sends `data` as P-DATA-TF PDUs of one PDV each, no larger than the peer's maximum length.
    /// The last PDV is marked last only if `isLast` (a data set may be sent in several parts).
    func sendFragments(contextID: UInt8, isCommand: Bool, data: UnsafeRawBufferPointer, isLast: Bool = true,
                       peerMaximumLength: UInt32) throws {
        let maxData = PDUChannel.maximumFragment(peerMaximumLength)
        var offset = 0
        repeat {
            let n = min(maxData, data.count - offset)
            let last = isLast && offset + n == data.count
            let head = PDUEncoder.pDataHeader(contextID: contextID, isCommand: isCommand, isLast: last, dataLength: n)
            try head.withUnsafeBytes { h in
                try socket.write([h, UnsafeRawBufferPointer(rebasing: data[offset..<(offset + n)])])
            }
            offset += n
        } while offset < data.count
    }

    func close() { socket.close() }

    /// The largest PDV data for the peer's Maximum Length: the PDU's variable field less the
    /// 6-byte PDV header, rounded down to even (PS3.8 Annex E.1: fragments have even length).
    static func maximumFragment(_ peerMaximumLength: UInt32) -> Int {
        let n = peerMaximumLength == 0 ? Int(UInt32.max) - 6 : Int(peerMaximumLength) - 6
        return max(n & ~1, 2)
    }
}

/// The 6-byte header every PDU starts with (PS3.8 9.3.1): type, reserved, 32-bit big endian
/// length of what follows. Checking it decides, before a byte of the body is read, whether the
/// body may be read at all.
public struct PDUHeader: Equatable, Sendable {
    public static let size = 6
    /// The largest P-DATA-TF body read whatever was announced.
    public static let hardMaximumDataLength: UInt32 = 16 << 20

    public var typeCode: UInt8
    public var length: UInt32

    public init(typeCode: UInt8, length: UInt32) {
        self.typeCode = typeCode
        self.length = length
    }

    public init<C: Collection>(_ bytes: C) where C.Element == UInt8, C.Index == Int {
        let b = bytes.startIndex
        typeCode = bytes[b]
        length = UInt32(bytes[b + 2]) << 24 | UInt32(bytes[b + 3]) << 16 | UInt32(bytes[b + 4]) << 8 | UInt32(bytes[b + 5])
    }

    public var bytes: [UInt8] {
        [typeCode, 0, UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
    }

    /// Limits on the PDUs a peer may send.
    public struct Limits: Sendable {
        /// Largest P-DATA-TF body accepted: the Maximum Length this side announced (0: none).
        public var maximumDataLength: UInt32
        /// Largest A-ASSOCIATE-RQ/AC/RJ body accepted (128 presentation contexts fit in ~20 KiB).
        public var maximumAssociateLength: UInt32

        public init(maximumDataLength: UInt32, maximumAssociateLength: UInt32 = 1 << 20) {
            self.maximumDataLength = maximumDataLength
            self.maximumAssociateLength = maximumAssociateLength
        }
    }

    /// Nil if a body of `length` bytes may be read for this type; otherwise why not: an unknown
    /// type or a length beyond the limits is Evt19, answered with A-ABORT.
    public func check(_ limits: Limits) -> PDUError? {
        guard let type = PDUType(rawValue: typeCode) else {
            return PDUError(.unrecognisedPDU, "unknown PDU type 0x\(String(typeCode, radix: 16))")
        }
        switch type {
        case .aAssociateRQ, .aAssociateAC, .aAssociateRJ:
            if length > limits.maximumAssociateLength {
                return PDUError(.invalidPDUParameterValue, "\(type) of \(length) bytes exceeds \(limits.maximumAssociateLength)")
            }
        case .pDataTF:
            // A peer may fill its PDUs to our maximum; the limit is on the variable field. With
            // no maximum announced (0), 16 MiB still holds: nothing is read for a mere claim.
            let limit = limits.maximumDataLength == 0 ? PDUHeader.hardMaximumDataLength : limits.maximumDataLength
            if length > limit {
                return PDUError(.invalidPDUParameterValue, "P-DATA-TF of \(length) bytes exceeds the maximum length \(limit)")
            }
        case .aReleaseRQ, .aReleaseRP, .aAbort:
            if length != 4 { return PDUError(.invalidPDUParameterValue, "\(type) has length \(length), not 4") }
        }
        if type == .aAssociateRJ && length != 4 {
            return PDUError(.invalidPDUParameterValue, "A-ASSOCIATE-RJ has length \(length), not 4")
        }
        return nil
    }
}

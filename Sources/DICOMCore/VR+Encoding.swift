/// How each VR is encoded (PS3.5 6.2 and 7.1.2). These are the encoding rules the parser and
/// writer follow; the list of VRs itself is generated from the data dictionary.
extension VR {
    /// The two characters, e.g. "PN".
    public var code: String {
        String(decoding: [UInt8(rawValue >> 8), UInt8(rawValue & 0xFF)], as: UTF8.self)
    }

    public init?(code: String) {
        let u = Array(code.utf8)
        guard u.count == 2 else { return nil }
        self.init(rawValue: UInt16(u[0]) << 8 | UInt16(u[1]))
    }

    /// Explicit VR encoding with 2 reserved bytes and a 32-bit length (PS3.5 Table 7.1-1),
    /// rather than a 16-bit length.
    public var hasLongExplicitLength: Bool {
        switch self {
        case .OB, .OD, .OF, .OL, .OV, .OW, .SQ, .SV, .UC, .UN, .UR, .UT, .UV: return true
        default: return false
        }
    }

    /// Values made of characters (padded with a space, or NUL for UI).
    public var isString: Bool {
        switch self {
        case .AE, .AS, .CS, .DA, .DS, .DT, .IS, .LO, .LT, .PN, .SH, .ST, .TM, .UC, .UI, .UR, .UT:
            return true
        default: return false
        }
    }

    /// Strings that may hold several values separated by a backslash. LT, ST, UT and UR are
    /// single-valued and may contain a backslash as text.
    public var isMultiValuedString: Bool {
        isString && self != .LT && self != .ST && self != .UT && self != .UR
    }

    /// Strings affected by the Specific Character Set (PS3.5 6.1.2.3); the others are ASCII.
    public var usesSpecificCharacterSet: Bool {
        switch self {
        case .LO, .LT, .PN, .SH, .ST, .UC, .UT: return true
        default: return false
        }
    }

    /// The byte added to make an odd-length value even (PS3.5 6.2): NUL for UI and the binary
    /// VRs, space for the other strings.
    public var paddingByte: UInt8 {
        switch self {
        case .UI, .OB, .UN: return 0x00
        default: return isString ? 0x20 : 0x00
        }
    }

    /// The size in bytes of one number, for the binary numeric VRs; 0 otherwise. Big endian
    /// data is byte-swapped in units of this size (AT is a pair of 16-bit numbers).
    public var byteSwapUnit: Int {
        switch self {
        case .US, .SS, .OW, .AT: return 2
        case .UL, .SL, .FL, .OF, .OL: return 4
        case .FD, .OD, .SV, .UV, .OV: return 8
        default: return 0
        }
    }

    /// Fixed size of one value of a binary number VR (AT: 4), or nil.
    public var fixedValueSize: Int? {
        switch self {
        case .US, .SS: return 2
        case .UL, .SL, .FL, .AT: return 4
        case .FD, .SV, .UV: return 8
        default: return nil
        }
    }

    /// Values that are opaque bytes: kept as they are, never interpreted as text.
    public var isBulkBinary: Bool {
        switch self {
        case .OB, .OD, .OF, .OL, .OV, .OW, .UN: return true
        default: return false
        }
    }
}

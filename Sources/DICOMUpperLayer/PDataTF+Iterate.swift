extension PDataTF {
    /// Calls `body` with each PDV of a P-DATA-TF body, in order, without collecting them: the
    /// hot path of a receiver. The data slices share the caller's buffer.
    public static func forEachValue(in pduBody: ArraySlice<UInt8>,
                                    _ body: (PresentationDataValue) throws -> Void) throws {
        var i = pduBody.startIndex
        var count = 0
        while i < pduBody.endIndex {
            guard pduBody.endIndex - i >= 6 else {
                throw PDUError(.invalidPDUParameterValue, "truncated PDV item header")
            }
            let length = Int(UInt32(pduBody[i]) << 24 | UInt32(pduBody[i + 1]) << 16 | UInt32(pduBody[i + 2]) << 8 | UInt32(pduBody[i + 3]))
            guard length >= 2, length <= pduBody.endIndex - i - 4 else {
                throw PDUError(.invalidPDUParameterValue, "PDV item length \(length) does not fit its PDU")
            }
            let mch = pduBody[i + 5]
            try body(PresentationDataValue(contextID: pduBody[i + 4], isCommand: mch & 1 != 0, isLast: mch & 2 != 0,
                                           data: pduBody[(i + 6)..<(i + 4 + length)]))
            i += 4 + length
            count += 1
        }
        if count == 0 { throw PDUError(.invalidPDUParameterValue, "P-DATA-TF without a PDV") }
    }
}

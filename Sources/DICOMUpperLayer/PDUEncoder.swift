/// Encodes PDUs (PS3.8 9.3). Pure: the inverse of PDUDecoder, byte for byte for anything it
/// decoded (sub-item order is kept; AE titles are padded with spaces to 16 bytes). A field too
/// long for its 16-bit length (an item over 65,535 bytes) is an error, never a truncation.
public enum PDUEncoder {
    public static func encode(_ pdu: PDU) throws(PDUError) -> [UInt8] {
        var body: [UInt8] = []
        switch pdu {
        case .associateRQ(let rq):
            fixedPart(&body, rq.protocolVersion, rq.calledAETitle, rq.callingAETitle)
            try item(&body, .applicationContext, Array(rq.applicationContextName.utf8))
            for pc in rq.presentationContexts {
                var data: [UInt8] = [pc.id] + pc.reserved
                try item(&data, .abstractSyntax, Array(pc.abstractSyntax.utf8))
                for ts in pc.transferSyntaxes { try item(&data, .transferSyntax, Array(ts.utf8)) }
                try item(&body, .presentationContextRQ, data)
            }
            try item(&body, .userInformation, try userInformation(rq.userInformation))
        case .associateAC(let ac):
            fixedPart(&body, ac.protocolVersion, ac.calledAETitle, ac.callingAETitle)
            try item(&body, .applicationContext, Array(ac.applicationContextName.utf8))
            for pc in ac.presentationContexts {
                var data: [UInt8] = [pc.id, 0, pc.resultCode, 0]
                try item(&data, .transferSyntax, Array(pc.transferSyntax.utf8))
                try item(&body, .presentationContextAC, data)
            }
            try item(&body, .userInformation, try userInformation(ac.userInformation))
        case .associateRJ(let rj):
            body = [0, rj.result, rj.source, rj.reason]
        case .dataTF(let p):
            for v in p.values {
                u32(&body, UInt32(v.data.count + 2))
                body += [v.contextID, v.messageControlHeader]
                body += v.data
            }
        case .releaseRQ, .releaseRP:
            body = [0, 0, 0, 0]
        case .abort(let a):
            body = [0, 0, a.source, a.reason]
        }
        return PDUHeader(typeCode: pdu.type.rawValue, length: UInt32(body.count)).bytes + body
    }

    /// The headers of a P-DATA-TF PDU holding one PDV of `dataLength` bytes: the data itself is
    /// written after these 12 bytes, from wherever it is (no copy on the hot path).
    public static func pDataHeader(contextID: UInt8, isCommand: Bool, isLast: Bool, dataLength: Int) -> [UInt8] {
        let pdvLength = UInt32(dataLength + 2)
        var out = PDUHeader(typeCode: PDUType.pDataTF.rawValue, length: pdvLength + 4).bytes
        u32(&out, pdvLength)
        out += [contextID, (isCommand ? 1 : 0) | (isLast ? 2 : 0)]
        return out
    }

    static func fixedPart(_ body: inout [UInt8], _ version: UInt16, _ called: String, _ calling: String) {
        u16(&body, version)
        body += [0, 0]
        body += aeTitle(called)
        body += aeTitle(calling)
        body += [UInt8](repeating: 0, count: 32)
    }

    static func aeTitle(_ s: String) -> [UInt8] {
        let b = Array(s.utf8.prefix(16))
        return b + [UInt8](repeating: 0x20, count: 16 - b.count)
    }

    static func userInformation(_ info: UserInformation) throws(PDUError) -> [UInt8] {
        var out: [UInt8] = []
        var roles = info.roleSelections[...], ext = info.extendedNegotiations[...]
        var common = info.commonExtendedNegotiations[...], unknown = info.unknownSubItems[...]
        let standardOrder: [UInt8] = [0x51, 0x52, 0x53] + Array(repeating: 0x54, count: roles.count) + [0x55]
            + Array(repeating: 0x56, count: ext.count) + Array(repeating: 0x57, count: common.count) + [0x58, 0x59]
            + unknown.map(\.type)
        for type in info.order.isEmpty ? standardOrder : info.order {
            switch ItemType(rawValue: type) {
            case .maximumLength:
                if let m = info.maximumLength { var d: [UInt8] = []; u32(&d, m); try item(&out, .maximumLength, d) }
            case .implementationClassUID:
                if let s = info.implementationClassUID { try item(&out, .implementationClassUID, Array(s.utf8)) }
            case .asynchronousOperationsWindow:
                if let w = info.asynchronousOperationsWindow {
                    var d: [UInt8] = []
                    u16(&d, w.maximumInvoked)
                    u16(&d, w.maximumPerformed)
                    try item(&out, .asynchronousOperationsWindow, d)
                }
            case .scpSCURoleSelection:
                if let r = roles.popFirst() {
                    var d: [UInt8] = []
                    try lengthPrefixed(&d, r.sopClassUID)
                    d += [r.scuRole, r.scpRole]
                    try item(&out, .scpSCURoleSelection, d)
                }
            case .implementationVersionName:
                if let s = info.implementationVersionName { try item(&out, .implementationVersionName, Array(s.utf8)) }
            case .sopClassExtended:
                if let e = ext.popFirst() {
                    var d: [UInt8] = []
                    try lengthPrefixed(&d, e.sopClassUID)
                    d += e.applicationInformation
                    try item(&out, .sopClassExtended, d)
                }
            case .sopClassCommonExtended:
                if let c = common.popFirst() {
                    var d: [UInt8] = [], related: [UInt8] = []
                    try lengthPrefixed(&d, c.sopClassUID)
                    try lengthPrefixed(&d, c.serviceClassUID)
                    for uid in c.relatedGeneralSOPClassUIDs { try lengthPrefixed(&related, uid) }
                    try u16(&d, length: related.count)
                    d += related
                    try item(&out, .sopClassCommonExtended, d)
                }
            case .userIdentityRQ:
                if let u = info.userIdentityRQ {
                    var d: [UInt8] = [u.type, u.positiveResponseRequested ? 1 : 0]
                    try u16(&d, length: u.primaryField.count)
                    d += u.primaryField
                    try u16(&d, length: u.secondaryField.count)
                    d += u.secondaryField
                    try item(&out, .userIdentityRQ, d)
                }
            case .userIdentityAC:
                if let u = info.userIdentityAC {
                    var d: [UInt8] = []
                    try u16(&d, length: u.serverResponse.count)
                    d += u.serverResponse
                    try item(&out, .userIdentityAC, d)
                }
            default:
                if let u = unknown.popFirst() { try rawItem(&out, u.type, u.data) }
            }
        }
        return out
    }

    static func item(_ out: inout [UInt8], _ type: ItemType, _ data: [UInt8]) throws(PDUError) {
        try rawItem(&out, type.rawValue, data)
    }

    static func rawItem(_ out: inout [UInt8], _ type: UInt8, _ data: [UInt8]) throws(PDUError) {
        out += [type, 0]
        try u16(&out, length: data.count)
        out += data
    }

    static func lengthPrefixed(_ out: inout [UInt8], _ s: String) throws(PDUError) {
        try u16(&out, length: s.utf8.count)
        out += s.utf8
    }

    /// A 16-bit length field; a longer value cannot be encoded.
    static func u16(_ out: inout [UInt8], length: Int) throws(PDUError) {
        guard length <= 0xFFFF else {
            throw PDUError(.invalidPDUParameterValue, "an item of \(length) bytes does not fit a 16-bit length")
        }
        u16(&out, UInt16(length))
    }

    static func u16(_ out: inout [UInt8], _ v: UInt16) { out += [UInt8(v >> 8), UInt8(v & 0xFF)] }
    static func u32(_ out: inout [UInt8], _ v: UInt32) { u16(&out, UInt16(v >> 16)); u16(&out, UInt16(v & 0xFFFF)) }
}

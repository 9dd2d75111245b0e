/// Decodes PDU bodies (PS3.8 9.3). Pure: bytes in, PDU or PDUError out. Every length inside a
/// PDU is checked against the bytes that are there before it is used.
public enum PDUDecoder {
    /// Decodes a PDU whose header was already read and checked (`PDUHeader.check`).
    public static func decode(_ header: PDUHeader, body: ArraySlice<UInt8>) throws(PDUError) -> PDU {
        guard let type = PDUType(rawValue: header.typeCode) else {
            throw PDUError(.unrecognisedPDU, "unknown PDU type 0x\(String(header.typeCode, radix: 16))")
        }
        var r = Reader(body)
        switch type {
        case .aAssociateRQ:
            let (version, called, calling, items) = try associateFixedPart(&r)
            var rq = AAssociateRQ(calledAETitle: called, callingAETitle: calling, presentationContexts: [],
                                  userInformation: UserInformation())
            rq.protocolVersion = version
            for (type, data) in items {
                switch ItemType(rawValue: type) {
                case .applicationContext: rq.applicationContextName = string(data)
                case .presentationContextRQ: rq.presentationContexts.append(try presentationContextRQ(data))
                case .userInformation: rq.userInformation = try userInformation(data)
                default: throw PDUError(.unexpectedPDUParameter, "item 0x\(String(type, radix: 16)) in A-ASSOCIATE-RQ")
                }
            }
            return .associateRQ(rq)
        case .aAssociateAC:
            let (version, called, calling, items) = try associateFixedPart(&r)
            var ac = AAssociateAC(calledAETitle: called, callingAETitle: calling, presentationContexts: [],
                                  userInformation: UserInformation())
            ac.protocolVersion = version
            for (type, data) in items {
                switch ItemType(rawValue: type) {
                case .applicationContext: ac.applicationContextName = string(data)
                case .presentationContextAC: ac.presentationContexts.append(try presentationContextAC(data))
                case .userInformation: ac.userInformation = try userInformation(data)
                default: throw PDUError(.unexpectedPDUParameter, "item 0x\(String(type, radix: 16)) in A-ASSOCIATE-AC")
                }
            }
            return .associateAC(ac)
        case .aAssociateRJ:
            let b = try r.bytes(4)
            return .associateRJ(AAssociateRJ(result: b[b.startIndex + 1], source: b[b.startIndex + 2], reason: b[b.startIndex + 3]))
        case .pDataTF:
            var values: [PresentationDataValue] = []
            while !r.isAtEnd {
                let length = try r.u32()
                guard length >= 2 else { throw PDUError(.invalidPDUParameterValue, "PDV item of length \(length)") }
                let item = try r.bytes(Int(length))
                let mch = item[item.startIndex + 1]
                values.append(PresentationDataValue(contextID: item[item.startIndex], isCommand: mch & 1 != 0,
                                                    isLast: mch & 2 != 0, data: item.dropFirst(2)))
            }
            guard !values.isEmpty else { throw PDUError(.invalidPDUParameterValue, "P-DATA-TF without a PDV") }
            return .dataTF(PDataTF(values: values))
        case .aReleaseRQ:
            _ = try r.bytes(4)
            return .releaseRQ
        case .aReleaseRP:
            _ = try r.bytes(4)
            return .releaseRP
        case .aAbort:
            let b = try r.bytes(4)
            return .abort(AAbort(source: b[b.startIndex + 2], reason: b[b.startIndex + 3]))
        }
    }

    /// Protocol version, reserved, called and calling AE titles, 32 reserved bytes, then items.
    static func associateFixedPart(_ r: inout Reader) throws(PDUError)
        -> (UInt16, String, String, [(UInt8, ArraySlice<UInt8>)]) {
        let version = try r.u16()
        _ = try r.bytes(2)
        let called = aeTitle(try r.bytes(16))
        let calling = aeTitle(try r.bytes(16))
        _ = try r.bytes(32)
        return (version, called, calling, try items(&r))
    }

    /// Items or sub-items: type, reserved, 16-bit length, data.
    static func items(_ r: inout Reader) throws(PDUError) -> [(UInt8, ArraySlice<UInt8>)] {
        var out: [(UInt8, ArraySlice<UInt8>)] = []
        while !r.isAtEnd {
            let type = try r.u8()
            _ = try r.u8()
            let length = try r.u16()
            out.append((type, try r.bytes(Int(length))))
        }
        return out
    }

    static func presentationContextRQ(_ data: ArraySlice<UInt8>) throws(PDUError) -> PresentationContextRQ {
        var r = Reader(data)
        let id = try r.u8()
        let reserved = Array(try r.bytes(3))
        var pc = PresentationContextRQ(id: id, abstractSyntax: "", transferSyntaxes: [])
        pc.reserved = reserved
        var abstractSyntaxes = 0
        for (type, sub) in try items(&r) {
            switch ItemType(rawValue: type) {
            case .abstractSyntax:
                pc.abstractSyntax = string(sub)
                abstractSyntaxes += 1
            case .transferSyntax: pc.transferSyntaxes.append(string(sub))
            default: throw PDUError(.unexpectedPDUParameter, "sub-item 0x\(String(type, radix: 16)) in presentation context \(id)")
            }
        }
        guard abstractSyntaxes == 1, !pc.transferSyntaxes.isEmpty else {
            throw PDUError(.invalidPDUParameterValue, "presentation context \(id) needs one abstract syntax and at least one transfer syntax")
        }
        return pc
    }

    static func presentationContextAC(_ data: ArraySlice<UInt8>) throws(PDUError) -> PresentationContextAC {
        var r = Reader(data)
        let id = try r.u8()
        _ = try r.u8()
        let result = try r.u8()
        _ = try r.u8()
        var ts = ""
        for (type, sub) in try items(&r) {
            guard ItemType(rawValue: type) == .transferSyntax else {
                throw PDUError(.unexpectedPDUParameter, "sub-item 0x\(String(type, radix: 16)) in presentation context \(id)")
            }
            ts = string(sub)
        }
        return PresentationContextAC(id: id, resultCode: result, transferSyntax: ts)
    }

    static func userInformation(_ data: ArraySlice<UInt8>) throws(PDUError) -> UserInformation {
        var r = Reader(data)
        var info = UserInformation()
        for (type, sub) in try items(&r) {
            info.order.append(type)
            var s = Reader(sub)
            switch ItemType(rawValue: type) {
            case .maximumLength: info.maximumLength = try s.u32()
            case .implementationClassUID: info.implementationClassUID = string(sub)
            case .implementationVersionName: info.implementationVersionName = string(sub)
            case .asynchronousOperationsWindow:
                info.asynchronousOperationsWindow = AsynchronousOperationsWindow(maximumInvoked: try s.u16(), maximumPerformed: try s.u16())
            case .scpSCURoleSelection:
                let uid = string(try s.bytes(Int(try s.u16())))
                info.roleSelections.append(RoleSelection(sopClassUID: uid, scuRole: try s.u8(), scpRole: try s.u8()))
            case .sopClassExtended:
                let uid = string(try s.bytes(Int(try s.u16())))
                info.extendedNegotiations.append(SOPClassExtendedNegotiation(sopClassUID: uid, applicationInformation: Array(s.rest)))
            case .sopClassCommonExtended:
                let sop = string(try s.bytes(Int(try s.u16())))
                let service = string(try s.bytes(Int(try s.u16())))
                var related = Reader(try s.bytes(Int(try s.u16())))
                var relatedUIDs: [String] = []
                while !related.isAtEnd { relatedUIDs.append(string(try related.bytes(Int(try related.u16())))) }
                info.commonExtendedNegotiations.append(SOPClassCommonExtendedNegotiation(
                    sopClassUID: sop, serviceClassUID: service, relatedGeneralSOPClassUIDs: relatedUIDs))
            case .userIdentityRQ:
                let t = try s.u8(), positive = try s.u8()
                let primary = Array(try s.bytes(Int(try s.u16())))
                let secondary = s.isAtEnd ? [] : Array(try s.bytes(Int(try s.u16())))
                info.userIdentityRQ = UserIdentityRQ(type: t, positiveResponseRequested: positive == 1,
                                                     primaryField: primary, secondaryField: secondary)
            case .userIdentityAC:
                info.userIdentityAC = UserIdentityAC(serverResponse: Array(try s.bytes(Int(try s.u16()))))
            default:
                info.unknownSubItems.append(UnknownItem(type: type, data: Array(sub)))
            }
        }
        return info
    }

    /// AE titles are 16 bytes, padded with spaces (leading and trailing spaces are not significant).
    static func aeTitle(_ b: ArraySlice<UInt8>) -> String {
        String(decoding: b, as: UTF8.self).trimmingCharacters(in: " \0")
    }

    static func string(_ b: ArraySlice<UInt8>) -> String { String(decoding: b, as: UTF8.self) }

    /// Big endian reads that never go past the end: running out is an invalid PDU.
    struct Reader {
        var data: ArraySlice<UInt8>
        init(_ data: ArraySlice<UInt8>) { self.data = data }
        var isAtEnd: Bool { data.isEmpty }
        var rest: ArraySlice<UInt8> { data }

        mutating func bytes(_ n: Int) throws(PDUError) -> ArraySlice<UInt8> {
            guard n <= data.count else {
                throw PDUError(.invalidPDUParameterValue, "a field claims \(n) bytes but only \(data.count) are left")
            }
            let out = data.prefix(n)
            data = data.dropFirst(n)
            return out
        }
        mutating func u8() throws(PDUError) -> UInt8 { try bytes(1).first! }
        mutating func u16() throws(PDUError) -> UInt16 {
            let b = try bytes(2)
            return UInt16(b[b.startIndex]) << 8 | UInt16(b[b.startIndex + 1])
        }
        mutating func u32() throws(PDUError) -> UInt32 {
            let b = try bytes(4)
            return b.reduce(0) { $0 << 8 | UInt32($1) }
        }
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        let drop = Set(set.unicodeScalars)
        var scalars = Substring(self).unicodeScalars
        while let f = scalars.first, drop.contains(f) { scalars.removeFirst() }
        while let l = scalars.last, drop.contains(l) { scalars.removeLast() }
        return String(scalars)
    }

    /// A UID as carried in an item, without the trailing NUL or space some peers add.
    public var trimmedUID: String { trimmingCharacters(in: " \0") }
}

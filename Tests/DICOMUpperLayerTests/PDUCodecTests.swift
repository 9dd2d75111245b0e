@testable import DICOMUpperLayer
import Foundation
import Testing

@Suite struct PDUCodecTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.filter { $0.isHexDigit }.utf8)
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<($0 + 2)], as: UTF8.self), radix: 16)! }
    }

    static func decode(_ bytes: [UInt8]) throws -> PDU {
        let header = PDUHeader(bytes)
        #expect(Int(header.length) == bytes.count - 6)
        #expect(header.check(PDUHeader.Limits(maximumDataLength: 1 << 20)) == nil)
        return try PDUDecoder.decode(header, body: bytes[6...])
    }

    /// Every PDU dcmtk's echoscu, storescu and storescp sent (captured with
    /// conformance/capture-pdus.py) decodes and re-encodes byte for byte.
    @Test func capturedDcmtkPDUsRoundTripByteForByte() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.fixtures.path).filter { $0.hasSuffix(".hex") }.sorted()
        #expect(files.count == 13)
        for name in files {
            let original = Self.bytes(hex: try String(contentsOf: Self.fixtures.appendingPathComponent(name), encoding: .utf8))
            let pdu = try Self.decode(original)
            #expect(try PDUEncoder.encode(pdu) == original, "\(name)")
        }
    }

    @Test func capturedAssociateRQFromStorescuHas128Contexts() throws {
        let rq = Self.bytes(hex: try String(contentsOf: Self.fixtures.appendingPathComponent("dcmtk-storescu-00-rq-type01.hex"), encoding: .utf8))
        guard case .associateRQ(let a) = try Self.decode(rq) else { Issue.record("not an A-ASSOCIATE-RQ"); return }
        #expect(a.callingAETitle == "STORESCU" && a.calledAETitle == "STORESCP")
        #expect(a.presentationContexts.count == 128)
        #expect(a.presentationContexts.allSatisfy { $0.id % 2 == 1 })
        #expect(a.userInformation.maximumLength == 16384)
        #expect(a.userInformation.implementationVersionName == "OFFIS_DCMTK_367")
    }

    /// A-ASSOCIATE-RQ laid out by hand from PS3.8 9.3.2, field by field.
    @Test func handAnnotatedAssociateRQ() throws {
        let verification = Array("1.2.840.10008.1.1".utf8), implicitLE = Array("1.2.840.10008.1.2".utf8)
        let context = Array("1.2.840.10008.3.1.1.1".utf8), impl = Array("1.2.3".utf8)
        var body: [UInt8] = [0x00, 0x01, 0x00, 0x00]                          // protocol version 1, reserved
        body += Array("ANY-SCP         ".utf8) + Array("ECHOSCU         ".utf8)    // called, calling AE (16 each)
        body += [UInt8](repeating: 0, count: 32)                               // reserved
        body += [0x10, 0x00, 0x00, UInt8(context.count)] + context             // application context item
        var pc: [UInt8] = [0x01, 0x00, 0x00, 0x00]                             // presentation context ID 1
        pc += [0x30, 0x00, 0x00, UInt8(verification.count)] + verification     // abstract syntax
        pc += [0x40, 0x00, 0x00, UInt8(implicitLE.count)] + implicitLE         // transfer syntax
        body += [0x20, 0x00, 0x00, UInt8(pc.count)] + pc
        var ui: [UInt8] = [0x51, 0x00, 0x00, 0x04, 0x00, 0x00, 0x40, 0x00]     // maximum length 16384
        ui += [0x52, 0x00, 0x00, UInt8(impl.count)] + impl                     // implementation class UID
        body += [0x50, 0x00, 0x00, UInt8(ui.count)] + ui
        let bytes: [UInt8] = [0x01, 0x00, 0, 0, UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body
        guard case .associateRQ(let rq) = try Self.decode(bytes) else { Issue.record("not decoded as A-ASSOCIATE-RQ"); return }
        #expect(rq.calledAETitle == "ANY-SCP" && rq.callingAETitle == "ECHOSCU")
        #expect(rq.presentationContexts == [PresentationContextRQ(id: 1, abstractSyntax: "1.2.840.10008.1.1", transferSyntaxes: ["1.2.840.10008.1.2"])])
        #expect(rq.userInformation.maximumLength == 16384 && rq.userInformation.implementationClassUID == "1.2.3")
        #expect(try PDUEncoder.encode(.associateRQ(rq)) == bytes)
        // Built in code (no recorded sub-item order), it encodes to the same bytes.
        var built = AAssociateRQ(calledAETitle: "ANY-SCP", callingAETitle: "ECHOSCU", presentationContexts: rq.presentationContexts,
                                 userInformation: UserInformation(maximumLength: 16384, implementationClassUID: "1.2.3"))
        built.protocolVersion = 1
        #expect(try PDUEncoder.encode(.associateRQ(built)) == bytes)
    }

    @Test func fixedLengthPDUs() throws {
        // A-ASSOCIATE-RJ: reserved, result 1 (permanent), source 1 (service user), reason 7 (called AE).
        let rj: [UInt8] = [0x03, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x01, 0x01, 0x07]
        #expect(try Self.decode(rj) == .associateRJ(AAssociateRJ(result: .rejectedPermanent, source: .dulServiceUser, reason: 7)))
        #expect(try PDUEncoder.encode(.associateRJ(AAssociateRJ(result: 1, source: 1, reason: 7))) == rj)
        // A-ABORT: reserved ×2, source 2 (service provider), reason 6 (invalid parameter value).
        let abort: [UInt8] = [0x07, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x02, 0x06]
        #expect(try Self.decode(abort) == .abort(AAbort(source: .dulServiceProvider, reason: .invalidPDUParameterValue)))
        #expect(try PDUEncoder.encode(.releaseRQ) == [0x05, 0, 0, 0, 0, 4, 0, 0, 0, 0])
        #expect(try PDUEncoder.encode(.releaseRP) == [0x06, 0, 0, 0, 0, 4, 0, 0, 0, 0])
        #expect(AAssociateRJ(result: 2, source: 3, reason: 2).description == "rejected (transient) by DUL service-provider (presentation related): Local limit exceeded")
    }

    @Test func headerCheckRefusesBeforeTheBodyIsRead() {
        let limits = PDUHeader.Limits(maximumDataLength: 16384)
        #expect(PDUHeader(typeCode: 0x04, length: 16384).check(limits) == nil)
        #expect(PDUHeader(typeCode: 0x04, length: 16385).check(limits)?.reason == .invalidPDUParameterValue)
        #expect(PDUHeader(typeCode: 0x04, length: 0xFFFF_FFF0).check(limits) != nil)
        #expect(PDUHeader(typeCode: 0x0A, length: 4).check(limits)?.reason == .unrecognisedPDU)       // Evt19
        #expect(PDUHeader(typeCode: 0x01, length: 2 << 20).check(limits) != nil)
        #expect(PDUHeader(typeCode: 0x05, length: 5).check(limits) != nil)
        #expect(PDUHeader(typeCode: 0x03, length: 6).check(limits) != nil)
        #expect(PDUHeader([0x04, 0x00, 0x00, 0x01, 0x00, 0x00]).length == 65536)
    }

    @Test func malformedBodiesAreErrorsNotCrashes() {
        func check(_ type: UInt8, _ body: [UInt8]) {
            #expect(throws: PDUError.self) { try PDUDecoder.decode(PDUHeader(typeCode: type, length: UInt32(body.count)), body: body[...]) }
        }
        check(0x01, [0x00, 0x01])                                     // A-ASSOCIATE-RQ too short
        check(0x01, [0x00, 0x01, 0, 0] + [UInt8](repeating: 0x20, count: 64) + [0x20, 0, 0xFF, 0xFF])   // item overruns
        check(0x04, [0x00, 0x00, 0x00, 0x01, 0x01])                    // PDV item of length 1
        check(0x04, [0x00, 0x00, 0x10, 0x00, 0x01, 0x03])              // PDV longer than its PDU
        check(0x04, [])                                               // no PDV at all
        var pc: [UInt8] = [0x01, 0, 0, 0, 0x30, 0, 0, 3, 0x31, 0x2E, 0x32]   // abstract syntax but no transfer syntax
        pc = [0x20, 0, 0, UInt8(pc.count)] + pc
        check(0x01, [0x00, 0x01, 0, 0] + [UInt8](repeating: 0x20, count: 32) + [UInt8](repeating: 0, count: 32) + pc)
    }

    @Test func pdvsAreIteratedWithoutCopying() throws {
        var body: [UInt8] = [0, 0, 0, 4, 0x03, 0x03, 0xAA, 0xBB]       // context 3, command, last
        body += [0, 0, 0, 3, 0x05, 0x00, 0xCC]                         // context 5, data, not last
        var seen: [PresentationDataValue] = []
        try PDataTF.forEachValue(in: body[...]) { seen.append($0) }
        #expect(seen.map(\.contextID) == [3, 5])
        #expect(seen[0].isCommand && seen[0].isLast && Array(seen[0].data) == [0xAA, 0xBB])
        #expect(!seen[1].isCommand && !seen[1].isLast && Array(seen[1].data) == [0xCC])
        #expect(PDUEncoder.pDataHeader(contextID: 3, isCommand: true, isLast: true, dataLength: 2) == [0x04, 0, 0, 0, 0, 8, 0, 0, 0, 4, 3, 3])
    }
}

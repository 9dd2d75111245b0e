import DICOMDIMSE
import DICOMUpperLayer
import Foundation
import Testing

@Suite struct DIMSETests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("DICOMUpperLayerTests/Fixtures")

    /// The command set of a captured dcmtk P-DATA-TF PDU (one command PDV).
    static func command(_ name: String) throws -> ArraySlice<UInt8> {
        let hex = try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8).filter(\.isHexDigit)
        let digits = Array(hex.utf8)
        let pdu = stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<($0 + 2)], as: UTF8.self), radix: 16)! }
        var data: ArraySlice<UInt8> = []
        try PDataTF.forEachValue(in: pdu[6...]) { pdv in
            #expect(pdv.isCommand && pdv.isLast)
            data = pdv.data
        }
        return data
    }

    /// dcmtk's C-ECHO-RQ, C-ECHO-RSP, C-STORE-RQ and C-STORE-RSP parse, and the messages re-encode
    /// to exactly dcmtk's bytes.
    @Test func dcmtkCommandSetsParseAndReEncodeIdentically() throws {
        for name in ["dcmtk-echoscu-02-rq-type04.hex", "dcmtk-echoscu-03-ac-type04.hex", "dcmtk-storescu-02-rq-type04.hex",
                     "dcmtk-storescu-04-ac-type04.hex"] {
            let bytes = try Self.command(name)
            let message = try DIMSEMessage.parse(try CommandSet.decode(bytes))
            #expect(message.commandSet().encode() == Array(bytes), "\(name): \(message)")
        }
        guard case .cStoreRQ(let rq) = try DIMSEMessage.parse(try CommandSet.decode(try Self.command("dcmtk-storescu-02-rq-type04.hex"))) else {
            Issue.record("not a C-STORE-RQ")
            return
        }
        #expect(rq.affectedSOPClassUID == "1.2.840.10008.5.1.4.1.1.2" && rq.priority == .medium)
    }

    @Test func statuses() {
        #expect(DIMSEStatus(0xA701).category == .failure && DIMSEStatus(0xA701).meaning == "Refused: Out of Resources")
        #expect(DIMSEStatus(0xC123).meaning == "Cannot Understand")
        #expect(DIMSEStatus(0xB000).isWarning && DIMSEStatus.success.isSuccess)
        #expect(DIMSEStatus.refusedOutOfResources.isValidForCStore && !DIMSEStatus.noSuchActionType.isValidForCStore)
        #expect(DIMSEStatus(0xFF00).category == .pending)
        #expect("\(DIMSEStatus(0xA900))" == "0xA900 Data Set Does Not Match SOP Class (failure)")
    }

    @Test func assemblerJoinsCommandFragmentsAndPassesDataThrough() throws {
        let cmd = DIMSEMessage.cStoreRQ(CStoreRQ(messageID: 7, affectedSOPClassUID: "1.2.840.10008.5.1.4.1.1.2",
                                                 affectedSOPInstanceUID: "1.2.3")).commandSet().encode()
        var a = MessageAssembler()
        #expect(try a.receive(PresentationDataValue(contextID: 1, isCommand: true, isLast: false, data: cmd[0..<10])) == nil)
        guard case .commandWithDataSet(.cStoreRQ(let rq), 1)? = try a.receive(PresentationDataValue(contextID: 1, isCommand: true, isLast: true, data: cmd[10...])) else {
            Issue.record("command not assembled")
            return
        }
        #expect(rq.messageID == 7 && a.isReceivingDataSet)
        guard case .dataSetFragment(let d, false)? = try a.receive(PresentationDataValue(contextID: 1, isCommand: false, isLast: false, data: [1, 2][...])) else {
            Issue.record("no fragment")
            return
        }
        #expect(Array(d) == [1, 2])
        #expect(throws: DIMSEProtocolError.self) {   // a fragment on another context
            _ = try a.receive(PresentationDataValue(contextID: 3, isCommand: false, isLast: true, data: [][...]))
        }
        var b = MessageAssembler()
        #expect(throws: DIMSEProtocolError.self) {   // data before any command
            _ = try b.receive(PresentationDataValue(contextID: 1, isCommand: false, isLast: true, data: [][...]))
        }
        var c = MessageAssembler()
        #expect(throws: DIMSEProtocolError.self) {   // a command that never ends
            for _ in 0..<100 { _ = try c.receive(PresentationDataValue(contextID: 1, isCommand: true, isLast: false, data: [UInt8](repeating: 0, count: 1024)[...])) }
        }
        var e = MessageAssembler()
        let echo = DIMSEMessage.cEchoRQ(CEchoRQ(messageID: 1)).commandSet().encode()
        guard case .command(.cEchoRQ, 5)? = try e.receive(PresentationDataValue(contextID: 5, isCommand: true, isLast: true, data: echo[...])) else {
            Issue.record("C-ECHO-RQ not assembled")
            return
        }
    }
}

import DICOMDIMSE
import DICOMUpperLayer
import Testing
import TestSupport

/// C-FIND, C-MOVE, C-GET and C-CANCEL: the messages against the tables' field lists (read here
/// from spec/dicom, not through the generated code), their statuses, and following one
/// operation's responses (QueryRetrieveOperation).
@Suite struct QueryRetrieveMessageTests {
    static func fields(_ message: String) throws -> [(tag: UInt32, usage: String)] {
        try SpecTSV("dicom/dimse-message-fields.tsv").rows.filter { $0["message"] == message && $0["tag"] != "" }
            .map { (UInt32($0["tag"]!, radix: 16)!, $0["param_usage"]!) }
    }

    static func roundTrip(_ m: DIMSEMessage) throws -> (DIMSEMessage, [UInt32]) {
        let cs = try CommandSet.decode(m.commandSet().encode()[...])
        return (try DIMSEMessage.parse(cs), [0] + cs.elements.map(\.tag).filter { $0 != 0 })
    }

    /// Every field a message encodes is in its table; every field the table says is always
    /// there or mandatory is encoded; the message decodes to itself.
    @Test func messagesRoundTripWithTheTablesFields() throws {
        let counts = SubOperationCounts(remaining: 3, completed: 2, failed: 1, warning: 0)
        let cases: [(String, DIMSEMessage)] = [
            ("C-FIND-RQ", .cFindRQ(CFindRQ(messageID: 7, affectedSOPClassUID: "1.2.840.10008.5.1.4.1.2.2.1", priority: .high))),
            ("C-FIND-RSP", .cFindRSP(QueryRetrieveRSP(service: .find, messageIDBeingRespondedTo: 7, affectedSOPClassUID: "1.2.840.10008.5.1.4.1.2.2.1",
                                                      status: DIMSEStatus(0xFF00), hasIdentifier: true))),
            ("C-MOVE-RQ", .cMoveRQ(CMoveRQ(messageID: 8, affectedSOPClassUID: "1.2.840.10008.5.1.4.1.2.2.2", moveDestination: "SENDIT"))),
            ("C-MOVE-RSP", .cMoveRSP(QueryRetrieveRSP(service: .move, messageIDBeingRespondedTo: 8, affectedSOPClassUID: "1.2.840.10008.5.1.4.1.2.2.2",
                                                      status: DIMSEStatus(0xFF00), counts: counts))),
            ("C-GET-RQ", .cGetRQ(CGetRQ(messageID: 9, affectedSOPClassUID: "1.2.840.10008.5.1.4.1.2.2.3", priority: .low))),
            ("C-GET-RSP", .cGetRSP(QueryRetrieveRSP(service: .get, messageIDBeingRespondedTo: 9, affectedSOPClassUID: "1.2.840.10008.5.1.4.1.2.2.3",
                                                    status: DIMSEStatus(0xB000), counts: counts))),
            ("C-CANCEL-MOVE-RQ", .cCancelRQ(CCancelRQ(messageIDBeingRespondedTo: 8))),
        ]
        for (name, message) in cases {
            let (decoded, tags) = try Self.roundTrip(message)
            #expect(decoded == message, "\(name)")
            let table = try Self.fields(name)
            #expect(!table.isEmpty, "\(name) has no rows")
            #expect(Set(tags).isSubset(of: Set(table.map(\.tag))), "\(name): \(tags) not all in \(table.map(\.tag))")
            for f in table where f.usage == "" || f.usage == "M" {
                #expect(tags.contains(f.tag), "\(name) lacks (0000,\(String(f.tag, radix: 16)))")
            }
            #expect(message.hasDataSet == (name.hasSuffix("-RQ") && !name.contains("CANCEL") || name == "C-FIND-RSP"), "\(name)")
        }
        // The Command Field of every C-CANCEL is 0FFF, whatever it cancels.
        #expect(DIMSEMessage.cCancelRQ(CCancelRQ(messageIDBeingRespondedTo: 1)).commandSet().us(0x0000_0100) == 0x0FFF)
        #expect(try Self.fields("C-MOVE-RQ").contains { $0.tag == 0x0000_0600 && $0.usage == "M" })
    }

    @Test func aMoveRequestWithoutItsDestinationIsRefused() throws {
        var cs = DIMSEMessage.cMoveRQ(CMoveRQ(messageID: 1, affectedSOPClassUID: "1.2", moveDestination: "X")).commandSet()
        cs.set(0x0000_0600, bytes: [])
        #expect(throws: DIMSEMessage.ParseError.self) { try DIMSEMessage.parse(cs) }
    }

    /// The service-specific table, row by row, and how its codes differ from the general ones.
    @Test func statusesMeanWhatTheirServiceSays() throws {
        for row in try SpecTSV("dicom/dimse-qr-status.tsv").rows {
            let service = QueryRetrieveService(rawValue: row["service"]!)!
            for code in [UInt16(row["code_min"]!, radix: 16)!, UInt16(row["code_max"]!, radix: 16)!] {
                #expect(QueryRetrieveStatus.meaning(DIMSEStatus(code), in: service) == row["meaning"])
                #expect(QueryRetrieveStatus.category(DIMSEStatus(code), in: service).rawValue == row["category"]!.lowercased())
            }
        }
        #expect(QueryRetrieveStatus.describe(DIMSEStatus(0xA801), in: .move) == "0xA801 Move destination unknown (failure)")
        #expect(QueryRetrieveStatus.meaning(DIMSEStatus(0xB000), in: .move) != DIMSEStatus(0xB000).meaning)   // not a coercion
        #expect(QueryRetrieveStatus.meaning(DIMSEStatus(0xC123), in: .find) == "Unable to Process")
        #expect(QueryRetrieveStatus.category(DIMSEStatus(0xFF01), in: .find) == .pending)
        #expect(QueryRetrieveStatus.describe(DIMSEStatus(0xFE00), in: .get) == "0xFE00 Cancel (cancel)")
        #expect(QueryRetrieveStatus.describe(DIMSEStatus(0x0122), in: .find) == "0x0122 Refused: SOP Class not supported (failure)")
    }

    static func rsp(_ service: QueryRetrieveService, _ id: UInt16, _ status: UInt16, _ counts: SubOperationCounts = SubOperationCounts(),
                    identifier: Bool = false) -> QueryRetrieveRSP {
        QueryRetrieveRSP(service: service, messageIDBeingRespondedTo: id, affectedSOPClassUID: nil, status: DIMSEStatus(status),
                         counts: counts, hasIdentifier: identifier)
    }

    @Test func findMatchesUntilTheFinalResponse() throws {
        var op = QueryRetrieveOperation(service: .find, messageID: 3)
        #expect(try op.receive(Self.rsp(.find, 3, 0xFF00, identifier: true)) == .match)
        #expect(try op.receive(Self.rsp(.find, 3, 0xFF01, identifier: true)) == .match)
        guard case .final(let r) = try op.receive(Self.rsp(.find, 3, 0x0000)) else { Issue.record("not final"); return }
        #expect(r.category == .success && op.pendingResponses == 2 && op.isFinished && op.anomalies.isEmpty)
        #expect(throws: QueryRetrieveOperation.Violation.self) { try op.receive(Self.rsp(.find, 3, 0x0000)) }   // after the final
    }

    @Test func hostileResponsesAreViolations() {
        var op = QueryRetrieveOperation(service: .find, messageID: 3)
        #expect(throws: QueryRetrieveOperation.Violation(message: "a response to message 4, expected 3")) {
            try op.receive(Self.rsp(.find, 4, 0xFF00, identifier: true))
        }
        #expect(throws: QueryRetrieveOperation.Violation(message: "a Pending C-FIND-RSP without an identifier")) {
            try op.receive(Self.rsp(.find, 3, 0xFF00))
        }
        #expect(throws: QueryRetrieveOperation.Violation(message: "a C-MOVE-RSP in answer to a C-FIND-RQ")) {
            try op.receive(Self.rsp(.move, 3, 0x0000))
        }
        #expect(!op.isFinished)
    }

    @Test func moveCountsAreFollowedAndWhatDoesNotAddUpIsNoted() throws {
        var op = QueryRetrieveOperation(service: .move, messageID: 1)
        #expect(try op.receive(Self.rsp(.move, 1, 0xFF00, SubOperationCounts(remaining: 3, completed: 1, failed: 0, warning: 0)))
                == .progress(SubOperationCounts(remaining: 3, completed: 1, failed: 0, warning: 0)))
        _ = try op.receive(Self.rsp(.move, 1, 0xFF00, SubOperationCounts(remaining: 2, completed: 2, failed: 0, warning: 0)))
        #expect(op.anomalies.isEmpty)
        _ = try op.receive(Self.rsp(.move, 1, 0x0000, SubOperationCounts(completed: 3, failed: 1, warning: 0)))
        #expect(op.counts == SubOperationCounts(remaining: nil, completed: 3, failed: 1, warning: 0))
        #expect(op.anomalies == ["the final response says Success with 1 failed or warning sub-operations"])

        var lying = QueryRetrieveOperation(service: .get, messageID: 1)
        _ = try lying.receive(Self.rsp(.get, 1, 0xFF00, SubOperationCounts(remaining: 1, completed: 5, failed: 0, warning: 0)))
        _ = try lying.receive(Self.rsp(.get, 1, 0xFF00, SubOperationCounts(remaining: 9, completed: 2, failed: 0, warning: 0)))
        _ = try lying.receive(Self.rsp(.get, 1, 0x0000, SubOperationCounts(completed: 4, failed: 0, warning: 0)))
        #expect(lying.anomalies.contains("completed sub-operations went from 5 to 2"))
        #expect(lying.anomalies.contains("remaining and done sub-operations add up to 11, more than the 6 announced"))
        #expect(lying.anomalies.contains("4 sub-operations done of the 6 announced"))

        var quiet = QueryRetrieveOperation(service: .move, messageID: 1)
        _ = try quiet.receive(Self.rsp(.move, 1, 0xFF00))
        #expect(quiet.anomalies == ["a Pending C-MOVE-RSP without Number of Remaining Sub-operations"])
        guard case .final(let r) = try quiet.receive(Self.rsp(.move, 1, 0xA801)) else { Issue.record("not final"); return }
        #expect(r.category == .failure && r.statusDescription == "0xA801 Move destination unknown (failure)")
    }

    @Test func theAssemblerGivesAResponseItsIdentifier() throws {
        let cmd = DIMSEMessage.cFindRSP(Self.rsp(.find, 2, 0xFF00, identifier: true)).commandSet().encode()
        var a = MessageAssembler()
        guard case .commandWithDataSet(.cFindRSP(let r), 1)? = try a.receive(PresentationDataValue(contextID: 1, isCommand: true, isLast: true, data: cmd[...])) else {
            Issue.record("no C-FIND-RSP with a data set")
            return
        }
        #expect(r.isPending && a.isReceivingDataSet)
        let final = DIMSEMessage.cFindRSP(Self.rsp(.find, 2, 0x0000)).commandSet().encode()
        _ = try a.receive(PresentationDataValue(contextID: 1, isCommand: false, isLast: true, data: [0, 0][...]))
        guard case .command(.cFindRSP(let f), 1)? = try a.receive(PresentationDataValue(contextID: 1, isCommand: true, isLast: true, data: final[...])) else {
            Issue.record("no final C-FIND-RSP")
            return
        }
        #expect(!f.hasIdentifier && f.category == .success)
    }
}

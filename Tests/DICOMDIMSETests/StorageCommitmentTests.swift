import DICOMCore
import DICOMDIMSE
import Testing

/// N-ACTION and N-EVENT-REPORT command sets, and the Storage Commitment data sets.
@Suite struct StorageCommitmentTests {
    static func roundTrip(_ m: DIMSEMessage) throws -> DIMSEMessage {
        try DIMSEMessage.parse(try CommandSet.decode(m.commandSet().encode()[...]))
    }

    @Test func nActionAndNEventReportRoundTripWithTheirFields() throws {
        let messages: [DIMSEMessage] = [
            .nActionRQ(NActionRQ(messageID: 7, requestedSOPClassUID: StorageCommitment.sopClassUID,
                                 requestedSOPInstanceUID: StorageCommitment.sopInstanceUID, actionTypeID: 1)),
            .nActionRSP(NActionRSP(messageIDBeingRespondedTo: 7, affectedSOPClassUID: StorageCommitment.sopClassUID,
                                   affectedSOPInstanceUID: StorageCommitment.sopInstanceUID, actionTypeID: 1, status: .success)),
            .nEventReportRQ(NEventReportRQ(messageID: 3, affectedSOPClassUID: StorageCommitment.sopClassUID,
                                           affectedSOPInstanceUID: StorageCommitment.sopInstanceUID, eventTypeID: 2)),
            .nEventReportRSP(NEventReportRSP(messageIDBeingRespondedTo: 3, affectedSOPClassUID: StorageCommitment.sopClassUID,
                                             affectedSOPInstanceUID: StorageCommitment.sopInstanceUID, eventTypeID: 2,
                                             status: .noSuchEventType)),
        ]
        for m in messages { #expect(try Self.roundTrip(m) == m) }
        // The fields PS3.7 10.3.4-1 and 10.3.1-1 name, with their values.
        let cs = messages[0].commandSet()
        #expect(cs.us(0x0000_0100) == 0x0130)                       // Command Field: N-ACTION-RQ
        #expect(cs.string(0x0000_0003) == "1.2.840.10008.1.20.1")   // Requested SOP Class UID
        #expect(cs.string(0x0000_1001) == "1.2.840.10008.1.20.1.1") // Requested SOP Instance UID
        #expect(cs.us(0x0000_1008) == 1)                            // Action Type ID
        #expect(cs.us(0x0000_0800) != 0x0101)                       // a data set follows
        let report = messages[2].commandSet()
        #expect(report.us(0x0000_0100) == 0x0100 && report.us(0x0000_1002) == 2)
        #expect(messages[1].hasDataSet == false && messages[0].hasDataSet && messages[2].hasDataSet)
    }

    @Test func aRequestWithoutItsMandatoryFieldsIsRefused() throws {
        var cs = DIMSEMessage.nActionRQ(NActionRQ(messageID: 1, requestedSOPClassUID: "1.2", requestedSOPInstanceUID: "1.2.1",
                                                  actionTypeID: 1)).commandSet()
        cs.set(0x0000_1008, bytes: [])
        let decoded = try CommandSet.decode(cs.encode()[...])
        #expect(throws: DIMSEMessage.ParseError.self) { try DIMSEMessage.parse(decoded) }
    }

    @Test func theRequestAndTheReportCarryTheReferences() throws {
        let refs = [StorageCommitment.Reference(sopClassUID: "1.2.840.10008.5.1.4.1.1.2", sopInstanceUID: "2.25.1"),
                    StorageCommitment.Reference(sopClassUID: "1.2.840.10008.5.1.4.1.1.4", sopInstanceUID: "2.25.2")]
        let request = StorageCommitment.requestDataSet(transactionUID: "2.25.99", references: refs)
        #expect(request.string(.transactionUID) == "2.25.99")
        #expect(request[.referencedSOPSequence]?.items?.map { $0.string(.referencedSOPInstanceUID) } == ["2.25.1", "2.25.2"])
        let report = StorageCommitment.Report(transactionUID: "2.25.99", committed: [refs[0]], failed: [(reference: refs[1], reason: 0x0110)])
        let parsed = try StorageCommitment.Report.parse(report.dataSet())
        #expect(parsed == report)
        #expect(parsed.failed.first?.reason == 0x0110)
        #expect(throws: StorageCommitment.Report.Invalid.self) { try StorageCommitment.Report.parse(DataSet()) }
        var broken = report.dataSet()
        _ = broken.set(DataElement(sequence: .referencedSOPSequence, items: [DataSet([DataElement(tag: .referencedSOPClassUID, vr: .UI, string: "1.2")])]))
        #expect(throws: StorageCommitment.Report.Invalid.self) { try StorageCommitment.Report.parse(broken) }
    }
}

import DICOMCore
import DICOMDIMSE
import DICOMFile
@testable import DICOMNetwork
import DICOMUpperLayer
import Foundation
import Testing

/// The Query/Retrieve SCU against a scripted SCP (FakeSCP): matches and counts as they come,
/// and what it does with hostile responses. The real archives are in conformance/qr-test.
@Suite struct QueryRetrieveSCUTests {
    static func peer(_ scp: FakeSCP) -> RequestorAssociation.Parameters {
        var p = RequestorAssociation.Parameters(host: "127.0.0.1", port: scp.port, callingAETitle: "T", calledAETitle: "FAKE",
                                                presentationContexts: [])
        p.dimseTimeout = 5
        return p
    }

    static let key: DataSet = {
        var ds = DataSet()
        ds.set(DataElement(tag: .queryRetrieveLevel, vr: .CS, string: "STUDY"))
        ds.set(DataElement(tag: .accessionNumber, vr: .SH, string: "A1"))
        ds.set(DataElement(tag: .studyInstanceUID, vr: .UI, string: ""))
        return ds
    }()

    static func rsp(_ service: QueryRetrieveService, _ id: UInt16, _ status: UInt16, identifier: Bool = false,
                    _ counts: SubOperationCounts = SubOperationCounts()) -> DIMSEMessage {
        let r = QueryRetrieveRSP(service: service, messageIDBeingRespondedTo: id, affectedSOPClassUID: nil, status: DIMSEStatus(status),
                                 counts: counts, hasIdentifier: identifier)
        switch service {
        case .find: return .cFindRSP(r)
        case .move: return .cMoveRSP(r)
        case .get: return .cGetRSP(r)
        }
    }

    @Test func findReturnsEachMatchThenTheFinalStatus() throws {
        // FakeSCP accepts the first transfer syntax proposed: Explicit VR Little Endian.
        func match(_ uid: String) throws -> [UInt8] {
            var ds = DataSet()
            ds.set(DataElement(tag: .studyInstanceUID, vr: .UI, string: uid))
            return try QueryIdentifier.encode(ds, .explicitVRLittleEndian)
        }
        let scp = try FakeSCP(.responses([(Self.rsp(.find, 1, 0xFF00, identifier: true), try match("1.2.3")),
                                          (Self.rsp(.find, 1, 0xFF01, identifier: true), try match("1.2.4")),
                                          (Self.rsp(.find, 1, 0x0000), nil)]))
        var uids: [String] = []
        let outcome = try QueryRetrieveSCU.find(Self.key, peer: Self.peer(scp)) { uids.append($0.string(.studyInstanceUID) ?? "?") }
        #expect(uids == ["1.2.3", "1.2.4"])
        #expect(outcome.succeeded && outcome.pendingResponses == 2 && outcome.anomalies.isEmpty)
    }

    @Test func aMalformedIdentifierAbortsTheFind() throws {
        // An element claiming 200 bytes with 4 present.
        let bad: [UInt8] = [0x20, 0x00, 0x0D, 0x00, 0x55, 0x49, 0xC8, 0x00, 0x31, 0x2E, 0x32, 0x00]
        let scp = try FakeSCP(.responses([(Self.rsp(.find, 1, 0xFF00, identifier: true), bad), (Self.rsp(.find, 1, 0x0000), nil)]))
        var matches = 0
        do {
            _ = try QueryRetrieveSCU.find(Self.key, peer: Self.peer(scp)) { _ in matches += 1 }
            Issue.record("accepted a malformed identifier")
        } catch {
            #expect("\(error)".contains("a C-FIND-RSP identifier that cannot be read"), "\(error)")
        }
        #expect(matches == 0)
    }

    @Test func aResponseToAnotherMessageAbortsTheMove() throws {
        let scp = try FakeSCP(.responses([(Self.rsp(.move, 999, 0xFF00, SubOperationCounts(remaining: 1, completed: 0, failed: 0, warning: 0)), nil)]))
        do {
            _ = try QueryRetrieveSCU.move(Self.key, to: "DEST", peer: Self.peer(scp)) { _ in }
            Issue.record("accepted a response to message 999")
        } catch {
            #expect("\(error)".contains("a response to message 999, expected 1"), "\(error)")
        }
    }

    @Test func moveReportsCountsAsTheyComeAndWhatDoesNotAddUp() throws {
        let scp = try FakeSCP(.responses([
            (Self.rsp(.move, 1, 0xFF00, SubOperationCounts(remaining: 2, completed: 1, failed: 0, warning: 0)), nil),
            (Self.rsp(.move, 1, 0xFF00, SubOperationCounts(remaining: 5, completed: 0, failed: 0, warning: 0)), nil),
            (Self.rsp(.move, 1, 0xB000, SubOperationCounts(remaining: 0, completed: 2, failed: 1, warning: 0)), nil)]))
        var seen: [SubOperationCounts] = []
        let outcome = try QueryRetrieveSCU.move(Self.key, to: "DEST", peer: Self.peer(scp)) { seen.append($0) }
        #expect(seen.count == 2 && seen[0].completed == 1)
        #expect(outcome.category == .warning && outcome.counts.failed == 1)
        #expect(outcome.statusDescription == "0xB000 Sub-operations completed, one or more failures (warning)")
        #expect(outcome.anomalies.contains { $0.contains("completed sub-operations went from 1 to 0") }, "\(outcome.anomalies)")
        #expect(outcome.anomalies.contains { $0.contains("add up to 5, more than the 3 announced") }, "\(outcome.anomalies)")
    }

    @Test func cancelSendsCCancelAndTheOperationEndsCancelled() throws {
        // Pending, then the SCP waits for the C-CANCEL-RQ before it answers Cancel.
        let scp = try FakeSCP(.responses([
            (Self.rsp(.move, 1, 0xFF00, SubOperationCounts(remaining: 9, completed: 1, failed: 0, warning: 0)), nil),
            (nil, nil),
            (Self.rsp(.move, 1, 0xFE00, SubOperationCounts(remaining: 8, completed: 1, failed: 0, warning: 0)), nil)]))
        let cancel = QueryRetrieveSCU.Cancel()
        let outcome = try QueryRetrieveSCU.move(Self.key, to: "DEST", peer: Self.peer(scp), cancel: cancel) { _ in cancel.request() }
        #expect(outcome.cancelled && outcome.category == .cancel && outcome.counts.remaining == 8)
    }

    @Test func getProposesStorageContextsWithTheSCPRole() {
        let (contexts, roles) = QueryRetrieveSCU.negotiation(.get, model: .studyRoot, storage: QueryRetrieveSCU.defaultStorageClasses)
        #expect(contexts.count == 128 && contexts.last?.id == 255)
        #expect(contexts[0].abstractSyntax == UID.studyRootQueryRetrieveInformationModelGet.rawValue)
        #expect(roles.count == 127 && roles.allSatisfy { $0.scpRole == 1 && $0.scuRole == 0 })
        #expect(roles.contains { $0.sopClassUID == UID.ctImageStorage.rawValue } && roles.contains { $0.sopClassUID == UID.mrImageStorage.rawValue })
        #expect(QueryRetrieveSCU.negotiation(.find, model: .patientRoot, storage: []).contexts.map(\.abstractSyntax)
                == [UID.patientRootQueryRetrieveInformationModelFind.rawValue])
    }

    @Test func identifiersRoundTripAndATruncatedOneIsRefused() throws {
        for ts in [TransferSyntax.implicitVRLittleEndian, .explicitVRLittleEndian] {
            let bytes = try QueryIdentifier.encode(Self.key, ts)
            #expect(try QueryIdentifier.decode(bytes, ts).string(.accessionNumber) == "A1")
            #expect(throws: QueryIdentifier.Malformed.self) { try QueryIdentifier.decode(Array(bytes.dropLast(3)), ts) }
        }
        #expect(throws: QueryIdentifier.Malformed.self) { try QueryIdentifier.decode([], .implicitVRLittleEndian) }
    }
}

import DICOMCore
import DICOMDIMSE
import DICOMFile
@testable import DICOMNetwork
import DICOMUpperLayer
import Foundation
import Testing

/// The receiver asks the staging how each instance is made durable, telling it the instance's
/// study, its sender and its C-STORE's Move Originator; one to be synced with its study is
/// handed over neither synced nor marked complete (recovery after a crash drops its part file).
@Suite struct ReceiverDurabilityTests {
    typealias Fixture = StorageSCPTests.Fixture

    /// A C-STORE naming a Move Originator, as an archive's sub-operation of a C-MOVE does.
    func storeAsSubOperation(_ f: Fixture, sop: String, originator: String, messageID: UInt16) throws -> CStoreRSP? {
        let a = try RequestorAssociation(RequestorAssociation.Parameters(host: "127.0.0.1", port: f.server.port, callingAETitle: "PACS",
                                                                         calledAETitle: "SENDIT", presentationContexts: f.contexts()))
        defer { try? a.release() }
        let file = try Part10File.read(path: try f.instance(study: "1.2.3.4", sop: sop))
        let bytes = try DataSetEncoder(explicitVR: true).encode(file.dataSet)
        _ = try a.request({ .cStoreRQ(CStoreRQ(messageID: $0, affectedSOPClassUID: UID.ctImageStorage.rawValue, affectedSOPInstanceUID: sop,
                                               moveOriginatorAETitle: originator, moveOriginatorMessageID: messageID)) },
                          contextID: 1, dataSet: bytes)
        return try a.storeResponse(waiting: true)
    }

    @Test func theStagingIsToldTheMoveOriginatorAndAnInstanceSyncedWithItsStudyIsLeftUnmarked() throws {
        let f = try Fixture()
        f.staging.durabilityAnswer = .withItsStudy
        let rsp = try storeAsSubOperation(f, sop: "1.2.3.4.1", originator: "SENDIT", messageID: 7)
        #expect(rsp?.status == .success)
        let arrival = try #require(f.staging.arrivals.first)
        #expect(arrival.studyInstanceUID == "1.2.3.4" && arrival.peer.callingAETitle == "PACS" && !arrival.onOwnGet)
        #expect(arrival.moveOriginatorAETitle == "SENDIT" && arrival.moveOriginatorMessageID == 7)
        let placed = try #require(f.staging.placements.first)
        #expect(placed.durability == .withItsStudy && placed.mode == RecordingStaging.incompleteMode)
    }

    @Test func aPushIsSyncedAndMarkedCompleteBeforeItIsPlaced() throws {
        let f = try Fixture()
        let results = StorageSCU.send(paths: [try f.instance(sop: "1.2.3.4.2")], to: f.destination())
        #expect(results.allSatisfy { $0.succeeded })
        #expect(f.staging.arrivals.map(\.moveOriginatorAETitle) == [nil])
        let placed = try #require(f.staging.placements.first)
        #expect(placed.durability == .beforeSuccess && placed.mode == RecordingStaging.completeMode)
    }

    @Test func aNodeThatSyncsNothingIsNotAsked() throws {
        let f = try Fixture { $0.sync = false }
        f.staging.durabilityAnswer = .withItsStudy
        #expect(try storeAsSubOperation(f, sop: "1.2.3.4.3", originator: "SENDIT", messageID: 1)?.status == .success)
        #expect(f.staging.arrivals.isEmpty)
        #expect(f.staging.placements.first?.durability == .beforeSuccess)
    }
}

import DICOMDIMSE
import Foundation
import GRDB
@testable import Pipeline
import Testing
@testable import SenditIndex

/// Recording Storage Commitment results in the index.
@Suite struct StorageCommitmentResultsTests {
    /// Three images of one series, de-identified and `sent` at "orthanc", and a request for them.
    static func fixture() throws -> (PipelineFixture, StorageCommitmentResults) {
        let f = try PipelineFixture()
        for n in 1...3 { try f.instance(in: f.data + "/study", sop: "1.2.3.1.\(n)") }
        _ = try f.importer.importFolder(f.data + "/study")
        try f.database.writer.write { db in
            try db.execute(sql: "UPDATE image SET status = 'DONEPROCESSING'")
            for image in try ImageRecord.fetchAll(db) {
                try DeidentifiedRecord(imageId: image.id!, studyInstanceUID: "2.25.1", seriesInstanceUID: "2.25.2",
                                       sopInstanceUID: "2.25.3.\(image.sopInstanceUID.split(separator: ".").last!)",
                                       path: "/outbox/\(image.id!).dcm", size: 10, createdAt: Date()).insert(db)
                var row = DeliveryRecord(imageId: image.id!, destination: "orthanc", state: .sent, bytes: 10, updatedAt: Date())
                try row.insert(db)
            }
            try db.execute(sql: "INSERT INTO commitmentRequest (transactionUID, destination, seriesId, images, requestedAt) VALUES ('2.25.77', 'orthanc', 1, 3, ?)",
                           arguments: [Date()])
        }
        return (f, StorageCommitmentResults(database: f.database, destinations: ["orthanc"], aeTitles: ["orthanc": "ORTHANC"]))
    }

    static func ref(_ n: Int) -> StorageCommitment.Reference {
        StorageCommitment.Reference(sopClassUID: "1.2.840.10008.5.1.4.1.1.2", sopInstanceUID: "2.25.3.\(n)")
    }

    @Test func committedImagesAreDoneAndTheOthersAreSentAgain() throws {
        let (f, results) = try Self.fixture()
        let status = results.record(StorageCommitment.Report(transactionUID: "2.25.77", committed: [Self.ref(1), Self.ref(2)],
                                                             failed: [(reference: Self.ref(3), reason: 0x0110)]), callingAETitle: "ORTHANC")
        #expect(status == .success)
        #expect(try f.count("SELECT COUNT(*) FROM delivery WHERE state = 'done' AND verifiedAt IS NOT NULL") == 2)
        #expect(try f.count("SELECT COUNT(*) FROM delivery") == 2, "the image not committed loses its record: it is sent again")
        #expect(try f.statuses() == ["1.2.3.1.1": .done, "1.2.3.1.2": .done, "1.2.3.1.3": .doneProcessing])
        #expect(try f.count("SELECT COUNT(*) FROM commitmentRequest WHERE answeredAt IS NOT NULL AND committed = 2 AND failed = 1") == 1)
        #expect(try f.count("SELECT COUNT(*) FROM event WHERE entity = 'delivery' AND reason LIKE '%0x0110%'") == 1)
    }

    @Test func aResultForATransactionThatIsNotOursChangesNothing() throws {
        let (f, results) = try Self.fixture()
        let status = results.record(StorageCommitment.Report(transactionUID: "2.25.666", committed: [Self.ref(1), Self.ref(2), Self.ref(3)],
                                                             failed: []), callingAETitle: "MALLORY")
        #expect(status == .invalidArgumentValue)
        #expect(try f.count("SELECT COUNT(*) FROM delivery WHERE state = 'sent'") == 3)
        #expect(try f.statuses().values.allSatisfy { $0 == .doneProcessing })
    }

    @Test func aResultFromAnotherAETitleThanTheDestinationIsRefused() throws {
        let (f, results) = try Self.fixture()
        let status = results.record(StorageCommitment.Report(transactionUID: "2.25.77", committed: [Self.ref(1), Self.ref(2), Self.ref(3)],
                                                             failed: []), callingAETitle: "MALLORY")
        #expect(status == .refusedNotAuthorized)
        #expect(try f.count("SELECT COUNT(*) FROM delivery WHERE state = 'sent'") == 3)
        #expect(try f.count("SELECT COUNT(*) FROM commitmentRequest WHERE answeredAt IS NULL") == 1)
    }

    @Test func transactionUIDsAreValidAndDistinct() {
        let uids = (0..<100).map { _ in StorageCommitmentResults.newTransactionUID() }
        #expect(Set(uids).count == 100)
        #expect(uids.allSatisfy { $0.hasPrefix("2.25.") && $0.count <= 64 && !$0.hasPrefix("2.25.0") && $0.dropFirst(5).allSatisfy(\.isNumber) })
    }
}

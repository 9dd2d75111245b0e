import DICOMDIMSE
import Foundation
@testable import Pipeline
import Testing
import SenditIndex
import SenditIndexTestSupport

/// Recording Storage Commitment results in the index.
@Suite struct StorageCommitmentResultsTests {
    /// Three images of one series, de-identified and `sent` at "orthanc", and a request for them.
    static func fixture() throws -> (PipelineFixture, StorageCommitmentResults) {
        let f = try PipelineFixture()
        for n in 1...3 { try f.instance(in: f.data + "/study", sop: "1.2.3.1.\(n)") }
        _ = try f.importer.importFolder(f.data + "/study")
        // De-identified, stored at "orthanc" (not verified), and a commitment requested: as the
        // stages record them.
        let job = try #require(try f.queue.claimNext(owner: "w", stages: ["process"]))
        #expect(try f.queue.takeImages(for: job, from: [.new], to: .processing) == 3)
        try f.database.recordDeidentified(try f.images().map { image in
            .placed(DeidentifiedCopy(imageId: image.id!, studyInstanceUID: "2.25.1", seriesInstanceUID: "2.25.2",
                                     sopInstanceUID: "2.25.3.\(image.sopInstanceUID.split(separator: ".").last!)",
                                     path: "/outbox/\(image.id!).dcm", size: 10))
        })
        try f.queue.complete(job, owner: "w", next: [])
        let pending = try f.database.pendingDeliveries(seriesId: job.seriesId, destination: "orthanc")
        #expect(pending.count == 3)
        try f.database.recordDeliveries(pending.map { ($0, .stored(dimseStatus: 0, warning: nil)) }, destination: "orthanc", verified: false)
        #expect(try f.contents.deliveries().allSatisfy { $0.state == .sent })
        try f.database.recordCommitmentRequest(transactionUID: "2.25.77", destination: "orthanc", seriesId: job.seriesId, images: 3)
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
        #expect(try f.contents.deliveries().filter { $0.state == .done && $0.verifiedAt != nil }.count == 2)
        #expect(try f.contents.deliveries().count == 2, "the image not committed loses its record: it is sent again")
        #expect(try f.statuses() == ["1.2.3.1.1": .done, "1.2.3.1.2": .done, "1.2.3.1.3": .doneProcessing])
        #expect(try f.contents.commitmentRequests().filter { $0.answeredAt != nil && $0.committed == 2 && $0.failed == 1 }.count == 1)
        #expect(try f.contents.events().filter { $0.entity == "delivery" && $0.reason.contains("0x0110") }.count == 1)
    }

    @Test func aResultForATransactionThatIsNotOursChangesNothing() throws {
        let (f, results) = try Self.fixture()
        let status = results.record(StorageCommitment.Report(transactionUID: "2.25.666", committed: [Self.ref(1), Self.ref(2), Self.ref(3)],
                                                             failed: []), callingAETitle: "MALLORY")
        #expect(status == .invalidArgumentValue)
        #expect(try f.contents.deliveries().filter { $0.state == .sent }.count == 3)
        #expect(try f.statuses().values.allSatisfy { $0 == .doneProcessing })
    }

    @Test func aResultFromAnotherAETitleThanTheDestinationIsRefused() throws {
        let (f, results) = try Self.fixture()
        let status = results.record(StorageCommitment.Report(transactionUID: "2.25.77", committed: [Self.ref(1), Self.ref(2), Self.ref(3)],
                                                             failed: []), callingAETitle: "MALLORY")
        #expect(status == .refusedNotAuthorized)
        #expect(try f.contents.deliveries().filter { $0.state == .sent }.count == 3)
        #expect(try f.contents.commitmentRequests().filter { $0.answeredAt == nil }.count == 1)
    }

    @Test func transactionUIDsAreValidAndDistinct() {
        let uids = (0..<100).map { _ in StorageCommitmentResults.newTransactionUID() }
        #expect(Set(uids).count == 100)
        #expect(uids.allSatisfy { $0.hasPrefix("2.25.") && $0.count <= 64 && !$0.hasPrefix("2.25.0") && $0.dropFirst(5).allSatisfy(\.isNumber) })
    }
}

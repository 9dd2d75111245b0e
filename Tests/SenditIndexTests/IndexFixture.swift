import Foundation
import SenditIndex

/// A scratch SQLite index, reached through `IndexStore` (as the rest of sendit reaches it), and
/// a job queue on it. Images are recorded as an import records them; no file is needed (the
/// index records what it is told).
final class IndexFixture {
    let root: String
    let database: IndexDatabase
    var index: any IndexStore { database }
    let queue: JobQueue

    init(policy: RetryPolicy = RetryPolicy(maxAttempts: 3, baseDelay: 10, maximumDelay: 60, lease: 30),
         stagePolicies: [String: RetryPolicy] = [:]) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("sendit-index-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        database = try IndexDatabase(path: root + "/sendit.db")
        queue = JobQueue(database: database, policy: policy,
                         workingStatuses: ["process": .processing, "identify": .processing, "deidentify": .processing],
                         stagePolicies: stagePolicies)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// Where quarantined files would go; every file exists.
    var placement: QuarantinePlacement {
        QuarantinePlacement(exists: { _ in true }, target: { [root] id, name in root + "/quarantine/\(id)-\(name)" })
    }

    /// Records images of one series, as an import of `folder` does, and queues `firstStage`.
    @discardableResult
    func add(series: String, sops: [String], study: String = "1.2.3", folder: String = "study",
             firstStage: String? = "process", now: Date = Date(), receivedAt: [Date?]? = nil,
             project: String = ImportedImage.defaultProject) throws -> ImportCounts {
        let entries = sops.enumerated().map { n, sop in
            var image = ImportedImage(path: root + "/data/\(folder)/\(sop).dcm", size: 100, studyInstanceUID: study,
                                      seriesInstanceUID: series, sopInstanceUID: sop, sopClassUID: "1.2.840.10008.5.1.4.1.1.2",
                                      transferSyntaxUID: "1.2.840.10008.1.2.1", modality: "CT", receivedAt: receivedAt?[n])
            image.project = project
            return ImportEntry.image(image, earlier: nil)
        }
        return try index.recordImport(entries, placement: placement, sameDataSet: { _, _ in false }, firstStage: firstStage,
                                      maxAttempts: queue.policy.maxAttempts, queueing: [], reason: "new images from \(folder)", now: now)
    }

    func jobs() throws -> [JobRecord] { try index.jobs(seriesId: nil) }

    func images() throws -> [ImageRecord] { try index.images(seriesId: nil) }

    func statuses() throws -> [String: ImageStatus] {
        Dictionary(uniqueKeysWithValues: try images().map { ($0.sopInstanceUID, $0.status) })
    }
}

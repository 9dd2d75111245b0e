import DICOMCore
import DICOMFile
import Foundation
import GRDB
import Logging
import SenditIndex

/// The send stage of a Google Cloud Storage destination: once a series is wholly de-identified,
/// its outbox copies (nothing else) become one NIfTI-1 volume, gzip-compressed, uploaded as
/// `<collection>/<coded patient>/<coded accession>/<series>.nii.gz` with the metadata document
/// beside it (`.json`) and as the volume's custom metadata. The upload is then verified (the
/// bucket shows the object at its size) and the images are `done` there. A series that cannot be
/// a volume (compressed pixel data, no pixel data, geometry that is not uniform) is `skipped`
/// with the reason, never silently. Faults that may pass are retried by the job queue; a refusal
/// (HTTP 4xx but 408/429) fails the images with the reason.
public struct GoogleStage: StageHandler {
    public let destination: DeliveryDestination
    public let destinations: [String]
    public let storage: GoogleCloudStorage
    public let collection: String
    public var fields: [String] = SeriesMetadata.defaultFields
    let logger: Logger

    public var stage: String { destination.stage }
    public let inputStatuses: [ImageStatus] = []
    public let workingStatus: ImageStatus = .doneProcessing
    public let nextStages: [String] = []

    public init(destination: DeliveryDestination, destinations: [String], storage: GoogleCloudStorage,
                logger: Logger = Logger(label: "sendit") { _ in SwiftLogNoOpLogHandler() }) {
        guard case .googleCloudStorage(_, let collection) = destination.target else {
            preconditionFailure("GoogleStage uploads to Google Cloud Storage; \(destination.name) is not that")
        }
        self.destination = destination
        self.destinations = destinations
        self.storage = storage
        self.collection = collection
        self.logger = logger
    }

    struct Image {
        let id: Int64
        let path: String
        let size: Int64
        let sopInstanceUID: String
        let seriesInstanceUID: String
        let done: Bool
    }

    public func run(_ job: StageJob) throws {
        let (unfinished, images) = try job.database.writer.read { db in
            // Images still being identified or de-identified: the volume waits for them (the
            // job queued when the de-identify job completes comes back).
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM image WHERE seriesId = ? AND status IN ('NEW','PROCESSING')",
                              arguments: [job.seriesId]) ?? 0,
             try Row.fetchAll(db, sql: """
                SELECT i.id, d.path, d.size, d.sopInstanceUID, d.seriesInstanceUID,
                       EXISTS (SELECT 1 FROM delivery AS v WHERE v.imageId = i.id AND v.destination = ?)
                FROM image AS i JOIN deidentified AS d ON d.imageId = i.id
                WHERE i.seriesId = ? AND i.status IN ('DONEPROCESSING','SENT') ORDER BY i.id
                """, arguments: [destination.name, job.seriesId]).map {
                Image(id: $0[0], path: $0[1], size: $0[2], sopInstanceUID: $0[3], seriesInstanceUID: $0[4], done: $0[5])
             })
        }
        guard unfinished == 0, images.contains(where: { !$0.done }) else { return }
        // A series whose volume was uploaded already (its images delivered here, some perhaps
        // cleaned up): an image that arrives later is not merged into it, and a volume of the
        // late images alone would replace the whole one. Recorded, with where the volume is.
        let uploaded = try job.database.writer.read { db in
            try String.fetchOne(db, sql: """
                SELECT v.detail FROM delivery AS v JOIN image AS i ON i.id = v.imageId
                WHERE i.seriesId = ? AND v.destination = ? AND v.state = 'done' LIMIT 1
                """, arguments: [job.seriesId, destination.name])
                ?? (try String.fetchOne(db, sql: """
                    SELECT s.destinations FROM seriesSummary AS s JOIN series AS x ON x.seriesInstanceUID = s.seriesInstanceUID
                    WHERE x.id = ? AND instr(',' || s.destinations || ',', ',' || ? || ',') > 0
                    """, arguments: [job.seriesId, destination.name])).map { _ in "an earlier upload" }
        }
        // One volume per de-identified series (normally one per original series).
        for (series, members) in Dictionary(grouping: images, by: \.seriesInstanceUID).sorted(by: { $0.key < $1.key })
        where members.contains(where: { !$0.done }) {
            if let uploaded {
                try record(members, state: .skipped, detail: "arrived after the series' volume was uploaded (\(uploaded)); not merged into it",
                           bytes: 0, job: job)
                continue
            }
            try deliver(series: series, members, job: job)
        }
        try job.database.writer.write { db in
            try DeliveryProgress.advance(db, seriesId: job.seriesId, destinations: destinations, at: Date())
        }
    }

    func deliver(series: String, _ images: [Image], job: StageJob) throws {
        let started = Date()
        let result: NIfTIVolume.Result
        do {
            result = try NIfTIVolume.make(paths: images.map(\.path))
        } catch {
            // The outbox copies could not be read: not the destination's doing; tried again.
            throw GoogleCloudError("\(destination.name): cannot read the series' de-identified copies: \(error)", isTransient: true)
        }
        switch result {
        case .notConvertible(let reason):
            try record(images, state: .skipped, detail: "not convertible to NIfTI: \(reason)", bytes: 0, job: job)
            logger.warning("series not convertible to NIfTI; recorded, not uploaded", metadata: [
                "destination": "\(destination.name)", "series": "\(job.seriesId)", "reason": "\(reason)"])
        case .volume(let volume):
            let header = try Part10File.read(path: images[0].path, options: ReadOptions(stopBeforePixelData: true)).dataSet
            let metadata = SeriesMetadata.make(fields: fields, header: header, images: volume.slices,
                                               sliceThickness: volume.sliceThickness, rows: volume.rows, columns: volume.columns)
            let base = [collection, SeriesMetadata.objectNameComponent(header.string(.patientID)),
                        SeriesMetadata.objectNameComponent(header.string(.accessionNumber)),
                        SeriesMetadata.objectNameComponent(series)].joined(separator: "/")
            let gz = Data(try volume.gzipped())
            let document = try JSONSerialization.data(withJSONObject: metadata, options: [.sortedKeys, .prettyPrinted])
            do {
                try job.keepAlive()
                try storage.upload(base + ".nii.gz", gz, contentType: "application/gzip", metadata: metadata)
                try storage.upload(base + ".json", document, contentType: "application/json", metadata: metadata)
                try job.keepAlive()
                // Verified: the bucket shows both objects, the volume at the size uploaded.
                let stored = try storage.objectMetadata(base + ".nii.gz")
                _ = try storage.objectMetadata(base + ".json")
                guard stored.size == gz.count else {
                    throw GoogleCloudError("\(destination.name): \(base).nii.gz is \(stored.size) bytes in the bucket, \(gz.count) were uploaded",
                                           isTransient: true)
                }
            } catch let error as GoogleCloudError where !error.isTransient {
                try record(images, state: .failed, detail: "\(error)", bytes: 0, job: job)
                return
            }
            try record(images, state: .done, detail: "gs://\(storage.bucket)/\(base).nii.gz", bytes: Int64(gz.count) / Int64(max(1, images.count)), job: job)
            logger.info("series uploaded", metadata: [
                "destination": "\(destination.name)", "series": "\(job.seriesId)", "object": "\(base).nii.gz",
                "bytes": "\(gz.count)", "shape": "\(volume.shape.map(String.init).joined(separator: "x"))",
                "seconds": "\(String(format: "%.2f", Date().timeIntervalSince(started)))"])
        }
    }

    /// Given up (by age): the images this destination does not have yet are FAILED; those it
    /// has, waiting for other destinations, are left alone.
    public func giveUp(_ db: Database, job: JobRecord, reason: String, at: Date) throws {
        try DeliveryProgress.giveUp(db, seriesId: job.seriesId, destination: destination.name, reason: reason, at: at)
    }

    /// Records each image not yet delivered here in `state`, with its event; a refusal fails
    /// the image.
    func record(_ images: [Image], state: DeliveryRecord.State, detail: String, bytes: Int64, job: StageJob) throws {
        let now = Date()
        try job.database.writer.write { db in
            for image in images where !image.done {
                var row = DeliveryRecord(imageId: image.id, destination: destination.name, state: state, detail: detail, bytes: bytes,
                                         sentAt: state == .done ? now : nil, verifiedAt: state == .done ? now : nil, updatedAt: now)
                try row.insert(db, onConflict: .replace)
                try EventRecord(entity: "delivery", entityId: image.id, from: nil, to: state.rawValue,
                                reason: "\(destination.name): \(detail)", at: now).insert(db)
                if state == .failed {
                    for from in [ImageStatus.doneProcessing, .sent] {
                        try ImageTransition.moveImage(db, imageId: image.id, from: from, to: .failed,
                                                      reason: "\(destination.name) refused it: \(detail)", at: now)
                    }
                }
            }
        }
    }
}

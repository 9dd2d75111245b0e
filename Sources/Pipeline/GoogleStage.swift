import DICOMCore
import DICOMFile
import Foundation
import NIfTI
import RemoteServices
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
public struct GoogleStage: DeliveryStage {
    public let destination: DeliveryDestination
    public let destinations: [String]
    public let storage: GoogleCloudStorage
    public let collection: String
    public var fields: [String] = SeriesMetadata.defaultFields
    /// Where uploads and finished series are counted (by default the process's metrics system).
    public var metrics = PipelineMetrics()
    let logger: Logger


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

    typealias Image = VolumeImage

    public func run(_ job: StageJob) throws {
        // Images still being identified or de-identified: the volume waits for them (the job
        // queued when the de-identify job completes comes back).
        let (unfinished, images) = try job.database.volumeInput(seriesId: job.seriesId, destination: destination.name)
        guard unfinished == 0, images.contains(where: { !$0.done }) else { return }
        // A series whose volume was uploaded already (its images delivered here, some perhaps
        // cleaned up): an image that arrives later is not merged into it, and a volume of the
        // late images alone would replace the whole one. Recorded, with where the volume is.
        let uploaded = try job.database.earlierUpload(seriesId: job.seriesId, destination: destination.name)
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
        metrics.completed(try job.database.advanceDeliveries(seriesId: job.seriesId, destinations: destinations))
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


    /// Records each image not yet delivered here in `state`, with its event; a refusal fails
    /// the image.
    func record(_ images: [Image], state: DeliveryRecord.State, detail: String, bytes: Int64, job: StageJob) throws {
        let ids = images.filter { !$0.done }.map(\.id)
        try job.database.recordDeliveries(imageIds: ids, destination: destination.name,
                                          state: state, detail: detail, bytes: bytes)
        switch state {
        case .done:
            metrics.sent(ids.count, destination: destination.name)
            metrics.verified(ids.count, destination: destination.name)
        case .failed: metrics.failed(ids.count, destination: destination.name)
        default: break
        }
    }
}

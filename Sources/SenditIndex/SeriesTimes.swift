import Foundation

/// One series as `sendit report` shows it: when it was received (imported into the index),
/// de-identified (its last image) and delivered (its last image verified at its last
/// destination), with its counts. From the series still in the index and the summary rows that
/// outlive clean-up, merged by SeriesInstanceUID. Never a patient name, ID, birth date or
/// accession number: the index holds none.
public struct SeriesTimes: Codable, Sendable, Equatable {
    public var seriesInstanceUID: String
    public var studyInstanceUID: String
    /// The de-identified series' UID (nil before de-identification).
    public var deidentifiedSeriesInstanceUID: String?
    public var modality: String?
    /// The derived status of the images still in the index; `CLEANED` when clean-up removed
    /// them all (they were DONE).
    public var status: String
    public var images: Int
    /// Images removed by clean-up (counted in `images`).
    public var cleanedImages: Int
    /// Bytes received, and bytes of the de-identified copies.
    public var bytes: Int64
    public var deidentifiedBytes: Int64
    /// Destinations that recorded a delivery, comma-separated, sorted.
    public var destinations: String
    public var receivedAt: Date
    /// When its last image was de-identified (nil: none yet, or cleaned up by a sendit before
    /// `v8-report`, which did not keep the time).
    public var deidentifiedAt: Date?
    /// When its last image was verified at its last destination; nil until every image of the
    /// series is DONE (or cleaned up).
    public var deliveredAt: Date?
    /// The project routing chose ("default" without projects).
    public var project = "default"

    public init(seriesInstanceUID: String, studyInstanceUID: String, deidentifiedSeriesInstanceUID: String? = nil,
                modality: String? = nil, status: String, images: Int, cleanedImages: Int = 0, bytes: Int64, deidentifiedBytes: Int64 = 0,
                destinations: String = "", receivedAt: Date, deidentifiedAt: Date? = nil, deliveredAt: Date? = nil) {
        self.seriesInstanceUID = seriesInstanceUID
        self.studyInstanceUID = studyInstanceUID
        self.deidentifiedSeriesInstanceUID = deidentifiedSeriesInstanceUID
        self.modality = modality
        self.status = status
        self.images = images
        self.cleanedImages = cleanedImages
        self.bytes = bytes
        self.deidentifiedBytes = deidentifiedBytes
        self.destinations = destinations
        self.receivedAt = receivedAt
        self.deidentifiedAt = deidentifiedAt
        self.deliveredAt = deliveredAt
    }
}

import Foundation

/// What the index says now that the alerts look at (`AlertStore.alertObservation`): every
/// series with a FAILED or HELD image (its index row id and counts, never a UID or a value of
/// its images), the destinations whose send jobs keep failing and since when, and the
/// conditions already alerted and not cleared.
public struct AlertObservation: Sendable, Equatable {
    public struct Series: Sendable, Equatable {
        /// The series' row id in the index.
        public var id: Int64
        public var modality: String?
        public var images: Int
        public var failed: Int
        public var held: Int
        /// Images still NEW or PROCESSING: the FAILED and HELD counts may still grow.
        public var inFlight: Int
        /// When its earliest FAILED or HELD image became so.
        public var troubleSince: Date

        public init(id: Int64, modality: String?, images: Int, failed: Int, held: Int, inFlight: Int, troubleSince: Date) {
            self.id = id
            self.modality = modality
            self.images = images
            self.failed = failed
            self.held = held
            self.inFlight = inFlight
            self.troubleSince = troubleSince
        }
    }

    /// A destination whose send jobs failed and have not succeeded since.
    public struct Destination: Sendable, Equatable {
        public var name: String
        /// The first failed try after the destination last took an image.
        public var failingSince: Date
        /// Its send jobs waiting to be tried again.
        public var jobs: Int
        public var lastError: String

        public init(name: String, failingSince: Date, jobs: Int, lastError: String) {
            self.name = name
            self.failingSince = failingSince
            self.jobs = jobs
            self.lastError = lastError
        }
    }

    /// A reason recorded on images of a series, and on how many.
    public struct Reason: Sendable, Equatable, Codable {
        public var reason: String
        public var images: Int

        public init(reason: String, images: Int) {
            self.reason = reason
            self.images = images
        }
    }

    /// A retrieval source whose work waits after a DICOM TLS failure (a certificate that does not
    /// verify, a peer that does not speak TLS): nothing is asked of it until its certificates are
    /// put right (`RetrievalDecision.pausedUntil`).
    public struct RetrievalSource: Sendable, Equatable {
        public var name: String
        /// The earliest of its waiting work's last failures.
        public var failingSince: Date
        /// Its items and studies waiting.
        public var waiting: Int
        /// The latest failure's reason (a TLS error: it names no value of a list).
        public var lastError: String

        public init(name: String, failingSince: Date, waiting: Int, lastError: String) {
            self.name = name
            self.failingSince = failingSince
            self.waiting = waiting
            self.lastError = lastError
        }
    }

    public var series: [Series]
    public var failingDestinations: [Destination]
    public var retrievalSourcesFailingTLS: [RetrievalSource]
    /// Conditions alerted and not cleared.
    public var open: Set<String>

    public init(series: [Series] = [], failingDestinations: [Destination] = [], retrievalSourcesFailingTLS: [RetrievalSource] = [],
                open: Set<String> = []) {
        self.series = series
        self.failingDestinations = failingDestinations
        self.retrievalSourcesFailingTLS = retrievalSourcesFailingTLS
        self.open = open
    }
}

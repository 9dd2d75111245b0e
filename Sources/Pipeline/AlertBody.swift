import Foundation
import SenditIndex

/// An alert's JSON body, as each webhook receives it. Never a value of an image: series by their
/// row id in the index with counts, destinations and folders by name, reasons as recorded (which
/// name attributes, never values) with anything like a UID masked.
public struct AlertBody: Codable, Sendable, Equatable {
    public struct Series: Codable, Sendable, Equatable {
        /// The series' row id in the index (what `sendit status` and the web pages show).
        public var id: Int64
        public var modality: String?
        public var images: Int
        public var failed: Int
        public var held: Int
    }

    public struct Destination: Codable, Sendable, Equatable {
        public var name: String
        public var failingSince: Date
        public var seconds: Int
        public var jobs: Int
        public var lastError: String
    }

    /// A retrieval source whose work waits after a DICOM TLS failure.
    public struct RetrievalSource: Codable, Sendable, Equatable {
        public var name: String
        public var failingSince: Date
        public var seconds: Int
        /// Its items and studies waiting.
        public var waiting: Int
        public var lastError: String
    }

    public struct Disk: Codable, Sendable, Equatable {
        /// The folders on the file system that is short of space: data, outbox.
        public var folders: [String]
        public var available: Int64
        public var minimum: Int64
    }

    public struct Restart: Codable, Sendable, Equatable {
        /// Runs that ended without a clean shutdown since the last such alert.
        public var runs: Int
        public var lastStartedAt: Date
        /// "killed or crashed", or "a service failed".
        public var ending: String
    }

    public var kind: String
    public var key: String
    public var node: String
    public var at: Date
    public var summary: String
    public var series: Series?
    public var reasons: [AlertObservation.Reason]?
    public var destination: Destination?
    public var retrievalSource: RetrievalSource?
    public var disk: Disk?
    public var restart: Restart?

    /// One line of JSON, keys sorted, times in ISO 8601.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    public static func decode(_ text: String) throws -> AlertBody {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(AlertBody.self, from: Data(text.utf8))
    }
}

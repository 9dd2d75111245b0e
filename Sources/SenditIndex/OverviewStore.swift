import Foundation

/// What the dashboard, the pages and the JSON API read: counts, the activity per hour, series
/// lists and one series in full. Values only, never an original patient name, ID, birth date
/// or accession number: the index does not hold them.
public protocol OverviewStore: AnyObject, Sendable {
    func dashboard(since: Date) throws -> DashboardFigures
    func seriesList(_ filter: SeriesFilter) throws -> SeriesListPage
    /// The series in `project`; nil project: in the project that received it last, when
    /// several hold the same UID (`SeriesDetail.alsoIn` names the others).
    func seriesDetail(seriesInstanceUID: String, project: String?) throws -> SeriesDetail?
    func quarantineList(limit: Int) throws -> [QuarantineLine]
    /// Where the series' received images were stored (the image rows' paths; the files may be
    /// gone): SHOW_PHI reads the original values from one of them, on request.
    func imagePaths(seriesInstanceUID: String, project: String?, limit: Int) throws -> [String]
    /// Images and bytes per hour and kind, oldest first.
    func activity(since: Date) throws -> [ActivityRow]
    /// Jobs queued and running per stage, images not yet verified per destination (the metrics).
    func queueDepths(destinations: [String]) throws -> QueueDepths
    /// The latest alerts, newest first, with how far their deliveries got (the Alerts page).
    func recentAlerts(limit: Int) throws -> [AlertRecord]
}

public struct ActivityRow: Codable, Sendable, Equatable {
    public var hour: String
    public var kind: Activity.Kind
    public var images: Int
    public var bytes: Int64
}

public struct DashboardFigures: Codable, Sendable, Equatable {
    public var studies: Int
    public var series: Int
    public var images: Int
    public var imagesByStatus: [String: Int]
    /// Series by derived status (FAILED, HELD, NEW, …).
    public var seriesByStatus: [String: Int]
    /// Jobs queued and running, per stage: `["deidentify": ["queued": 3, "running": 1]]`.
    public var jobs: [String: [String: Int]]
    /// Images still to deliver, per destination (de-identified, no final record there).
    public var pendingDeliveries: [String: Int]
    public var quarantined: Int
    public var activity: [ActivityRow]
    /// The newest reasons images failed or are held, with their series.
    public var latestProblems: [ProblemLine]
}

public struct ProblemLine: Codable, Sendable, Equatable {
    public var seriesInstanceUID: String
    /// The series' project: one SeriesInstanceUID may be in several.
    public var project: String
    public var status: String
    public var reason: String
    public var images: Int
    public var at: Date
}

public struct SeriesFilter: Sendable, Equatable {
    /// Series with at least one image in this status (FAILED, HELD, …), or of this derived status.
    public var status: ImageStatus?
    public var modality: String?
    /// Only this project's series.
    public var project: String?
    public var receivedFrom: Date?
    public var receivedTo: Date?
    /// A SeriesInstanceUID or StudyInstanceUID, or the start of one.
    public var uid: String?
    /// Series with a failed delivery record at this destination.
    public var failedAt: String?
    /// Series whose original patient ID or accession number has one of these keyed digests.
    public var searchDigests: [String] = []
    /// Series whose identifiers hold this coded value (a patient or study code).
    public var codedValue: String?
    public var limit: Int
    /// The page after the series with this row id (newest first).
    public var before: Int64?

    public init(status: ImageStatus? = nil, modality: String? = nil, receivedFrom: Date? = nil, receivedTo: Date? = nil,
                uid: String? = nil, failedAt: String? = nil, limit: Int = 50, before: Int64? = nil) {
        self.status = status
        self.modality = modality
        self.receivedFrom = receivedFrom
        self.receivedTo = receivedTo
        self.uid = uid
        self.failedAt = failedAt
        self.limit = limit
        self.before = before
    }
}

public struct SeriesListPage: Codable, Sendable, Equatable {
    public struct Line: Codable, Sendable, Equatable {
        public var id: Int64
        public var studyInstanceUID: String
        public var seriesInstanceUID: String
        public var modality: String?
        /// The project routing chose ("default" without projects).
        public var project: String
        public var receivedAt: Date
        public var images: Int
        public var status: String
        public var imagesByStatus: [String: Int]
    }

    public var series: [Line]
    /// The `before` of the next page; nil on the last.
    public var next: Int64?

    public init(series: [Line], next: Int64?) {
        self.series = series
        self.next = next
    }
}

public struct SeriesDetail: Codable, Sendable, Equatable {
    public struct Image: Codable, Sendable, Equatable {
        public var sopInstanceUID: String
        public var sopClassUID: String
        public var status: String
        public var reason: String?
        public var size: Int64
    }

    public struct Event: Codable, Sendable, Equatable {
        public var at: Date
        public var entity: String
        public var from: String?
        public var to: String
        public var reason: String
    }

    public struct Job: Codable, Sendable, Equatable {
        public var stage: String
        public var state: String
        public var attempts: Int
        public var maxAttempts: Int
        public var lastError: String?
        public var updatedAt: Date
    }

    public struct Delivery: Codable, Sendable, Equatable {
        public var destination: String
        public var state: String
        public var images: Int
        public var detail: String?
    }

    public var studyInstanceUID: String
    public var seriesInstanceUID: String
    public var modality: String?
    public var project: String
    public var receivedAt: Date
    public var status: String
    public var imagesByStatus: [String: Int]
    public var images: [Image]
    public var jobs: [Job]
    public var deliveries: [Delivery]
    /// The newest events first (at most 200).
    public var events: [Event]
    /// The coded values the identifiers step gave (never the originals).
    public var identifiers: [String: String]
    /// The other projects that hold a series of the same UID (a study sent to two projects).
    public var alsoIn: [String] = []
}

public struct QuarantineLine: Codable, Sendable, Equatable {
    public var id: Int64
    public var fileName: String
    public var movedTo: String
    public var reason: String
    public var at: Date
}

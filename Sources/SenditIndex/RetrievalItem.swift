import Foundation

/// One value of a retrieval list and what became of it. `value` and `researchID` are the
/// requester's own data: shown back only to operators allowed to retrieve, never logged.
public struct RetrievalItem: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable, CaseIterable {
        /// Waiting for its C-FIND.
        case queued
        /// Its C-FIND is running.
        case finding
        /// Its studies are being retrieved.
        case retrieving
        /// Over: see `outcome`.
        case done
    }

    public var id: Int64
    public var jobId: Int64
    public var kind: RetrievalList.Kind
    public var value: String
    public var researchID: String?
    /// DICOM date range (`20200101-20201231`, `-2019`…), or nil.
    public var dates: String?
    public var state: State
    /// Set once `state` is done (and "found" while retrieving).
    public var outcome: RetrievalOutcome?
    public var studiesFound: Int?
    public var counts: RetrievalCounts
    /// The last final status (hex) and its meaning, e.g. "0xA801" and "Move destination unknown".
    public var finalStatus: String?
    public var statusMeaning: String?
    public var attempts: Int
    public var updatedAt: Date

    public init(id: Int64, jobId: Int64, kind: RetrievalList.Kind, value: String, researchID: String?, dates: String?, state: State,
                outcome: RetrievalOutcome?, studiesFound: Int?, counts: RetrievalCounts, finalStatus: String?, statusMeaning: String?,
                attempts: Int, updatedAt: Date) {
        self.id = id
        self.jobId = jobId
        self.kind = kind
        self.value = value
        self.researchID = researchID
        self.dates = dates
        self.state = state
        self.outcome = outcome
        self.studiesFound = studiesFound
        self.counts = counts
        self.finalStatus = finalStatus
        self.statusMeaning = statusMeaning
        self.attempts = attempts
        self.updatedAt = updatedAt
    }
}

/// Sub-operation counts as the archive reported them (summed over an item's studies).
public struct RetrievalCounts: Sendable, Equatable, Codable {
    public var remaining = 0
    public var completed = 0
    public var failed = 0
    public var warning = 0
    public init(remaining: Int = 0, completed: Int = 0, failed: Int = 0, warning: Int = 0) {
        self.remaining = remaining
        self.completed = completed
        self.failed = failed
        self.warning = warning
    }

    public static func + (a: RetrievalCounts, b: RetrievalCounts) -> RetrievalCounts {
        RetrievalCounts(remaining: a.remaining + b.remaining, completed: a.completed + b.completed, failed: a.failed + b.failed,
                        warning: a.warning + b.warning)
    }
}

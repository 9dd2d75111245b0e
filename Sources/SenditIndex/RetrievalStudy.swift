import Foundation

/// A study an item's C-FIND found, retrieved on its own (C-MOVE or C-GET by its UID).
public struct RetrievalStudy: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable, CaseIterable {
        case queued
        /// Its C-MOVE or C-GET is running (one cut short by a kill is asked for again).
        case moving
        /// The archive sent it: waiting for its instances to be in the index.
        case arrived
        case done
        case failed

        public var isFinal: Bool { self == .done || self == .failed }
    }

    public var id: Int64
    public var itemId: Int64
    public var studyInstanceUID: String
    /// NumberOfStudyRelatedInstances from the C-FIND, if the archive gave it.
    public var expectedInstances: Int?
    public var state: State
    public var attempts: Int
    public var counts: RetrievalCounts
    public var finalStatus: String?
    public var statusMeaning: String?
    /// When a queued study may be tried again (after a failed try), and when it arrived.
    public var notBefore: Date?
    public var updatedAt: Date

    public init(id: Int64, itemId: Int64, studyInstanceUID: String, expectedInstances: Int?, state: State, attempts: Int,
                counts: RetrievalCounts, finalStatus: String?, statusMeaning: String?, notBefore: Date?, updatedAt: Date) {
        self.id = id
        self.itemId = itemId
        self.studyInstanceUID = studyInstanceUID
        self.expectedInstances = expectedInstances
        self.state = state
        self.attempts = attempts
        self.counts = counts
        self.finalStatus = finalStatus
        self.statusMeaning = statusMeaning
        self.notBefore = notBefore
        self.updatedAt = updatedAt
    }
}

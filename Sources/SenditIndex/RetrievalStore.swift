import Foundation

/// The retrieval jobs in the index (`sendit retrieve`, the API, and the serve process's
/// `RetrievalLoop`): each list a job, each value an item, each study an item's C-FIND found a
/// row of its own, so that a kill at any moment resumes where it was. Every method one
/// transaction; values in and out. `IndexDatabase` implements it in the same SQLite file.
public protocol RetrievalStore: AnyObject, Sendable {
    /// Records a job and one queued item per entry of `list`; returns the job's id.
    func createRetrieval(_ job: RetrievalJob, list: RetrievalList, dates: String?, now: Date) throws -> Int64
    /// The newest jobs with their progress, newest first.
    func retrievalJobs(limit: Int) throws -> [RetrievalProgress]
    func retrievalJob(id: Int64) throws -> RetrievalProgress?
    func retrievalItems(jobId: Int64) throws -> [RetrievalItem]
    func retrievalStudies(itemId: Int64) throws -> [RetrievalStudy]
    /// Pauses or resumes a job (work already running finishes); false if there is no such job.
    func setRetrievalPaused(jobId: Int64, paused: Bool, now: Date) throws -> Bool

    /// At start-up: work a stop or a kill cut short (an item's C-FIND, a study's C-MOVE or
    /// C-GET) is queued again; returns how many.
    func requeueInterruptedRetrievals(now: Date) throws -> Int
    /// The next work of an unpaused job from one of `sources`, marked running: a found study
    /// due (its item's job oldest first) before a new item's C-FIND.
    func claimRetrievalWork(sources: [String], now: Date) throws -> RetrievalWork?
    /// An item's C-FIND ended: its studies queued (none: not found), or it failed.
    func recordRetrievalFind(itemId: Int64, result: RetrievalFindResult, now: Date) throws
    /// A study's C-MOVE or C-GET ended (or could not run): its new state and counts; the item's
    /// outcome is updated, and set once all its studies are final.
    func recordRetrievalMove(studyId: Int64, result: RetrievalMoveResult, now: Date) throws
    /// Studies moving or arrived (not yet in the index), with their job's project.
    func retrievalStudiesInFlight() throws -> [RetrievalInFlight]
    /// The instances of a study in the index, in `project` (imported from the staging area).
    func indexedInstances(studyInstanceUID: String, project: String) throws -> Int
}

/// What the retrieval loop does next.
public enum RetrievalWork: Sendable, Equatable {
    case find(RetrievalJob, RetrievalItem)
    case move(RetrievalJob, RetrievalItem, RetrievalStudy)
}

/// How an item's C-FIND ended.
public enum RetrievalFindResult: Sendable, Equatable {
    /// Success: the studies found (UID, NumberOfStudyRelatedInstances), none: not found.
    case found([(uid: String, expected: Int?)])
    /// A failure status or an error: tried again from `retryAt`, or never (nil: the item failed).
    case failed(status: String?, meaning: String, retryAt: Date?)

    public static func == (a: Self, b: Self) -> Bool {
        switch (a, b) {
        case (.found(let x), .found(let y)): x.map(\.uid) == y.map(\.uid) && x.map(\.expected) == y.map(\.expected)
        case (.failed(let s1, let m1, let r1), .failed(let s2, let m2, let r2)): s1 == s2 && m1 == m2 && r1 == r2
        default: false
        }
    }
}

/// How a study's C-MOVE or C-GET ended: `state` arrived, done, failed, or queued (tried again
/// from `notBefore`).
public struct RetrievalMoveResult: Sendable, Equatable {
    public var state: RetrievalStudy.State
    public var counts: RetrievalCounts
    public var finalStatus: String?
    public var meaning: String?
    public var notBefore: Date?
    public init(state: RetrievalStudy.State, counts: RetrievalCounts, finalStatus: String?, meaning: String?, notBefore: Date? = nil) {
        self.state = state
        self.counts = counts
        self.finalStatus = finalStatus
        self.meaning = meaning
        self.notBefore = notBefore
    }
}

/// A study being retrieved, as the receiver's routing and the loop need it.
public struct RetrievalInFlight: Sendable, Equatable {
    public var study: RetrievalStudy
    public var project: String
    public var jobId: Int64
}

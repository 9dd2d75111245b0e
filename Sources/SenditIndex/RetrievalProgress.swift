import Foundation

/// A retrieval job and how far it got, for `sendit retrieve --status`, `--wait` and the API.
/// Counts only: no value of the list.
public struct RetrievalProgress: Sendable, Equatable, Codable {
    public var job: RetrievalJob
    public var items = 0
    /// Items done, and by outcome.
    public var itemsDone = 0
    public var outcomes: [String: Int] = [:]
    public var studiesFound = 0
    public var studiesDone = 0
    public var studiesFailed = 0
    /// Instances expected (sum of NumberOfStudyRelatedInstances given), and the sub-operation counts.
    public var expectedInstances = 0
    public var counts = RetrievalCounts()
    /// When the first and the last item changed, for a rate.
    public var lastChange: Date?

    public init(job: RetrievalJob) { self.job = job }

    public var isFinished: Bool { items > 0 && itemsDone == items }
}

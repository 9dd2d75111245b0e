import Foundation

/// What `sendit report` reads beyond the activity per hour (`OverviewStore.activity`) and the
/// audit trail (`AccessStore.auditTrail`): each series' times. One read transaction.
public protocol ReportStore: AnyObject, Sendable {
    /// The series received at or after `since` (still in the index, or cleaned up), oldest first.
    func seriesTimes(since: Date) throws -> [SeriesTimes]
}

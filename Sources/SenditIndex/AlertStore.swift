import Foundation

/// The alerts' durable queue and what they watch, in the index: what holds now, the alerts
/// raised (each condition once until it clears), their deliveries to each webhook with their
/// tries, and the node's runs (so a start knows the last run crashed). Every method one
/// transaction; values in and out. `IndexDatabase` implements it in the same SQLite file.
public protocol AlertStore: AnyObject, Sendable {
    /// Series with FAILED or HELD images, destinations failing (of `destinations`), and the
    /// conditions alerted and not cleared.
    func alertObservation(destinations: [SendDestination], now: Date) throws -> AlertObservation
    /// The commonest reasons recorded on a series' images of `status`, most images first.
    func alertReasons(seriesId: Int64, status: ImageStatus, limit: Int) throws -> [AlertObservation.Reason]
    /// Queues `alerts` (a condition already open is skipped), each with a delivery to every
    /// target due now, and marks the `clearing` conditions cleared; returns the keys queued.
    @discardableResult
    func recordAlerts(_ alerts: [NewAlert], clearing: [String], targets: [String], now: Date) throws -> [String]
    /// Deliveries not yet made to one of `targets` and due by `now`, oldest alert first.
    func dueAlertDeliveries(targets: [String], now: Date, limit: Int) throws -> [AlertDelivery]
    /// One try of a delivery: `delivered` true marks it made; else its error and next try.
    func recordAlertAttempt(alertId: Int64, target: String, delivered: Bool, error: String?, nextAttemptAt: Date,
                            now: Date) throws
    /// The newest alerts, newest first.
    func recentAlerts(limit: Int) throws -> [AlertRecord]

    /// Records a new run of `sendit serve`; in the same transaction, the earlier runs that did
    /// not end cleanly and were not noticed yet are marked noticed, and the alert `crashAlert`
    /// makes of them (if any, and if there are targets) is queued. Returns the new run and those.
    func startNodeRun(now: Date, targets: [String], crashAlert: ([NodeRun]) -> NewAlert?) throws -> (run: NodeRun, unclean: [NodeRun])
    func endNodeRun(id: Int64, ending: NodeRun.Ending, now: Date) throws
}

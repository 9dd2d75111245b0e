import Foundation
import SenditIndex

/// How `sendit retrieve --wait` and `--status` show a job's progress: a bar with the counts and
/// the rate on a terminal, a plain line otherwise. Counts only, never a value of the list. Pure.
enum RetrievalProgressText {
    /// "job 3 [#########-----------] 9/20 items, 12/30 studies, 1200 instances (150.0/s) ..."
    static func line(_ p: RetrievalProgress, elapsed: TimeInterval, bar: Bool, width: Int = 20) -> String {
        let fraction = p.items == 0 ? 0 : Double(p.itemsDone) / Double(p.items)
        var text = "job \(p.job.id)"
        if bar {
            let filled = min(width, Int((fraction * Double(width)).rounded(.down)))
            text += " [" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
        }
        let instances = p.counts.completed + p.counts.warning
        text += " \(p.itemsDone)/\(p.items) items, \(p.studiesDone + p.studiesFailed)/\(p.studiesFound) studies, \(instances)"
        if p.expectedInstances > 0 { text += "/\(p.expectedInstances)" }
        text += " instances"
        if elapsed > 0 { text += String(format: " (%.1f/s)", Double(instances) / elapsed) }
        if p.counts.failed > 0 { text += ", \(p.counts.failed) failed" }
        if p.job.paused { text += ", paused" }
        return text
    }

    /// "retrieved 17, partly retrieved 1, not found 2, failed 1" in the outcomes' order.
    static func outcomes(_ p: RetrievalProgress) -> String {
        let names: [(RetrievalOutcome, String)] = [(.retrieved, "retrieved"), (.partlyRetrieved, "partly retrieved"),
                                                   (.found, "being retrieved"), (.notFound, "not found"), (.failed, "failed")]
        let parts = names.compactMap { o, name in p.outcomes[o.rawValue].map { "\(name) \($0)" } }
        let waiting = p.items - p.outcomes.values.reduce(0, +)
        return (parts + (waiting > 0 ? ["waiting \(waiting)"] : [])).joined(separator: ", ")
    }
}

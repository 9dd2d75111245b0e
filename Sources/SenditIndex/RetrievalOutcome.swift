import Foundation

/// What became of a retrieval item. Pure: the final outcome follows from its studies.
public enum RetrievalOutcome: String, Sendable, Codable, CaseIterable {
    /// The C-FIND answered Success with no study.
    case notFound = "not_found"
    /// Studies found, being retrieved.
    case found
    /// Every study arrived, no sub-operation failed.
    case retrieved
    /// Some instances arrived, others did not (a failed study, failed sub-operations).
    case partlyRetrieved = "partly_retrieved"
    /// Nothing arrived: the C-FIND or every C-MOVE/C-GET failed (see the status and meaning).
    case failed

    /// The outcome of an item whose studies are all final (done or failed).
    public static func of(_ studies: [RetrievalStudy]) -> RetrievalOutcome {
        guard !studies.isEmpty else { return .notFound }
        // A study is done once its instances arrived; failed when none did.
        guard studies.contains(where: { $0.state == .done }) else { return .failed }
        let shortfall = studies.contains { $0.state == .failed || $0.counts.failed > 0 || $0.counts.remaining > 0 }
        return shortfall ? .partlyRetrieved : .retrieved
    }

    /// "not found", "found 3 studies", "retrieved", "partly retrieved (12 completed, 3 failed,
    /// 0 warning)", "failed: 0xA801 Move destination unknown (failure)".
    public static func describe(_ item: RetrievalItem) -> String {
        let n = item.studiesFound ?? 0
        switch item.outcome {
        case nil: return item.state.rawValue
        case .notFound: return "not found"
        case .found: return "found \(n) stud\(n == 1 ? "y" : "ies")"
        case .retrieved: return "retrieved (\(n) stud\(n == 1 ? "y" : "ies"), \(item.counts.completed + item.counts.warning) instances)"
        case .partlyRetrieved:
            return "partly retrieved (\(item.counts.completed) completed, \(item.counts.failed) failed, \(item.counts.warning) warning)"
        case .failed:
            let status = [item.finalStatus, item.statusMeaning].compactMap { $0 }.joined(separator: " ")
            return "failed" + (status.isEmpty ? "" : ": " + status)
        }
    }
}

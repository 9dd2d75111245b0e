/// One C-FIND, C-MOVE or C-GET as its requester follows it (PS3.4 C.4): the responses to its
/// message ID, Pending ones (a match, or the sub-operations' progress) until the one final
/// response. Pure: responses in, steps out.
///
/// What breaks the exchange (a `Violation`; the association is then aborted): a response to
/// another message or of another service, a response after the final one, a Pending C-FIND-RSP
/// without its identifier. What is merely wrong is kept in `anomalies` and the operation goes
/// on: counts that go backwards, grow past the total first announced, or do not agree with the
/// final status.
public struct QueryRetrieveOperation: Sendable {
    public let service: QueryRetrieveService
    public let messageID: UInt16
    /// Matches received (C-FIND), or Pending responses (C-MOVE, C-GET).
    public private(set) var pendingResponses = 0
    /// The latest counts the peer reported.
    public private(set) var counts = SubOperationCounts()
    /// The final response, once it has arrived.
    public private(set) var final: QueryRetrieveRSP?
    public private(set) var anomalies: [String] = []
    /// The total (remaining + done) of the first response that gave one.
    private var total: Int?

    public init(service: QueryRetrieveService, messageID: UInt16) {
        self.service = service
        self.messageID = messageID
    }

    public enum Step: Equatable, Sendable {
        /// A Pending C-FIND-RSP: its identifier is a match.
        case match
        /// A Pending C-MOVE-RSP or C-GET-RSP: the sub-operations so far.
        case progress(SubOperationCounts)
        /// The final response: the operation is over.
        case final(QueryRetrieveRSP)
    }

    public struct Violation: Error, Equatable, Sendable, CustomStringConvertible {
        public let message: String
        public init(message: String) { self.message = message }
        public var description: String { message }
    }

    public var isFinished: Bool { final != nil }

    /// The operation's outcome status once finished, as this service defines it.
    public var outcome: DIMSEStatus.Category? { final.map(\.category) }

    public mutating func receive(_ rsp: QueryRetrieveRSP) throws(Violation) -> Step {
        guard final == nil else {
            throw Violation(message: "a \(rsp.service.rawValue)-RSP after the final response to message \(messageID)")
        }
        guard rsp.service == service else {
            throw Violation(message: "a \(rsp.service.rawValue)-RSP in answer to a \(service.rawValue)-RQ")
        }
        guard rsp.messageIDBeingRespondedTo == messageID else {
            throw Violation(message: "a response to message \(rsp.messageIDBeingRespondedTo), expected \(messageID)")
        }
        if rsp.isPending {
            pendingResponses += 1
            if service == .find {
                guard rsp.hasIdentifier else { throw Violation(message: "a Pending C-FIND-RSP without an identifier") }
                return .match
            }
            if rsp.counts.remaining == nil { anomalies.append("a Pending \(service.rawValue)-RSP without Number of Remaining Sub-operations") }
            track(rsp.counts)
            return .progress(counts)
        }
        if service == .find {
            if rsp.hasIdentifier && rsp.category != .failure && rsp.category != .cancel {
                anomalies.append("the final C-FIND-RSP carries an identifier (ignored)")
            }
        } else {
            let given = rsp.counts
            if given.completed != nil || given.failed != nil || given.warning != nil { track(given) }
            checkFinal(rsp)
        }
        final = rsp
        return .final(rsp)
    }

    private mutating func track(_ new: SubOperationCounts) {
        let merged = SubOperationCounts(remaining: new.remaining, completed: new.completed ?? counts.completed,
                                        failed: new.failed ?? counts.failed, warning: new.warning ?? counts.warning)
        for (name, old, now) in [("completed", counts.completed, merged.completed), ("failed", counts.failed, merged.failed),
                                 ("warning", counts.warning, merged.warning)] {
            if let old, let now, now < old { anomalies.append("\(name) sub-operations went from \(old) to \(now)") }
        }
        if let remaining = merged.remaining {
            let sum = Int(remaining) + merged.done
            if let total {
                if sum > total { anomalies.append("remaining and done sub-operations add up to \(sum), more than the \(total) announced") }
            } else {
                total = sum
            }
        }
        counts = merged
    }

    private mutating func checkFinal(_ rsp: QueryRetrieveRSP) {
        if let remaining = rsp.counts.remaining, remaining > 0, rsp.category == .success {
            anomalies.append("the final response says Success with \(remaining) sub-operations remaining")
        }
        let failedOrWarned = Int(counts.failed ?? 0) + Int(counts.warning ?? 0)
        switch rsp.category {
        case .success where failedOrWarned > 0:
            anomalies.append("the final response says Success with \(failedOrWarned) failed or warning sub-operations")
        case .warning where failedOrWarned == 0 && rsp.counts.failed != nil:
            anomalies.append("the final response says \(QueryRetrieveStatus.meaning(rsp.status, in: service)) with no failed or warning sub-operations")
        default: break
        }
        if let total, rsp.category == .success, counts.done != total {
            anomalies.append("\(counts.done) sub-operations done of the \(total) announced")
        }
    }
}

import DICOMDIMSE
import DICOMNetwork
import Foundation
import SenditIndex

/// What the retrieval loop makes of an archive's answers: pure (statuses, counts, attempts and
/// times in; the index's next state out), so every rule is tested without a socket or a clock.
public struct RetrievalDecision: Sendable {
    /// How an operation ended, as far as deciding goes: the final status's category, its code
    /// ("0xA801") and meaning, the last sub-operation counts (C-MOVE, C-GET).
    public struct Ending: Sendable, Equatable {
        public var category: DIMSEStatus.Category
        public var code: String
        public var meaning: String
        public var counts: RetrievalCounts
        public init(category: DIMSEStatus.Category, code: String, meaning: String, counts: RetrievalCounts = RetrievalCounts()) {
            self.category = category
            self.code = code
            self.meaning = meaning
            self.counts = counts
        }
    }

    /// Tries of one C-FIND or one study's C-MOVE/C-GET before it fails for good.
    public var maxAttempts = 3
    /// Seconds before a failed try is tried again (doubled at each try).
    public var retryDelay: TimeInterval = 30
    /// Seconds an arrived study may take to be in the index before it counts as done anyway
    /// (its instances then go through the stable age).
    public var patience: TimeInterval = 300

    public init() {}

    /// When a try that did not work (an error, a cancel, an Out of resources) runs again, or
    /// nil when `attempts` are used up.
    public func retryAt(attempts: Int, now: Date) -> Date? {
        guard attempts < maxAttempts else { return nil }
        return now.addingTimeInterval(retryDelay * pow(2, Double(max(0, attempts - 1))))
    }

    /// A C-FIND's ending and its matches' (StudyInstanceUID, NumberOfStudyRelatedInstances).
    public func find(_ ending: Ending, matches: [(uid: String?, instances: String?)], attempts: Int, now: Date) -> RetrievalFindResult {
        switch ending.category {
        case .success:
            var seen = Set<String>(), studies: [(uid: String, expected: Int?)] = []
            for m in matches {
                guard let uid = m.uid?.trimmingCharacters(in: .whitespaces), !uid.isEmpty, seen.insert(uid).inserted else { continue }
                let n = m.instances.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                studies.append((uid, n.flatMap { $0 > 0 ? $0 : nil }))
            }
            return .found(studies)
        case .cancel:
            return .failed(status: ending.code, meaning: ending.meaning, retryAt: retryAt(attempts: attempts, now: now) ?? now)
        default:
            return .failed(status: ending.code, meaning: ending.meaning,
                           retryAt: Self.isTransient(ending.code) ? retryAt(attempts: attempts, now: now) : nil)
        }
    }

    /// A C-MOVE's or C-GET's ending (`stored`: the instances a C-GET received here). Some
    /// instance sent: arrived (the counts tell a partial one). None: failed, or tried again
    /// after a cancel (a stop) or an Out of resources with no failed sub-operation.
    public func move(_ ending: Ending, stored: Int? = nil, attempts: Int, now: Date) -> RetrievalMoveResult {
        var counts = ending.counts
        if let stored { counts.completed = max(counts.completed, stored) }
        if ending.category == .cancel {
            // A stop or a pause cancelled it: asked for again, whatever had arrived.
            return RetrievalMoveResult(state: .queued, counts: counts, finalStatus: ending.code, meaning: ending.meaning,
                                       notBefore: now)
        }
        if counts.completed + counts.warning > 0 {
            return RetrievalMoveResult(state: .arrived, counts: counts, finalStatus: ending.code, meaning: ending.meaning)
        }
        // Out of resources before any sub-operation: the archive may manage later. Sub-operations
        // that failed were tried: asking again would fail again.
        if ending.category == .failure && Self.isTransient(ending.code) && counts.failed == 0,
           let again = retryAt(attempts: attempts, now: now) {
            return RetrievalMoveResult(state: .queued, counts: counts, finalStatus: ending.code, meaning: ending.meaning, notBefore: again)
        }
        let meaning = ending.category == .success && counts.failed == 0 ? ending.meaning + ": no instance was sent" : ending.meaning
        return RetrievalMoveResult(state: .failed, counts: counts, finalStatus: ending.code, meaning: meaning)
    }

    /// Seconds at most between the tries of work paused by a TLS failure.
    public var maxPause: TimeInterval = 600

    /// When work paused by a TLS failure (`NetworkError.tls`: a certificate that does not
    /// verify, an archive that does not speak TLS) is tried again: as a destination's images
    /// wait, it uses up no try (the archive is not asked in clear text, the reason is recorded),
    /// and is tried again after `retryDelay`, doubled at each try up to `maxPause`, until the
    /// certificates are put right (SIGHUP reloads them).
    public func pausedUntil(attempts: Int, now: Date) -> Date {
        now.addingTimeInterval(min(maxPause, retryDelay * pow(2, Double(min(20, max(0, attempts - 1))))))
    }

    /// A C-MOVE or C-GET that could not run or broke off (`why`: the error, which names no
    /// value of the list); `paused`: a TLS failure (`pausedUntil`).
    public func moveError(_ why: String, attempts: Int, now: Date, paused: Bool = false) -> RetrievalMoveResult {
        if paused {
            return RetrievalMoveResult(state: .queued, counts: RetrievalCounts(), finalStatus: nil, meaning: why,
                                       notBefore: pausedUntil(attempts: attempts, now: now))
        }
        if let again = retryAt(attempts: attempts, now: now) {
            return RetrievalMoveResult(state: .queued, counts: RetrievalCounts(), finalStatus: nil, meaning: why, notBefore: again)
        }
        return RetrievalMoveResult(state: .failed, counts: RetrievalCounts(), finalStatus: nil, meaning: why)
    }

    public func findError(_ why: String, attempts: Int, now: Date, paused: Bool = false) -> RetrievalFindResult {
        .failed(status: nil, meaning: why, retryAt: paused ? pausedUntil(attempts: attempts, now: now) : retryAt(attempts: attempts, now: now))
    }

    /// Whether an error pauses the work: a TLS failure (never retried in clear text), as the
    /// association reports it or bare.
    public static func pauses(_ error: any Error) -> Bool {
        if case .network(.tls)? = error as? RequestorAssociation.Failure { return true }
        if case .tls? = error as? NetworkError { return true }
        return false
    }

    /// Whether an arrived study is done: its expected instances (else those the archive said it
    /// sent) are in the index, or it arrived `patience` seconds ago.
    public func isDone(_ study: RetrievalStudy, indexed: Int, now: Date) -> Bool {
        let target = study.expectedInstances ?? (study.counts.completed + study.counts.warning)
        return indexed >= target || now.timeIntervalSince(study.updatedAt) >= patience
    }

    /// A7xx Out of resources: the archive may manage later.
    static func isTransient(_ code: String) -> Bool { code.uppercased().hasPrefix("0XA7") }
}

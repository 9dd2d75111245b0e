import DICOMUpperLayer
import Foundation

/// What the associations of one server share: how many are open, and whether the server is
/// shutting down (and until when they may finish).
final class ServerState: @unchecked Sendable {
    private let lock = NSLock()
    private var open = 0
    private var pending = 0
    private var shutdownDeadline: Date?

    /// Counts a connection that has not yet been accepted or rejected; false (and nothing
    /// counted) if `limit` such connections exist already: a slow or silent peer holds one only
    /// until ARTIM, and cannot take every place.
    func beginPending(limit: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard pending < limit else { return false }
        pending += 1
        return true
    }

    func endPending() {
        lock.lock()
        pending -= 1
        lock.unlock()
    }

    var openAssociations: Int {
        lock.lock()
        defer { lock.unlock() }
        return open
    }

    /// Decides on an association with the count of those open, and counts it if accepted, in
    /// one step (two requests cannot both take the last place).
    func admit(_ decide: (Int) -> Negotiation.Outcome) -> Negotiation.Outcome {
        lock.lock()
        defer { lock.unlock() }
        let outcome = decide(open)
        if case .accept = outcome { open += 1 }
        return outcome
    }

    func release() {
        lock.lock()
        open -= 1
        lock.unlock()
    }

    func beginShutdown(grace: Double) {
        lock.lock()
        if shutdownDeadline == nil { shutdownDeadline = Date().addingTimeInterval(grace) }
        lock.unlock()
    }

    var isShuttingDown: Bool {
        lock.lock()
        defer { lock.unlock() }
        return shutdownDeadline != nil
    }

    /// True while associations may still finish their work after shutdown began.
    var withinGrace: Bool {
        lock.lock()
        defer { lock.unlock() }
        return shutdownDeadline.map { Date() < $0 } ?? true
    }
}

import Foundation

/// Where a retrieval worker ends its studies (sync, then record) beside its next step: one
/// ending at a time, in order. `run` first waits for the previous ending, so at most one study
/// per worker waits to be recorded while the next is moved; `wait` lets the last one finish.
final class StudyEnding: @unchecked Sendable {
    private let queue = DispatchQueue(label: "sendit.retrieval.ending")
    private let group = DispatchGroup()

    func run(_ work: @escaping @Sendable () -> Void) {
        group.wait()
        group.enter()
        queue.async { [group] in
            work()
            group.leave()
        }
    }

    func wait() { group.wait() }
}

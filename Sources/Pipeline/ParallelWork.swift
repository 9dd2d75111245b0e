import Dispatch
import Synchronization

/// Independent pieces of work (files, a series' images) on up to `workers` threads, each taking
/// the next index. The first error stops the others from taking more and is thrown.
public enum ParallelWork {
    public static func forEach(_ count: Int, workers: Int, _ body: @Sendable (Int) throws -> Void) throws {
        // One worker: on the calling thread (with its priority), not a pool's.
        if workers <= 1 || count <= 1 {
            for n in 0..<count { try body(n) }
            return
        }
        let state = Mutex((next: 0, error: nil as (any Error)?))
        DispatchQueue.concurrentPerform(iterations: max(1, min(workers, count))) { _ in
            while true {
                let n: Int? = state.withLock { s in
                    guard s.error == nil, s.next < count else { return nil }
                    defer { s.next += 1 }
                    return s.next
                }
                guard let n else { return }
                do {
                    try body(n)
                } catch {
                    state.withLock { if $0.error == nil { $0.error = error } }
                }
            }
        }
        if let error = state.withLock({ $0.error }) { throw error }
    }
}

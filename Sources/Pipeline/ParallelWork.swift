import Foundation
import Synchronization

/// Independent pieces of work (files, a series' images) on up to `workers` threads, each taking
/// the next index. The first error stops the others from taking more and is thrown. The calling
/// thread takes part; the others are threads of this call's own, made from the calling thread
/// (so they inherit its priority, see `JobWorkers.niceness`) and ended with it: never a shared
/// pool's, whose threads would keep that priority for other work.
public enum ParallelWork {
    public static func forEach(_ count: Int, workers: Int, _ body: @Sendable (Int) throws -> Void) throws {
        let state = Mutex((next: 0, error: nil as (any Error)?))
        let work: @Sendable () -> Void = {
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
        let helpers = max(0, min(workers, count) - 1)
        withoutActuallyEscaping(work) { work in
            // The threads reach `work` through a box emptied once they are done, so nothing
            // holds it when this returns (a thread object keeps its block a while longer).
            let box = Shared(work)
            let done = DispatchGroup()
            for _ in 0..<helpers {
                done.enter()
                Thread.detachNewThread {
                    box.work?()
                    done.leave()
                }
            }
            work()
            done.wait()
            box.work = nil
        }
        if let error = state.withLock({ $0.error }) { throw error }
    }

    private final class Shared: @unchecked Sendable {
        var work: (() -> Void)?
        init(_ work: @escaping () -> Void) { self.work = work }
    }
}

import Foundation
import LoopThreads
import Testing

/// A loop's end is reported once, after waiters see it ended; a thread never started counts as
/// ended, so stopping a service that never started cannot hang.
@Suite struct LoopThreadTests {
    struct Failure: Error {}

    final class Ends: @unchecked Sendable {
        let lock = NSLock()
        var ends: [String] = []
        let done = DispatchSemaphore(value: 0)
        func record(_ error: (any Error)?) {
            lock.lock()
            ends.append(error == nil ? "returned" : "\(type(of: error!))")
            lock.unlock()
            done.signal()
        }
    }

    @Test func aLoopNeverStartedHasEnded() {
        let thread = LoopThread(name: "test-never")
        #expect(thread.hasEnded)
        #expect(thread.waitUntilEnded(deadline: Date().addingTimeInterval(5)))
    }

    @Test func aReturnAndAThrowAreReportedAfterWaitersSeeTheEnd() {
        for fails in [false, true] {
            let thread = LoopThread(name: "test-loop")
            let ends = Ends()
            let release = DispatchSemaphore(value: 0)
            thread.start({
                release.wait()
                if fails { throw Failure() }
            }, onEnd: { error in
                #expect(thread.hasEnded, "onEnd runs after the thread is marked ended")
                ends.record(error)
            })
            #expect(!thread.hasEnded)
            #expect(!thread.waitUntilEnded(deadline: Date().addingTimeInterval(0.2)), "still running")
            release.signal()
            #expect(thread.waitUntilEnded(deadline: Date().addingTimeInterval(10)))
            #expect(ends.done.wait(timeout: .now() + 10) == .success)
            #expect(ends.ends == [fails ? "Failure" : "returned"])
        }
    }
}

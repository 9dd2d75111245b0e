import Foundation
import LoopThreads
import Testing

/// A stop reaches a loop pausing between rounds at once, not after its interval.
@Suite struct StopSignalTests {
    @Test func aStopWakesAPauseAndStaysSeen() {
        let signal = StopSignal()
        #expect(!signal.isStopping)
        let start = Date()
        #expect(!signal.pause(seconds: 0.05), "a pause without a stop runs out and says go on")
        #expect(Date().timeIntervalSince(start) >= 0.04)

        let thread = LoopThread(name: "test-stop-signal")
        let rounds = Counter()
        thread.start({
            while true {
                rounds.add()
                if signal.pause(seconds: 60) { return }
            }
        }, onEnd: { _ in })
        Thread.sleep(forTimeInterval: 0.1)
        let asked = Date()
        signal.stop()
        #expect(thread.waitUntilEnded(deadline: Date().addingTimeInterval(10)))
        #expect(Date().timeIntervalSince(asked) < 5, "woken, not after the 60 s interval")
        #expect(rounds.value == 1)
        #expect(signal.isStopping && signal.pause(seconds: 60), "once stopped, a pause returns at once")
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        func add() { lock.withLock { n += 1 } }
        var value: Int { lock.withLock { n } }
    }
}

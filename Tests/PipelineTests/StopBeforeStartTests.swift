import Foundation
@testable import Pipeline
@testable import SenditIntake
import Testing

/// A service stopped before it was started (the service group stops what it started, but a
/// start-up that fails half-way stops the rest) returns at once instead of waiting for a loop
/// that never ran. Each stop runs on a thread of its own, waited for at most 10 s, so a hang
/// fails the test instead of hanging the suite.
@Suite struct StopBeforeStartTests {
    /// Runs `stop` on a thread of its own; true if it returned within `seconds`.
    func returns(within seconds: Double, _ stop: @escaping @Sendable () -> Void) -> Bool {
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            stop()
            done.signal()
        }
        return done.wait(timeout: .now() + seconds) == .success
    }

    @Test func intakeStopBeforeStartReturns() throws {
        let f = try PipelineFixture()
        let intake = Intake(dataFolder: f.data, staging: nil, importer: f.importer, stableAge: 1, rescanInterval: 1,
                            logger: PipelineFixture.silent)
        #expect(returns(within: 10) { intake.stop() }, "Intake.stop() before start() did not return within 10 s")
    }

    @Test func cleanupStopBeforeStartReturns() throws {
        let f = try PipelineFixture()
        let retention = Retention(database: f.database, dataFolder: f.data, outboxFolder: f.root + "/var/outbox",
                                  destinations: ["orthanc"], policy: .never)
        let cleanup = CleanupLoop(retention: retention, interval: 60, logger: PipelineFixture.silent)
        #expect(returns(within: 10) { cleanup.stop() }, "CleanupLoop.stop() before start() did not return within 10 s")
    }
}

import Foundation
@testable import Pipeline
import Synchronization
import Testing
import SenditIndex
import SenditIndexTestSupport

@Suite struct JobWorkersTests {
    /// A stage that fails as told, counting its runs.
    final class Counter: Sendable {
        let value = Mutex(0)
    }

    struct FailingStage: StageHandler {
        let stage = "process"
        let inputStatuses: [ImageStatus] = [.new]
        let workingStatus: ImageStatus = .processing
        let nextStages: [String] = []
        let permanent: Bool
        let runs = Counter()
        func run(_ job: StageJob) throws {
            runs.value.withLock { $0 += 1 }
            if permanent { throw StageError.permanent("destination refused the images") }
            throw CocoaError(.fileReadUnknown)
        }
    }

    func runUntilSettled(_ f: PipelineFixture, _ handler: any StageHandler, afterGivingUp: [String] = []) throws -> Bool {
        let workers = JobWorkers(queue: f.queue, handlers: [handler], count: 2, logger: PipelineFixture.silent)
        workers.idlePoll = 0.01
        workers.afterGivingUp = afterGivingUp
        workers.start()
        defer { workers.stop(grace: 2) }
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if try f.jobs().filter({ $0.stage == handler.stage }).allSatisfy({ $0.state == .done || $0.state == .failed }) { return true }
            usleep(10_000)
        }
        return false
    }

    func importTwoImages(_ policy: RetryPolicy) throws -> PipelineFixture {
        let f = try PipelineFixture(policy: policy)
        for n in 1...2 { try f.instance(in: f.data + "/s", sop: "1.2.3.1.\(n)") }
        _ = try f.importer.importFolder(f.data + "/s")
        return f
    }

    @Test func aStageThatKeepsFailingIsTriedMaxAttemptsTimesThenItsImagesFail() throws {
        let f = try importTwoImages(RetryPolicy(maxAttempts: 3, baseDelay: 0.05, maximumDelay: 0.1, lease: 30))
        let stage = FailingStage(permanent: false)
        #expect(try runUntilSettled(f, stage))
        #expect(stage.runs.value.withLock { $0 } == 3)
        let job = try #require(try f.jobs().first)
        #expect(job.state == .failed && job.attempts == 3 && job.lastError?.isEmpty == false)
        #expect(try f.statuses().values.allSatisfy { $0 == .failed })
        #expect(try f.contents.events().filter { $0.entity == "job" && $0.toStatus == JobRecord.State.queued.rawValue && $0.fromStatus == JobRecord.State.running.rawValue }.count == 2)
    }

    /// Images a processing stage handed over before it gave up (de-identified, sent, waiting to
    /// be verified) are not left without a job: the send stages are queued for the series.
    @Test func givingUpQueuesTheSendStagesForWhatWasFinished() throws {
        let f = try importTwoImages(RetryPolicy(maxAttempts: 5, baseDelay: 0.05, maximumDelay: 0.1, lease: 30))
        #expect(try runUntilSettled(f, FailingStage(permanent: true), afterGivingUp: ["send:a", "send:b"]))
        let queued = try f.jobs().filter { $0.state == .queued }.map(\.stage).sorted()
        #expect(queued == ["send:a", "send:b"])
    }

    @Test func aPermanentRefusalFailsAtOnce() throws {
        let f = try importTwoImages(RetryPolicy(maxAttempts: 5, baseDelay: 0.05, maximumDelay: 0.1, lease: 30))
        let stage = FailingStage(permanent: true)
        #expect(try runUntilSettled(f, stage))
        #expect(stage.runs.value.withLock { $0 } == 1)
        #expect(try f.jobs().first?.lastError == "destination refused the images")
        let reason = try f.images().first?.statusReason
        #expect(reason == "process: destination refused the images")
    }

    @Test func thePlaceholderStageTakesNewImagesToDoneProcessing() throws {
        let f = try importTwoImages(RetryPolicy())
        #expect(try runUntilSettled(f, MarkProcessedStage()))
        #expect(try f.statuses().values.allSatisfy { $0 == .doneProcessing })
        let path = try f.contents.events().filter { $0.entity == "image" && $0.entityId == 1 }.map { ($0.fromStatus ?? "") + ">" + $0.toStatus }
        #expect(path == [">NEW", "NEW>PROCESSING", "PROCESSING>DONEPROCESSING"])
    }
}

import Dispatch
import Foundation
import Logging
import ServiceLifecycle

/// One of the node's components (listener, intake, workers, send workers, clean-up) as a
/// `Service` of the node's group. Its blocking threads stay underneath: `run()` starts them, then
/// waits for one of two things.
/// - The group shuts down (a signal, or another service failed): it stops the component within
///   what is left of the shutdown grace, and returns.
/// - One of the component's loops ends on its own (an error, or a loop that returned): that is
///   a failure. It logs one line naming the service, stops what is left of the component, and
///   throws; the group then shuts the rest of the node down and `sendit serve` exits non-zero
///   (a supervisor restarts it, and start-up recovery resumes the interrupted work). The node
///   never runs half-alive.
struct NodeService: Service, CustomStringConvertible {
    /// The name in the logs and in SENDIT_FAULT_INJECT.
    let name: String
    /// Starts the component's threads; each loop reports its end through the closure given (nil
    /// when it was stopped, else the error that ended it).
    let start: @Sendable (_ reportEnd: @escaping @Sendable ((any Error)?) -> Void) throws -> Void
    /// Stops the component, waiting at most about the seconds given for work in progress.
    let stop: @Sendable (_ grace: TimeInterval) -> Void
    let deadline: ShutdownDeadline
    let logger: Logger

    var description: String { name }

    func run() async throws {
        let end = LoopEnd()
        try start { [logger, name] error in
            guard !end.resolve(.loopEnded(error)), let error else { return }
            if case .shutdown = end.settled {
                // A loop that fails while the component stops: the node is stopping anyway.
                logger.error("a loop failed while its service stopped", metadata: ["service": "\(name)", "error": "\(error)"])
            } else {
                // Another thread of a service that failed already (one line is enough).
                logger.debug("another loop of the failed service ended", metadata: ["service": "\(name)", "error": "\(error)"])
            }
        }
        let outcome = await withTaskCancellationOrGracefulShutdownHandler {
            await end.wait()
        } onCancelOrGracefulShutdown: {
            end.resolve(.shutdown)
        }
        switch outcome {
        case .shutdown:
            await stopComponent(grace: deadline.remaining())
        case .loopEnded(let error):
            let failure = ServiceFailure(service: name, error: error)
            logger.critical("service failed; stopping the node", metadata: [
                "service": "\(name)", "error": "\(failure.reason)"])
            // What is left of the failed component stops at once (its jobs are reclaimed at the
            // restart): the shared SHUTDOWN_GRACE is left whole to the others, the listener's
            // associations in progress above all.
            await stopComponent(grace: 0)
            throw failure
        }
    }

    /// Runs the blocking `stop` on a thread of its own, not on Swift's cooperative pool.
    private func stopComponent(grace: TimeInterval) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let thread = Thread { [stop] in
                stop(grace)
                done.resume()
            }
            thread.name = "stop-\(name)"
            thread.start()
        }
    }
}

/// What a `NodeService` throws when one of its loops ends on its own.
struct ServiceFailure: Error, CustomStringConvertible {
    let service: String
    /// What ended the loop; nil if it returned without being asked to stop.
    let error: (any Error)?

    var reason: String { error.map { "\($0)" } ?? "its loop ended without being asked to stop" }
    var description: String { "the \(service) service failed: \(reason)" }
}

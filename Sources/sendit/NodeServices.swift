import DICOMNetwork
import Foundation
import Logging
import Pipeline
import ServiceLifecycle
import SenditIndex
import SenditIntake

/// The running node as a service group (swift-service-lifecycle's `ServiceGroup`, as Hummingbird
/// runs its application). The group starts the services in the order of `services` and shuts
/// them down in the reverse order, one after the other, within one SHUTDOWN_GRACE: the listener
/// stops accepting first (associations in progress get the grace), then the intake, the
/// de-identification workers, the send workers, clean-up, and the alerts (when configured)
/// last. SIGTERM and SIGINT start that shutdown. A service whose loop fails or ends on its own
/// shuts the group down the same way, after which the group's `run()` throws its
/// `ServiceFailure`.
///
/// The Storage Commitment listener is no service of its own: results (N-EVENT-REPORT) arrive on
/// associations that the DICOM listener accepts on its one port, so they ride with the listener
/// (`DICOMServer.commitmentReports`); a result that never comes is the send stage's business.
///
/// Everything that must happen before (the database lock, reclaiming abandoned jobs, the data
/// folder's lock and recovery, the send backlog, finishing quarantine moves) happens in
/// `ServeCommand` before the group is made.
struct NodeServices {
    /// The services, in start order; each one's name (the name of SENDIT_FAULT_INJECT and of
    /// the "service failed" log line) is written here only.
    enum Name: String, CaseIterable {
        /// Started first and stopped last, so that what happens while the node stops is alerted.
        case alerts
        case cleanup
        case sendWorkers = "send-workers"
        case workers
        case intake
        case listener
        /// Retrieval from archives (RETRIEVE_SOURCES): started once the listener takes the
        /// C-MOVEs' instances, stopped first (its operations are cancelled, asked for again at
        /// the next start).
        case retrieval
    }

    /// Every service's name, in start order.
    static let order = Name.allCases.map(\.rawValue)

    var services: [NodeService]
    /// The web app (Hummingbird's application is a Service of its own), when HTTP_ENABLED.
    var web: (any Service)?
    /// Free disk space against DISK_MIN_FREE, which the listener, the intake and the workers
    /// consult (no service: measured when asked); `observe` it to hear of changes (alerts).
    var disk: DiskGuard?
    /// Records how this run ended (`sendit serve` sets it once the run is recorded), so that
    /// the next start knows whether it crashed.
    var endRun: @Sendable (NodeRun.Ending) -> Void = { _ in }
    /// The studies being retrieved (RETRIEVE_SOURCES), for the receiver's routing: their
    /// instances go to the retrieval job's project.
    var retrievalClaims: (any RetrievalClaims)?

    init(services: [NodeService] = []) {
        self.services = services
    }

    /// `senders`: nil when no destination is enabled (no send workers then); `alerts`: nil when
    /// no webhook is configured; `retrieval`: nil without RETRIEVE_SOURCES.
    init(server: DICOMServer, intake: Intake, workers: JobWorkers, senders: JobWorkers?, cleanup: CleanupLoop,
         grace: TimeInterval, fault: FaultInjection?, logger: Logger, alerts: AlertLoop? = nil, retrieval: RetrievalLoop? = nil) {
        services = []
        let deadline = ShutdownDeadline(grace: grace)
        func service(_ name: Name, start: @escaping @Sendable (@escaping @Sendable ((any Error)?) -> Void) throws -> Void,
                     stop: @escaping @Sendable (TimeInterval) -> Void) -> NodeService {
            NodeService(name: name.rawValue, start: start, stop: stop, deadline: deadline, logger: logger)
        }
        func injected(_ name: Name) -> (@Sendable () throws -> Void)? { fault?.fault(for: name.rawValue) }
        if let alerts {
            alerts.injectedFault = injected(.alerts)
            services.append(service(.alerts, start: { ended in
                alerts.onLoopEnd = ended
                alerts.start()
            }, stop: { _ in alerts.stop() }))
        }
        cleanup.injectedFault = injected(.cleanup)
        services.append(service(.cleanup, start: { ended in
            cleanup.onLoopEnd = ended
            cleanup.start()
        }, stop: { _ in cleanup.stop() }))
        if let senders {
            senders.injectedFault = injected(.sendWorkers)
            services.append(service(.sendWorkers, start: { ended in
                senders.onLoopEnd = ended
                senders.start()
            }, stop: { grace in senders.stop(grace: grace) }))
        }
        workers.injectedFault = injected(.workers)
        services.append(service(.workers, start: { ended in
            workers.onLoopEnd = ended
            workers.start()
        }, stop: { grace in workers.stop(grace: grace) }))
        intake.injectedFault = injected(.intake)
        services.append(service(.intake, start: { ended in
            intake.onLoopEnd = ended
            intake.startWatching()
        }, stop: { _ in intake.stop() }))
        server.injectedFault = injected(.listener)
        services.append(service(.listener, start: { ended in
            server.onAcceptLoopEnd = ended
            server.startAccepting()
        }, stop: { grace in server.stop(grace: grace) }))
        if let retrieval {
            retrieval.injectedFault = injected(.retrieval)
            services.append(service(.retrieval, start: { ended in
                retrieval.onLoopEnd = ended
                retrieval.start()
            }, stop: { _ in retrieval.stop() }))
        }
    }

    /// The group: SIGTERM and SIGINT shut it down gracefully; a service that returns or throws
    /// shuts it down too.
    func group(logger: Logger) -> ServiceGroup {
        var configurations = services.map {
            ServiceGroupConfiguration.ServiceConfiguration(service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                                                           failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: $0.name)
        }
        // The web app starts last and stops first: while the node shuts down, nobody acts on it.
        if let web {
            configurations.append(.init(service: web, successTerminationBehavior: .gracefullyShutdownGroup,
                                        failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: "web"))
        }
        var configuration = ServiceGroupConfiguration(services: configurations, logger: logger)
        configuration.gracefulShutdownSignals = [.sigterm, .sigint]
        return ServiceGroup(configuration: configuration)
    }
}

import Foundation
import Logging
import ServiceLifecycle
@testable import sendit
import Testing

/// The node's services in a real ServiceGroup, with fake loops on real threads in place of the
/// components: a loop that fails or returns stops the whole group, naming the service, and every
/// other service is stopped, in reverse order; a graceful shutdown stops them in reverse order.
/// (conformance/service-failure-test does the same with the real components in `sendit serve`.)
@Suite struct NodeServicesTests {
    struct Boom: Error, CustomStringConvertible {
        var description: String { "boom" }
    }

    /// Appends under a lock: the stops, in the order they began; the log lines.
    final class Record: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [String] = []
        func append(_ s: String) { lock.lock(); items.append(s); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return items }
    }

    struct CapturingHandler: LogHandler {
        let lines: Record
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            guard event.level >= .info else { return }
            let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            lines.append(([event.level.rawValue, event.message.description] + fields).joined(separator: " "))
        }
    }

    /// A loop on its own thread: runs until stopped, or fails, or returns on its own, after
    /// `delay` seconds.
    final class FakeLoop: @unchecked Sendable {
        enum Behaviour { case runUntilStopped, fail, returnEarly }
        let name: String
        let behaviour: Behaviour
        let delay: TimeInterval
        let stops: Record
        private let condition = NSCondition()
        private var stopping = false
        private var finished = false

        init(_ name: String, _ behaviour: Behaviour = .runUntilStopped, delay: TimeInterval = 0.2, stops: Record) {
            self.name = name
            self.behaviour = behaviour
            self.delay = delay
            self.stops = stops
        }

        func start(_ ended: @escaping @Sendable ((any Error)?) -> Void) {
            Thread { [self] in
                condition.lock()
                var end: (any Error)?
                switch behaviour {
                case .runUntilStopped:
                    while !stopping { condition.wait() }
                case .fail, .returnEarly:
                    _ = condition.wait(until: Date().addingTimeInterval(delay))
                    if behaviour == .fail { end = Boom() }
                }
                finished = true
                condition.broadcast()
                condition.unlock()
                ended(end)
            }.start()
        }

        func stop() {
            stops.append(name)
            condition.lock()
            stopping = true
            condition.broadcast()
            while !finished { condition.wait() }
            condition.unlock()
        }

        func service(_ deadline: ShutdownDeadline, _ logger: Logger) -> NodeService {
            NodeService(name: name, start: { self.start($0) }, stop: { _ in self.stop() }, deadline: deadline, logger: logger)
        }
    }

    func group(_ loops: [FakeLoop], lines: Record) -> ServiceGroup {
        let logger = Logger(label: "test") { _ in CapturingHandler(lines: lines) }
        var node = NodeServices()
        let deadline = ShutdownDeadline(grace: 5)
        node.services = loops.map { $0.service(deadline, logger) }
        return node.group(logger: logger)
    }

    @Test(arguments: ["cleanup", "workers", "listener"])
    func aFailingLoopStopsTheWholeNodeNamingTheService(failing: String) async throws {
        let stops = Record(), lines = Record()
        let loops = ["cleanup", "workers", "listener"].map { FakeLoop($0, $0 == failing ? .fail : .runUntilStopped, stops: stops) }
        do {
            try await group(loops, lines: lines).run()
            Issue.record("the group returned normally after \(failing) failed")
        } catch let failure as ServiceFailure {
            #expect(failure.service == failing)
            #expect(failure.error is Boom)
        }
        // The failing service stops what is left of itself first; the group then stops the
        // others in reverse order of the array.
        let others = ["listener", "workers", "cleanup"].filter { $0 != failing }
        #expect(stops.all == [failing] + others)
        let failed = lines.all.filter { $0.contains("service failed") }
        #expect(failed == ["critical service failed; stopping the node error=boom service=\(failing)"])
    }

    @Test func aLoopThatReturnsOnItsOwnIsAFailure() async throws {
        let stops = Record(), lines = Record()
        let loops = [FakeLoop("cleanup", stops: stops), FakeLoop("intake", .returnEarly, stops: stops)]
        await #expect(throws: ServiceFailure.self) { try await group(loops, lines: lines).run() }
        #expect(stops.all == ["intake", "cleanup"])
        #expect(lines.all.contains { $0.hasPrefix("critical service failed") && $0.hasSuffix("service=intake")
            && $0.contains("without being asked to stop") })
    }

    @Test func gracefulShutdownStopsInReverseOrder() async throws {
        let stops = Record(), lines = Record()
        let loops = ["cleanup", "send-workers", "workers", "intake", "listener"].map { FakeLoop($0, stops: stops) }
        let g = group(loops, lines: lines)
        async let running: Void = g.run()
        try await Task.sleep(for: .milliseconds(200))
        await g.triggerGracefulShutdown()
        try await running
        #expect(stops.all == ["listener", "intake", "workers", "send-workers", "cleanup"])
        #expect(!lines.all.contains { $0.contains("service failed") })
    }

    @Test func faultInjectionIsParsedAndArmedByItsFile() throws {
        #expect(try FaultInjection.from(environment: [:], services: NodeServices.order) == nil)
        // No service before the "@" is refused, not a crash.
        #expect(throws: FaultInjection.Invalid.self) {
            try FaultInjection.from(environment: ["SENDIT_FAULT_INJECT": "@"], services: NodeServices.order)
        }
        #expect(throws: FaultInjection.Invalid.self) {
            try FaultInjection.from(environment: ["SENDIT_FAULT_INJECT": "nonsense"], services: NodeServices.order)
        }
        let trigger = FileManager.default.temporaryDirectory.appendingPathComponent("fault-\(UUID().uuidString)").path
        let fault = try #require(try FaultInjection.from(environment: ["SENDIT_FAULT_INJECT": "workers@" + trigger],
                                                         services: NodeServices.order))
        #expect(fault.fault(for: "intake") == nil)
        let hook = try #require(fault.fault(for: "workers"))
        try hook()   // not armed: no file yet
        #expect(FileManager.default.createFile(atPath: trigger, contents: Data()))
        defer { try? FileManager.default.removeItem(atPath: trigger) }
        #expect(throws: FaultInjection.InjectedFault.self) { try hook() }
        let atOnce = try #require(try FaultInjection.from(environment: ["SENDIT_FAULT_INJECT": "cleanup"], services: NodeServices.order))
        #expect(throws: FaultInjection.InjectedFault.self) { try atOnce.fault(for: "cleanup")!() }
    }

    @Test func oneGraceForTheWholeShutdown() {
        let deadline = ShutdownDeadline(grace: 10)
        let start = Date()
        #expect(deadline.remaining(now: start) == 10)
        #expect(deadline.remaining(now: start.addingTimeInterval(4)) == 6)
        #expect(deadline.remaining(now: start.addingTimeInterval(12)) == 0)
    }
}

import Foundation

/// Test-only: SENDIT_FAULT_INJECT=<service>[@<file>] makes that service's loop fail (throw
/// `InjectedFault`) at its next turn once <file> exists, or at its first turn without a file.
/// Services: those of `NodeServices.Name`. Only the service-failure test
/// (conformance/service-failure-test) sets it, to check that a failing loop stops the whole node
/// with a non-zero status and that a restart finishes the interrupted work; `sendit serve` logs
/// a warning whenever it is set. Nothing else reads it.
struct FaultInjection: Sendable {
    static let variable = "SENDIT_FAULT_INJECT"

    let service: String
    /// The file whose existence arms the fault; nil: armed at once.
    let trigger: String?

    struct InjectedFault: Error, CustomStringConvertible {
        let service: String
        var description: String { "fault injected into the \(service) loop (\(FaultInjection.variable))" }
    }

    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    /// nil if the variable is not set; an error if it names no service of `services`.
    static func from(environment: [String: String], services: [String]) throws -> FaultInjection? {
        guard let value = environment[variable], !value.isEmpty else { return nil }
        let parts = value.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard services.contains(parts[0]) else {
            throw Invalid(description: "\(variable)=\(value): no such service in this node; one of \(services.joined(separator: ", ")) (test-only)")
        }
        return FaultInjection(service: parts[0], trigger: parts.count > 1 ? parts[1] : nil)
    }

    /// The hook for `service`'s loop: nil unless this fault is meant for it.
    func fault(for service: String) -> (@Sendable () throws -> Void)? {
        guard service == self.service else { return nil }
        let trigger = trigger
        return {
            if let trigger, !FileManager.default.fileExists(atPath: trigger) { return }
            throw InjectedFault(service: service)
        }
    }
}

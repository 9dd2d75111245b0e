#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Logging

/// SIGHUP in `sendit serve`: what can change without a restart is read again and put in force
/// for what comes next (new associations, instances, jobs); nothing open is dropped. Each part
/// registers an action; one that fails keeps what it had, with an error logged.
final class ReloadSignal: @unchecked Sendable {
    private var source: (any DispatchSourceSignal)?
    /// The one installed (kept for the life of the process).
    nonisolated(unsafe) static var installed: ReloadSignal?
    private var actions: [(name: String, run: () throws -> String)] = []
    let logger: Logger

    init(logger: Logger) { self.logger = logger }

    /// `run` returns what it did, for the log line.
    func add(_ name: String, _ run: @escaping () throws -> String) { actions.append((name, run)) }

    /// From the start of `serve`: SIGHUP (`systemctl reload`) never ends the node, even before
    /// the handler is installed or when there is nothing to reload.
    static func ignoreUntilInstalled() { signal(SIGHUP, SIG_IGN) }

    /// Starts listening for SIGHUP.
    func install() {
        guard source == nil else { return }
        signal(SIGHUP, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "sendit-sighup"))
        s.setEventHandler { [self] in reload() }
        s.resume()
        source = s
        ReloadSignal.installed = self
    }

    /// Runs every action; returns how many failed.
    @discardableResult
    func reload() -> Int {
        if actions.isEmpty {
            logger.notice("SIGHUP: nothing to reload on this node (no PROJECTS_FILE, no TLS); the node goes on")
            return 0
        }
        var failed = 0
        for action in actions {
            do {
                let did = try action.run()
                logger.notice("reloaded on SIGHUP", metadata: ["what": "\(action.name)", "result": "\(did)"])
            } catch {
                failed += 1
                logger.error("not reloaded on SIGHUP; what was in force stays", metadata: ["what": "\(action.name)", "error": "\(error)"])
            }
        }
        return failed
    }
}

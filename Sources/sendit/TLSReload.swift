#if canImport(Glibc)
import Glibc
#endif
import DICOMNetwork
import Dispatch
import Logging

/// SIGHUP makes every TLS context of `sendit serve` again from its files (the listener's, each
/// destination's): new connections use the new certificates, open associations keep theirs.
/// A context that cannot be made keeps its old one, with an error logged. sendit handles no
/// other use of SIGHUP.
enum TLSReload {
    nonisolated(unsafe) private static var source: (any DispatchSourceSignal)?

    /// Installs the handler (once; nothing when there is no TLS context).
    static func install(_ stores: [TLSContextStore], logger: Logger) {
        guard !stores.isEmpty, source == nil else { return }
        signal(SIGHUP, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "sendit-sighup"))
        s.setEventHandler { reload(stores, logger: logger) }
        s.resume()
        source = s
    }

    /// Reloads each store; returns how many failed.
    @discardableResult
    static func reload(_ stores: [TLSContextStore], logger: Logger) -> Int {
        var failed = 0
        for store in stores {
            do {
                try store.reload()
                logger.notice("TLS certificates reloaded", metadata: ["for": "\(store.name)"])
            } catch {
                failed += 1
                logger.error("TLS certificates not reloaded; the previous ones stay", metadata: ["for": "\(store.name)", "error": "\(error)"])
            }
        }
        return failed
    }
}

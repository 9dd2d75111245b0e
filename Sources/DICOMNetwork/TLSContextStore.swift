import Foundation

/// The current TLS context of one endpoint (the listener, a destination), made again from its
/// files by `reload()` (SIGHUP): new connections get the new context, open ones keep theirs.
public final class TLSContextStore: @unchecked Sendable {
    private let lock = NSLock()
    private var context: TLSContext
    private let make: @Sendable () throws(NetworkError) -> TLSContext
    /// What the store is for, in logs ("the DICOM TLS listener", "destination orthanc").
    public let name: String

    /// Makes the first context now: a file that cannot be read is an error at once.
    public init(name: String, make: @escaping @Sendable () throws(NetworkError) -> TLSContext) throws(NetworkError) {
        self.name = name
        self.make = make
        context = try make()
    }

    public convenience init(name: String, server settings: TLSServerSettings) throws(NetworkError) {
        try self.init(name: name) { () throws(NetworkError) in try TLSContext(server: settings) }
    }

    public convenience init(name: String, client settings: TLSClientSettings) throws(NetworkError) {
        try self.init(name: name) { () throws(NetworkError) in try TLSContext(client: settings) }
    }

    public var current: TLSContext {
        lock.lock()
        defer { lock.unlock() }
        return context
    }

    /// Reads the files again; on failure the current context stays and the error is thrown.
    public func reload() throws(NetworkError) {
        let fresh = try make()
        lock.lock()
        context = fresh
        lock.unlock()
    }
}

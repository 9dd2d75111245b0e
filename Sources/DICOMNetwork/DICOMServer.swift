#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import LoopThreads

/// The DICOM listener: accepts TCP connections and runs each association on its own thread.
/// Connections beyond twice the association limit are closed at once (those up to it get a
/// proper A-ASSOCIATE-RJ, transient, local limit exceeded).
public final class DICOMServer: @unchecked Sendable {
    public let configuration: ServerConfiguration
    /// Where received instances go (`SenditIntake`'s `StagingArea` in `sendit serve`).
    public let staging: any InstanceStaging
    let state = ServerState()
    let logger: Logger
    private var listenFD: Int32 = -1
    private var tlsListenFD: Int32 = -1
    private let tlsAcceptThread = LoopThread(name: "dicom-accept-tls")
    /// The TLS listener's current context (nil: no TLS listener).
    public private(set) var tlsContexts: TLSContextStore?
    private let stopLock = NSLock()
    private let threads = NSCondition()
    private var liveThreads = 0
    private let acceptThread = LoopThread(name: "dicom-accept")

    /// `staging` receives every instance; its data folder is the caller's to lock and recover
    /// (after `openPort()`, before `startAccepting()`, as `sendit serve` does).
    public init(configuration: ServerConfiguration, staging: any InstanceStaging, logger: Logger) {
        self.configuration = configuration
        self.staging = staging
        self.logger = logger
    }

    /// Where Storage Commitment results (N-EVENT-REPORTs) go; set before `start()`, with
    /// `configuration.acceptStorageCommitmentReports`.
    public var commitmentReports: StorageCommitmentHandler?

    /// Where the associations count what they receive (set before `start()`; by default the
    /// process's metrics system).
    public var metrics = ReceiveMetrics()
    /// Why no instance can be stored now (the disk is low), nil when it can: asked before an
    /// association is accepted (a reason rejects it as transient, local limit exceeded) and
    /// before each C-STORE writes, and again every 16 MiB of its data set (a
    /// reason answers it A700, Out of Resources). Set before `startAccepting()`.
    public var storageRefusal: @Sendable () -> String? = { nil }

    /// The port actually listened on (useful when configured as 0).
    public private(set) var port: Int = 0
    /// The TLS port actually listened on (0: none).
    public private(set) var tlsPort: Int = 0

    public var openAssociations: Int { state.openAssociations }

    /// Connections with a thread of their own: open associations, those not yet answered, and
    /// those rejected or released whose peer has not yet closed (each ends by ARTIM at the latest).
    public var liveConnections: Int {
        threads.lock()
        defer { threads.unlock() }
        return liveThreads
    }

    /// Where the accept loop's end is reported: nil when `stop()` ended it, an error when it
    /// failed. Set before `startAccepting()`; `sendit serve`'s service group stops the node on a
    /// failure, so a dead listener never leaves the rest of the node running.
    public var onAcceptLoopEnd: @Sendable ((any Error)?) -> Void = { _ in }

    /// Test-only: called before each wait for a connection; what it throws ends the accept loop
    /// as a failure would (`sendit serve` sets it from SENDIT_FAULT_INJECT, which only the
    /// service-failure test sets).
    public var injectedFault: (@Sendable () throws -> Void)?

    /// Opens the port and starts accepting: `openPort()`, then `startAccepting()`.
    public func start() throws {
        try openPort()
        startAccepting()
    }

    /// Binds and listens: connections wait in the kernel's backlog until `startAccepting()`, so
    /// the staging's data folder can be locked and recovered in between, with the port ours.
    /// With a TLS port, its context is made here (a certificate or key that cannot be loaded
    /// is an error now, not at the first connection).
    public func openPort() throws {
        if configuration.plainListener {
            (listenFD, port) = try listen(on: configuration.port)
        }
        if let tlsPort = configuration.tlsPort, let settings = configuration.tls {
            tlsContexts = try TLSContextStore(name: "the DICOM TLS listener", server: settings)
            (tlsListenFD, self.tlsPort) = try listen(on: tlsPort)
        }
    }

    func listen(on port: Int) throws -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw NetworkError.system("socket", errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, configuration.bindAddress, &addr.sin_addr) == 1 else {
            close(fd)
            throw NetworkError.refused("invalid listen address \(configuration.bindAddress)")
        }
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            let e = errno
            close(fd)
            throw NetworkError.refused("cannot listen on \(configuration.bindAddress):\(port): \(SystemError.message(e))")
        }
        guard Glibc.listen(fd, 128) == 0 else { throw NetworkError.system("listen", errno) }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &addr) {
            _ = $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }

    /// Makes the TLS listener's context again from its files (SIGHUP): new connections use the
    /// new certificate, open associations keep theirs. On failure the old context stays.
    public func reloadTLS() throws {
        try tlsContexts?.reload()
    }

    /// Starts the accept threads (after `openPort()`); their end is reported to `onAcceptLoopEnd`.
    public func startAccepting() {
        if listenFD >= 0 {
            let fd = listenFD
            acceptThread.start({ [self] in try acceptLoop(fd, tls: nil) }, onEnd: { [self] end in onAcceptLoopEnd(end) })
            logger.info("listening", metadata: ["port": "\(port)", "aet": "\(configuration.aeTitle)",
                                                "data": "\(configuration.dataFolder)", "fsync": "\(configuration.sync)"])
        }
        if tlsListenFD >= 0, let tlsContexts {
            let fd = tlsListenFD
            tlsAcceptThread.start({ [self] in try acceptLoop(fd, tls: tlsContexts) }, onEnd: { [self] end in onAcceptLoopEnd(end) })
            logger.info("listening", metadata: ["port": "\(tlsPort)", "tls": "true", "aet": "\(configuration.aeTitle)",
                                                "client_certificates": "\(configuration.tls?.clientCertificates.rawValue ?? "none")"])
        }
    }

    /// Returns when `stop()` shut the listener down; throws only what `injectedFault` throws.
    /// `tls`: the TLS listener's contexts (each connection's handshake runs on its own thread,
    /// within ARTIM, before the association).
    func acceptLoop(_ listenFD: Int32, tls: TLSContextStore?) throws {
        while true {
            try injectedFault?()
            var peer = sockaddr_storage()
            var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(listenFD, $0, &len) }
            }
            if fd < 0 {
                let code = errno
                if state.isShuttingDown { break }   // stop() shut the listener down
                if code == EINTR || code == ECONNABORTED { continue }
                // Anything else (out of descriptors or memory, a network error passed on by the
                // kernel) is logged and retried: the listener never stops on its own.
                logger.error("accept failed; retrying in 100 ms", metadata: ["reason": "\(SystemError.message(code))"])
                usleep(100_000)
                continue
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            let socket = Socket(fd: fd, peerDescription: DICOMServer.describe(peer))
            // Connections not yet associated have their own, smaller limit (they last at most
            // ARTIM), so slow or silent peers cannot keep others out.
            guard state.beginPending(limit: configuration.maximumAssociations) else {
                logger.warning("connection closed: too many connections waiting to associate", metadata: ["peer": "\(socket.peerDescription)"])
                socket.close()
                continue
            }
            threads.lock()
            let tooMany = liveThreads >= 2 * configuration.maximumAssociations
            if !tooMany { liveThreads += 1 }
            threads.unlock()
            if tooMany {
                state.endPending()
                logger.warning("connection closed: too many connections", metadata: ["peer": "\(socket.peerDescription)"])
                socket.close()
                continue
            }
            let thread = Thread { [self] in
                if let stream = secure(socket, tls: tls) {
                    AcceptorAssociation(socket: stream, configuration: configuration, staging: staging, server: state, logger: logger,
                                        commitmentReports: commitmentReports, metrics: metrics, storageRefusal: storageRefusal).run()
                }
                threads.lock()
                liveThreads -= 1
                threads.broadcast()
                threads.unlock()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// The connection as the association reads it: the socket itself, or TLS over it once the
    /// handshake succeeded within ARTIM. A failed handshake (a plaintext client, a certificate
    /// that does not verify, one that trickles) ends this connection only, with a log line.
    func secure(_ socket: Socket, tls: TLSContextStore?) -> (any ByteStream)? {
        guard let tls else { return socket }
        do {
            return try TLSStream.accept(socket, context: tls.current, deadline: Socket.now() + configuration.artimTimeout) { [state] in
                state.isShuttingDown && !state.withinGrace
            }
        } catch {
            state.endPending()
            logger.warning("TLS handshake failed; connection closed", metadata: ["peer": "\(socket.peerDescription)", "reason": "\(error)"])
            socket.close()
            return nil
        }
    }

    /// Stops accepting, lets associations finish for `grace` seconds (by default
    /// `configuration.shutdownGrace`), then aborts the rest, and returns when every association
    /// has ended.
    public func stop(grace: Double? = nil) {
        let grace = grace ?? configuration.shutdownGrace
        // Idempotent: SIGTERM and SIGINT may both arrive, on different threads.
        stopLock.lock()
        let fds = [listenFD, tlsListenFD].filter { $0 >= 0 }
        listenFD = -1
        tlsListenFD = -1
        stopLock.unlock()
        guard !fds.isEmpty else { return }
        logger.info("shutting down", metadata: ["open_associations": "\(state.openAssociations)",
                                                "grace_seconds": "\(grace)"])
        state.beginShutdown(grace: grace)
        for fd in fds { shutdown(fd, Int32(SHUT_RDWR)) }
        // (A port opened but never accepted on has no accept thread to wait for.)
        acceptThread.waitUntilEnded()
        tlsAcceptThread.waitUntilEnded()
        threads.lock()
        while liveThreads > 0 { threads.wait() }
        threads.unlock()
        for fd in fds { close(fd) }   // after the accept threads are done with them
        logger.info("stopped")
    }

    static func describe(_ storage: sockaddr_storage) -> String {
        var s = storage
        var host = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        var port: UInt16 = 0
        withUnsafePointer(to: &s) { p in
            if Int32(storage.ss_family) == AF_INET {
                p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { a in
                    var addr = a.pointee.sin_addr
                    inet_ntop(AF_INET, &addr, &host, socklen_t(host.count))
                    port = UInt16(bigEndian: a.pointee.sin_port)
                }
            } else if Int32(storage.ss_family) == AF_INET6 {
                p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { a in
                    var addr = a.pointee.sin6_addr
                    inet_ntop(AF_INET6, &addr, &host, socklen_t(host.count))
                    port = UInt16(bigEndian: a.pointee.sin6_port)
                }
            }
        }
        return String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + ":" + String(port)
    }
}

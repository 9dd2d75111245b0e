#if canImport(Glibc)
import Glibc
#endif
import CSSL

/// TLS over a connected socket (OpenSSL), as a `ByteStream`: the socket is non-blocking and every
/// wait is a poll() with the caller's deadline, so the handshake, reads and writes keep the
/// timeouts a plain socket has (a handshake that trickles ends at its deadline).
public final class TLSStream: ByteStream, @unchecked Sendable {
    let socket: Socket
    let context: TLSContext
    private let ssl: OpaquePointer
    private var isClosed = false
    /// A fatal TLS error happened: no close_notify may be sent.
    private var failed = false
    private var scratch: [UInt8] = []
    /// Whether any byte came from the peer after the handshake.
    private var hasRead = false

    /// The peer certificate's subject (RFC 2253) and common name, if it sent one.
    public private(set) var peerSubject: String?
    public private(set) var peerCommonName: String?
    /// "TLSv1.3", and the cipher suite agreed.
    public private(set) var protocolVersion = ""
    public private(set) var cipher = ""

    public var peerDescription: String { socket.peerDescription }
    public var sendTimeout: Double {
        get { socket.sendTimeout }
        set { socket.sendTimeout = newValue }
    }
    public var quickAcknowledgement: Bool {
        get { socket.quickAcknowledgement }
        set { socket.quickAcknowledgement = newValue }
    }

    private init(socket: Socket, context: TLSContext) throws(NetworkError) {
        guard let ssl = SSL_new(context.context) else { throw NetworkError.tls("SSL_new failed: \(TLSContext.errors())") }
        self.socket = socket
        self.context = context
        self.ssl = ssl
        let flags = fcntl(socket.fd, F_GETFL)
        _ = fcntl(socket.fd, F_SETFL, flags | O_NONBLOCK)
        SSL_set_fd(ssl, socket.fd)
    }

    deinit { close() }

    /// The listener's side: the handshake with a peer that connected, by `deadline`.
    public static func accept(_ socket: Socket, context: TLSContext, deadline: Double,
                              interrupted: (() -> Bool)? = nil) throws(NetworkError) -> TLSStream {
        let stream = try TLSStream(socket: socket, context: context)
        try stream.handshake(deadline: deadline, interrupted: interrupted)
        return stream
    }

    /// The requestor's side: the handshake with the server at `host` (whose certificate must
    /// carry that name, or the settings' `serverName`, unless it is pinned), by `deadline`.
    public static func connect(_ socket: Socket, host: String, context: TLSContext, deadline: Double) throws(NetworkError) -> TLSStream {
        let stream = try TLSStream(socket: socket, context: context)
        if let settings = context.client {
            let name = settings.serverName ?? host
            switch settings.trust {
            case .pinned: break
            case .caBundle, .system:
                var address = in6_addr()
                let isAddress = inet_pton(AF_INET, name, &address) == 1 || inet_pton(AF_INET6, name, &address) == 1
                let ok = isAddress ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(stream.ssl), name) == 1
                    : SSL_set1_host(stream.ssl, name) == 1
                guard ok else { throw NetworkError.tls("cannot check the certificate for the name \(name)") }
                if !isAddress { _ = sendit_tls_server_name(stream.ssl, name) }
            }
        }
        try stream.handshake(deadline: deadline, interrupted: nil)
        try stream.checkPinned()
        return stream
    }

    private func handshake(deadline: Double, interrupted: (() -> Bool)?) throws(NetworkError) {
        while true {
            ERR_clear_error()
            let r = context.isServer ? SSL_accept(ssl) : SSL_connect(ssl)
            if r == 1 { break }
            let code = SSL_get_error(ssl, r)
            let savedErrno = errno
            do {
                switch code {
                case SSL_ERROR_WANT_READ:
                    try socket.wait(for: Int16(POLLIN), deadline: deadline, what: "the TLS handshake", interrupted: interrupted)
                case SSL_ERROR_WANT_WRITE:
                    try socket.wait(for: Int16(POLLOUT), deadline: deadline, what: "the TLS handshake", interrupted: interrupted)
                default:
                    failed = true
                    throw NetworkError.tls("handshake failed: " + reason(code, errno: savedErrno))
                }
            } catch let e as NetworkError {
                failed = true
                throw e
            } catch {
                failed = true
                throw NetworkError.tls("handshake failed: \(error)")
            }
        }
        protocolVersion = String(cString: SSL_get_version(ssl))
        cipher = SSL_get_current_cipher(ssl).map { String(cString: SSL_CIPHER_get_name($0)) } ?? ""
        if let cert = SSL_get1_peer_certificate(ssl) {
            defer { X509_free(cert) }
            var buffer = [CChar](repeating: 0, count: 1024)
            if sendit_tls_subject(cert, &buffer, Int32(buffer.count)) >= 0 { peerSubject = TLSStream.string(buffer) }
            buffer = [CChar](repeating: 0, count: 256)
            if sendit_tls_common_name(cert, &buffer, Int32(buffer.count)) >= 0 { peerCommonName = TLSStream.string(buffer) }
        }
    }

    /// With a pinned certificate: the server's must be that one, and not expired.
    private func checkPinned() throws(NetworkError) {
        guard let pinned = context.pinned else { return }
        guard let cert = SSL_get1_peer_certificate(ssl) else {
            close()
            throw NetworkError.tls("certificate verification failed: the server sent no certificate")
        }
        defer { X509_free(cert) }
        guard X509_cmp(cert, pinned) == 0 else {
            close()
            throw NetworkError.tls("certificate verification failed: the server's certificate (\(peerSubject ?? "?")) is not the pinned one")
        }
        guard X509_cmp_current_time(X509_get0_notAfter(cert)) > 0, X509_cmp_current_time(X509_get0_notBefore(cert)) < 0 else {
            close()
            throw NetworkError.tls("certificate verification failed: the pinned certificate is expired or not yet valid")
        }
    }

    /// Why a handshake or record failed, in words: the certificate's verification error first.
    private func reason(_ code: Int32, errno savedErrno: Int32) -> String {
        let verify = SSL_get_verify_result(ssl)
        let queue = TLSContext.errors()
        if verify != Int(X509_V_OK) {
            return "certificate verification failed: " + String(cString: X509_verify_cert_error_string(verify))
                + (peerSubjectNow().map { " (\($0))" } ?? "")
        }
        if code == SSL_ERROR_SYSCALL && queue.isEmpty {
            return savedErrno == 0 || savedErrno == ECONNRESET ? "the peer closed the connection" : SystemError.message(savedErrno)
        }
        if code == SSL_ERROR_ZERO_RETURN { return "the peer closed the connection" }
        return queue.isEmpty ? "TLS error \(code)" : queue
    }

    private func peerSubjectNow() -> String? {
        guard let cert = SSL_get1_peer_certificate(ssl) else { return nil }
        defer { X509_free(cert) }
        var buffer = [CChar](repeating: 0, count: 1024)
        return sendit_tls_subject(cert, &buffer, Int32(buffer.count)) >= 0 ? TLSStream.string(buffer) : nil
    }

    static func string(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public func readExactly(into buffer: UnsafeMutableRawBufferPointer, count: Int, deadline: Double, what: String,
                            interrupted: (() -> Bool)? = nil) throws {
        var done = 0
        while done < count {
            guard !isClosed else { throw NetworkError.closed }
            var n = 0
            ERR_clear_error()
            let r = SSL_read_ex(ssl, buffer.baseAddress! + done, count - done, &n)
            if r == 1 {
                done += n
                hasRead = true
                continue
            }
            let code = SSL_get_error(ssl, r)
            let savedErrno = errno
            switch code {
            case SSL_ERROR_WANT_READ:
                if quickAcknowledgement { socket.acknowledgeNow() }
                try socket.wait(for: Int16(POLLIN), deadline: deadline, what: what, interrupted: interrupted)
            case SSL_ERROR_WANT_WRITE:
                try socket.wait(for: Int16(POLLOUT), deadline: deadline, what: what, interrupted: interrupted)
            case SSL_ERROR_ZERO_RETURN:
                throw closed()
            default:
                throw fatal(code, errno: savedErrno)
            }
        }
    }

    /// Copies the buffers into one (so a PDV header and its data go in one TLS record) and writes
    /// it within `sendTimeout`.
    public func write(_ buffers: [UnsafeRawBufferPointer]) throws {
        guard !isClosed else { throw NetworkError.closed }
        let deadline = Socket.now() + sendTimeout
        let total = buffers.reduce(0) { $0 + $1.count }
        if scratch.count < total { scratch = [UInt8](repeating: 0, count: total) }
        var offset = 0
        scratch.withUnsafeMutableBytes { out in
            for b in buffers where !b.isEmpty {
                out.baseAddress!.advanced(by: offset).copyMemory(from: b.baseAddress!, byteCount: b.count)
                offset += b.count
            }
        }
        var done = 0
        while done < total {
            var n = 0
            ERR_clear_error()
            let r = scratch.withUnsafeBytes { SSL_write_ex(ssl, $0.baseAddress! + done, total - done, &n) }
            if r == 1 {
                done += n
                continue
            }
            let code = SSL_get_error(ssl, r)
            let savedErrno = errno
            switch code {
            case SSL_ERROR_WANT_WRITE:
                try socket.wait(for: Int16(POLLOUT), deadline: deadline, what: "sending to \(peerDescription) (the peer does not read)")
            case SSL_ERROR_WANT_READ:
                try socket.wait(for: Int16(POLLIN), deadline: deadline, what: "sending to \(peerDescription)")
            default:
                throw fatal(code, errno: savedErrno)
            }
        }
    }

    /// A read's or write's end: the connection broke (`closed()`), or what OpenSSL says went wrong.
    private func fatal(_ code: Int32, errno savedErrno: Int32) -> NetworkError {
        failed = true
        if code == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 { return closed() }
        return .tls(reason(code, errno: savedErrno))
    }

    /// The peer closed the connection. With TLS 1.3 a client's handshake ends before the server
    /// has checked the client's certificate; a server that refuses it (or its absence) may just
    /// close (dcmtk does): a DICOM acceptor that closes before answering anything over TLS is
    /// reported as that, a TLS failure.
    private func closed() -> NetworkError {
        guard !hasRead && !context.isServer else { return .closed }
        return .tls("the server closed the connection before answering: it may refuse this side's client certificate "
                    + "(or the lack of one)")
    }

    public func isReadable(within seconds: Double) -> Bool {
        if !isClosed && SSL_pending(ssl) > 0 { return true }
        return socket.isReadable(within: seconds)
    }

    /// Sends close_notify (once, without waiting for the peer's), then closes the socket.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        if !failed && SSL_is_init_finished(ssl) == 1 {
            ERR_clear_error()
            _ = SSL_shutdown(ssl)
        }
        SSL_free(ssl)
        ERR_clear_error()
        socket.close()
    }
}

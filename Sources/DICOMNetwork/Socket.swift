#if canImport(Glibc)
import Glibc
#endif

/// A connected TCP socket (blocking, with poll() for timeouts). TCP_NODELAY is always set: a
/// DIMSE sender waits for each response, and Nagle's algorithm would hold back the last small
/// segment of every message (dcmtk as shipped stalls ~40 ms per message without it).
public final class Socket: @unchecked Sendable {
    public let fd: Int32
    public let peerDescription: String
    private var isClosed = false
    private var currentTimeout: Double = 0

    init(fd: Int32, peerDescription: String, receiveBuffer: Int32 = 1 << 20, sendBuffer: Int32 = 1 << 20) {
        self.fd = fd
        self.peerDescription = peerDescription
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var rcv = receiveBuffer, snd = sendBuffer
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close() }

    /// Connects to host:port (a name or an address) within `timeout` seconds.
    public static func connect(host: String, port: Int, timeout: Double) throws -> Socket {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &result)
        guard rc == 0, let first = result else {
            throw NetworkError.refused("cannot resolve \(host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(result) }
        var lastError: NetworkError = .refused("no address for \(host)")
        var ai: UnsafeMutablePointer<addrinfo>? = first
        while let a = ai {
            ai = a.pointee.ai_next
            let fd = socket(a.pointee.ai_family, a.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), a.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            let flags = fcntl(fd, F_GETFL)
            _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
            if Glibc.connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen) != 0 && errno != EINPROGRESS {
                lastError = .refused("cannot connect to \(host):\(port): \(SystemError.message(errno))")
                Glibc.close(fd)
                continue
            }
            var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&pfd, 1, Int32(timeout * 1000))
            var soError: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len)
            if ready <= 0 || soError != 0 {
                lastError = ready == 0 ? .timedOut("connecting to \(host):\(port)")
                    : .refused("cannot connect to \(host):\(port): \(SystemError.message(soError != 0 ? soError : errno))")
                Glibc.close(fd)
                continue
            }
            _ = fcntl(fd, F_SETFL, flags)
            return Socket(fd: fd, peerDescription: "\(host):\(port)")
        }
        throw lastError
    }

    /// Reads exactly `count` bytes into `buffer`, waiting at most `timeout` seconds (0: forever)
    /// for each chunk to arrive. The timeout is the socket's receive timeout (SO_RCVTIMEO), set
    /// only when it changes, so a read costs one system call.
    public func readExactly(into buffer: UnsafeMutableRawBufferPointer, count: Int, timeout: Double, what: String) throws {
        if timeout != currentTimeout {
            var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            currentTimeout = timeout
        }
        var done = 0
        while done < count {
            let n = recv(fd, buffer.baseAddress! + done, count - done, 0)
            if n > 0 {
                done += n
                continue
            }
            if n == 0 { throw NetworkError.closed }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { throw NetworkError.timedOut(what) }
            if errno == ECONNRESET { throw NetworkError.closed }
            throw NetworkError.system("recv", errno)
        }
    }

    /// Writes all of the buffers, in order, with as few system calls as possible (writev).
    public func write(_ buffers: [UnsafeRawBufferPointer]) throws {
        var iov = buffers.filter { !$0.isEmpty }.map { iovec(iov_base: UnsafeMutableRawPointer(mutating: $0.baseAddress), iov_len: $0.count) }
        var index = 0
        while index < iov.count {
            let n = iov.withUnsafeMutableBufferPointer { p in
                writev(fd, p.baseAddress! + index, Int32(min(p.count - index, 1024)))   // IOV_MAX on Linux
            }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE || errno == ECONNRESET { throw NetworkError.closed }
                throw NetworkError.system("writev", errno)
            }
            var left = n
            while index < iov.count && left >= iov[index].iov_len {
                left -= iov[index].iov_len
                index += 1
            }
            if left > 0 {
                iov[index].iov_base += left
                iov[index].iov_len -= left
            }
        }
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write([$0]) }
    }

    /// Stops further sends (the peer reads end of stream) but keeps reading possible.
    public func shutdownWrite() { _ = shutdown(fd, Int32(SHUT_WR)) }

    public func close() {
        guard !isClosed else { return }
        isClosed = true
        Glibc.close(fd)
    }
}

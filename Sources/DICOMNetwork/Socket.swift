#if canImport(Glibc)
import Glibc
#endif

/// A connected TCP socket (blocking, with poll() for timeouts). TCP_NODELAY is always set: a
/// DIMSE sender waits for each response, and Nagle's algorithm would hold back the last small
/// segment of every message (dcmtk as shipped stalls ~40 ms per message without it).
public final class Socket: ByteStream, @unchecked Sendable {
    public let fd: Int32
    public let peerDescription: String
    private var isClosed = false

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

    /// Seconds on a monotonic clock, for deadlines.
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Reads exactly `count` bytes into `buffer` by `deadline` (Socket.now() seconds): one
    /// deadline for the whole read, so a peer cannot stretch it by trickling bytes.
    /// `interrupted` is asked at least twice a second while waiting (for shutdown).
    public func readExactly(into buffer: UnsafeMutableRawBufferPointer, count: Int, deadline: Double, what: String,
                            interrupted: (() -> Bool)? = nil) throws {
        var done = 0
        while done < count {
            let n = recv(fd, buffer.baseAddress! + done, count - done, Int32(MSG_DONTWAIT))
            if n > 0 {
                done += n
                continue
            }
            if n == 0 { throw NetworkError.closed }
            if errno == EINTR { continue }
            guard errno == EAGAIN || errno == EWOULDBLOCK else {
                if errno == ECONNRESET { throw NetworkError.closed }
                throw NetworkError.system("recv", errno)
            }
            // Acknowledge what arrived now rather than after the delayed-ACK timer: a peer that
            // writes a message in two pieces with Nagle on (dcmtk-based ones such as Orthanc
            // do, for each C-STORE-RSP) holds the second piece until the first is acknowledged,
            // which stalled every response ~40 ms. Linux drops quick-ACK mode on its own, so it
            // is set again each time we wait.
            if quickAcknowledgement {
                acknowledgeNow()
            } else {
                // A sender with Nagle on (dcmtk's tools as shipped, many modalities) holds a
                // small last piece until what it sent is acknowledged: if nothing arrives within
                // 2 ms, acknowledge now instead of after the 40 ms delayed-ACK timer. A sender
                // without Nagle has its data here sooner, and gets no extra ACKs.
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&pfd, 1, 2) == 0 { acknowledgeNow() }
            }
            try wait(for: Int16(POLLIN), deadline: deadline, what: what, interrupted: interrupted)
        }
    }

    /// Acknowledge at once whenever a read waits (TCP_QUICKACK): on for associations sendit
    /// requests, where each wait is for a response the peer may write in pieces. Off, a read
    /// acknowledges only once it has waited 2 ms.
    public var quickAcknowledgement = false

    func acknowledgeNow() {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), Int32(TCP_QUICKACK), &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Seconds a write may take before the peer is given up (it stopped reading).
    public var sendTimeout: Double = 60

    /// Writes all of the buffers, in order, with as few system calls as possible, within
    /// `sendTimeout`. MSG_NOSIGNAL: a closed peer is an error, never SIGPIPE.
    public func write(_ buffers: [UnsafeRawBufferPointer]) throws {
        let deadline = Socket.now() + sendTimeout
        var iov = buffers.filter { !$0.isEmpty }.map { iovec(iov_base: UnsafeMutableRawPointer(mutating: $0.baseAddress), iov_len: $0.count) }
        var index = 0
        while index < iov.count {
            let n = iov.withUnsafeMutableBufferPointer { p -> Int in
                var message = msghdr()
                message.msg_iov = p.baseAddress! + index
                message.msg_iovlen = min(p.count - index, 1024)   // IOV_MAX on Linux
                return sendmsg(fd, &message, Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK {
                    try wait(for: Int16(POLLOUT), deadline: deadline, what: "sending to \(peerDescription) (the peer does not read)")
                    continue
                }
                if errno == EPIPE || errno == ECONNRESET { throw NetworkError.closed }
                throw NetworkError.system("sendmsg", errno)
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

    /// Whether bytes (or the end of the stream) can be read within `seconds`.
    public func isReadable(within seconds: Double) -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&pfd, 1, Int32(max(0, seconds * 1000))) != 0
    }

    /// Waits until the socket is ready for `events`, until `deadline`, in slices of at most
    /// 0.5 s so that `interrupted` is noticed.
    func wait(for events: Int16, deadline: Double, what: String, interrupted: (() -> Bool)? = nil) throws {
        while true {
            if let interrupted, interrupted() { throw NetworkError.timedOut("\(what): interrupted") }
            let left = deadline - Socket.now()
            if left <= 0 { throw NetworkError.timedOut(what) }
            var pfd = pollfd(fd: fd, events: events, revents: 0)
            let r = poll(&pfd, 1, Int32(max(1, min(left, 0.5) * 1000)))
            if r > 0 { return }
            if r < 0 && errno != EINTR { throw NetworkError.system("poll", errno) }
        }
    }

    /// Stops further sends (the peer reads end of stream) but keeps reading possible.
    public func shutdownWrite() { _ = shutdown(fd, Int32(SHUT_WR)) }

    public func close() {
        guard !isClosed else { return }
        isClosed = true
        Glibc.close(fd)
    }
}

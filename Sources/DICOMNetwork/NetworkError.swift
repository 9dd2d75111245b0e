/// Transport failures: the peer closed, a timeout expired, or a system call failed.
public enum NetworkError: Error, Equatable, Sendable, CustomStringConvertible {
    case closed
    case timedOut(String)
    case system(String, Int32)
    case refused(String)
    /// A TLS handshake or record failed (a certificate that does not verify, a peer that does not
    /// speak TLS, a protocol error): never retried in clear text.
    case tls(String)

    public var description: String {
        switch self {
        case .closed: return "connection closed by the peer"
        case .timedOut(let what): return "timed out \(what)"
        case .system(let call, let code): return "\(call) failed: \(SystemError.message(code))"
        case .refused(let why): return why
        case .tls(let why): return "TLS: \(why)"
        }
    }
}

enum SystemError {
    static func message(_ code: Int32) -> String {
        #if canImport(Glibc)
        return String(cString: strerror(code))
        #else
        return "errno \(code)"
        #endif
    }
}

#if canImport(Glibc)
import Glibc
#endif

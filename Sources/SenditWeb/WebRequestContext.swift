import Hummingbird
import NIOCore

/// Each request's context: who is asking (set by `AccessMiddleware`), from where, and the
/// form fields of a POST (read once, bounded, by the middleware that checks its CSRF token).
public struct WebRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: WebIdentity?
    /// The client's IP address ("-" when unknown, as in router tests): the TCP peer's, or
    /// behind a trusted proxy the one it forwards (set by `AccessMiddleware`).
    public var address: String
    /// The request came over HTTPS, directly or through a trusted proxy: cookies get `Secure`.
    public var secure = false
    public var form: [String: String] = [:]

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        address = source.channel.remoteAddress?.ipAddress ?? "-"
    }

    /// Forms and JSON bodies are small: nothing sendit takes over HTTP is larger.
    public var maxUploadSize: Int { 64 * 1024 }
}

import Hummingbird
import NIOCore

/// Each request's context: who is asking (set by `AccessMiddleware`), from where, and the
/// form fields of a POST (read once, bounded, by the middleware that checks its CSRF token).
public struct WebRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: WebIdentity?
    /// The peer's IP address ("-" when unknown, as in router tests).
    public var address: String
    public var form: [String: String] = [:]

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        address = source.channel.remoteAddress?.ipAddress ?? "-"
    }

    /// Forms and JSON bodies are small: nothing sendit takes over HTTP is larger.
    public var maxUploadSize: Int { 64 * 1024 }
}

import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOSSL
import Logging
import SenditIndex

/// The web app: the pages, the JSON API under /api/v1, /metrics and the health checks, behind
/// `AccessMiddleware`. Everything it knows of the node comes through the index's protocols
/// (`AccessStore`, `OverviewStore`) and `NodeControl`; it runs as a Service in the node's group.
public struct WebApp: Sendable {
    public let configuration: WebConfiguration
    let access: any AccessStore
    let overview: any OverviewStore
    let control: any NodeControl
    let metrics: WebMetrics?
    /// Retrieval jobs (RETRIEVE_SOURCES), or nil.
    public var retrievals: RetrievalAccess?
    let throttle: LoginThrottle
    /// The CSRF token of the pages when the lockdown is off (no session to hold one).
    let processToken = Secrets.random()
    let logger: Logger
    let now: @Sendable () -> Date

    public init(configuration: WebConfiguration, access: any AccessStore, overview: any OverviewStore, control: any NodeControl,
                metrics: WebMetrics? = nil, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.access = access
        self.overview = overview
        self.control = control
        self.metrics = metrics
        self.throttle = LoginThrottle(limit: configuration.loginFailuresAllowed, window: configuration.loginWindow)
        self.logger = logger
        self.now = now
    }

    public func router() -> Router<WebRequestContext> {
        let router = Router(context: WebRequestContext.self)
        router.add(middleware: AccessMiddleware(configuration: configuration, access: access, now: now,
                                                hosts: AllowedHosts(bindAddress: configuration.host, machineNames: configuration.machineNames,
                                                                    allowed: configuration.allowedHosts),
                                                processToken: processToken))
        addHealthRoutes(router)
        addLoginRoutes(router)
        addPageRoutes(router)
        addActionRoutes(router)
        addDestinationRoutes(router)
        addSearchRoutes(router)
        addAlertRoutes(router)
        addRetrievalRoutes(router)
        addAPIRoutes(router)
        return router
    }

    /// The application, listening on the configured address: HTTPS when a certificate and key
    /// are configured (TLS 1.2 at least), else HTTP.
    public func application() throws -> some ApplicationProtocol {
        let server: HTTPServerBuilder
        if let certificate = configuration.tlsCertificate, let key = configuration.tlsKey {
            var tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
            tls.minimumTLSVersion = .tlsv12
            server = try .tls(.http1(configuration: Self.http1), tlsConfiguration: tls)
        } else {
            server = .http1(configuration: Self.http1)
        }
        return Application(router: router(), server: server,
                           configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
                           logger: logger)
    }

    /// A connection idle for 30 s is closed: idle or trickling clients cannot hold the
    /// process's file descriptors, which the DICOM listener needs too.
    static let http1 = HTTP1Channel.Configuration(idleTimeout: .seconds(30))

    /// The page frame for this identity.
    func frame(_ context: WebRequestContext, current: String, refresh: Int? = nil) -> Layout.Frame {
        Layout.Frame(identity: context.identity!, configuration: configuration, refreshSeconds: refresh, current: current)
    }

    /// nil when the identity's role allows `role`; else the refusal (a page, or JSON under /api/).
    func refusal(_ role: AccessRole, _ request: Request, _ context: WebRequestContext) -> Response? {
        guard let identity = context.identity else { return WebResponses.jsonError(.unauthorized, "log in first") }
        guard !identity.role.allows(role) else { return nil }
        let message = "this needs the \(role.rawValue) role; \(identity.name) has \(identity.role.rawValue)"
        return request.uri.path.hasPrefix("/api/") ? WebResponses.jsonError(.forbidden, message)
            : WebResponses.page(status: .forbidden, title: "Not allowed", message: message)
    }

    func audit(_ context: WebRequestContext, _ action: AuditEntry.Action, target: String, detail: String = "") {
        let entry = AuditEntry(at: now(), actor: context.identity?.actor ?? "-", address: context.address, action: action,
                               target: target, detail: detail)
        do { try access.recordAudit(entry) } catch {
            logger.error("audit entry not recorded", metadata: ["action": "\(action.rawValue)", "error": "\(error)"])
        }
    }
}

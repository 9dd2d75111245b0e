import Foundation
import SenditIndex

/// What the web app needs to know, resolved once by the executable from the settings table.
public struct WebConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// false only when LOCKDOWN_ENABLED=false was set explicitly: every page then opens without
    /// a login (as `lockdownRole`), the log warns and every page carries a banner.
    public var lockdownEnabled: Bool
    /// The seed's shared passwords (LOCKDOWN_PASSWORDS): each logs in as `shared` with `lockdownRole`.
    public var lockdownPasswords: [String]
    public var lockdownRole: AccessRole
    /// A session ends after this long without a request, and at `sessionLifetime` whatever happens.
    public var sessionIdle: TimeInterval
    public var sessionLifetime: TimeInterval
    /// Cookies get `Secure` (set when the app is served over HTTPS).
    public var secureCookies: Bool
    /// PEM files of the certificate chain and its private key: HTTPS (TLS 1.2 and 1.3) instead of
    /// HTTP when both are set.
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// /metrics without a login (for a Prometheus scraper on a trusted network).
    public var metricsPublic: Bool
    /// Original values on the pages, to admins only, with a banner (SHOW_PHI).
    public var showPHI: Bool
    /// Failed logins allowed per address, and per user, within `loginWindow`.
    public var loginFailuresAllowed: Int
    public var loginWindow: TimeInterval
    /// HTTP_ALLOWED_HOSTS: more host names requests may be addressed to (`*`: any, unsafe);
    /// with the machine's own names (`machineNames`) and `host`, see `AllowedHosts`.
    public var allowedHosts: [String] = []
    public var machineNames: [String] = []
    /// TRUSTED_PROXIES: the peers whose X-Forwarded-For and X-Forwarded-Proto are believed.
    public var trustedProxies = TrustedProxies()

    public init(host: String = "127.0.0.1", port: Int = 8080, lockdownEnabled: Bool = true, lockdownPasswords: [String] = [],
                lockdownRole: AccessRole = .viewer, sessionIdle: TimeInterval = 30 * 60, sessionLifetime: TimeInterval = 12 * 3600,
                secureCookies: Bool = false, metricsPublic: Bool = false, showPHI: Bool = false, loginFailuresAllowed: Int = 5,
                loginWindow: TimeInterval = 15 * 60) {
        self.host = host
        self.port = port
        self.lockdownEnabled = lockdownEnabled
        self.lockdownPasswords = lockdownPasswords
        self.lockdownRole = lockdownRole
        self.sessionIdle = sessionIdle
        self.sessionLifetime = sessionLifetime
        self.secureCookies = secureCookies
        self.metricsPublic = metricsPublic
        self.showPHI = showPHI
        self.loginFailuresAllowed = loginFailuresAllowed
        self.loginWindow = loginWindow
    }
}

import Foundation

/// Where Cloud Storage requests get their OAuth2 bearer token. `GoogleCredentials` is the real
/// one (a service account's JWT exchange, or the GCE metadata server); a provider caches its
/// token, so it is asked once per request. It throws `GoogleCloudError`.
public protocol GoogleAccessTokenProvider: Sendable {
    func accessToken() throws -> String
}

import Foundation

/// How a DICOMweb server is told who is asking: nothing, HTTP basic, a bearer token given in
/// the configuration, or a Google OAuth2 token (a Cloud Healthcare API DICOM store), fetched and
/// cached by its provider.
public enum DICOMwebAuthorization: Sendable {
    case none
    case basic(username: String, password: String)
    case bearer(String)
    case google(any GoogleAccessTokenProvider)

    /// The `Authorization` header's value, or nil for none. Throws what the token provider
    /// throws (`GoogleCloudError`).
    public func header() throws -> String? {
        switch self {
        case .none: nil
        case .basic(let username, let password): "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
        case .bearer(let token): "Bearer \(token)"
        case .google(let tokens): "Bearer \(try tokens.accessToken())"
        }
    }

    /// For logs and the start-up summary: the kind, never the credentials.
    public var kind: String {
        switch self {
        case .none: "none"
        case .basic: "basic"
        case .bearer: "bearer"
        case .google: "google"
        }
    }
}

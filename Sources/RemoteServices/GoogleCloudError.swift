import Foundation

/// A failure talking to Google: the token endpoint, the metadata server or Cloud Storage.
/// `isTransient` says whether trying again later can help: HTTP 408, 429 and 5xx, no answer at
/// all (connection refused, DNS, TLS, timeout, a dropped connection) are transient; any other
/// 4xx, an unreadable or invalid credentials file, a bad key or an answer that is not what the
/// API promises are permanent.
public struct GoogleCloudError: Error, CustomStringConvertible, Sendable {
    public let message: String
    /// The HTTP status when there was an answer.
    public let status: Int?
    public let isTransient: Bool

    public init(_ message: String, status: Int? = nil, isTransient: Bool) {
        self.message = message
        self.status = status
        self.isTransient = isTransient
    }

    public var description: String { message }

    /// The retry classification of an HTTP status that is not a success.
    public static func isTransient(status: Int) -> Bool {
        status == 408 || status == 429 || status >= 500
    }

    /// An error for an HTTP answer that is not a success: what was asked, the status and the
    /// start of the body.
    static func http(_ what: String, status: Int, body: Data) -> GoogleCloudError {
        GoogleCloudError("\(what): HTTP \(status) \(HTTPCall.excerpt(body))".trimmingCharacters(in: .whitespaces),
                         status: status, isTransient: isTransient(status: status))
    }

    /// An error for no HTTP answer at all: always transient.
    static func network(_ what: String, _ why: String) -> GoogleCloudError {
        GoogleCloudError("\(what): \(why)", isTransient: true)
    }
}

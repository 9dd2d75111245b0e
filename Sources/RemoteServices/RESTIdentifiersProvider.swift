import Deidentify
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The identifiers service (the seed system's DASHER contract): one POST of the request as JSON
/// per study, with a bearer token. Server errors (5xx, and 408 and 429), timeouts and connection errors are
/// tried again here a few times with a growing pause, then thrown as retryable (the job queue
/// backs off further); a refusal (4xx) or an answer that is not a valid response is permanent.
public struct RESTIdentifiersProvider: IdentifiersProvider {
    public let url: URL
    public let token: String?
    public let timeout: TimeInterval
    /// Tries within one job, and the pause before the second (doubling).
    public var attempts = 3
    public var pause: TimeInterval = 1

    /// The service as messages name it: its URL without user, password, query or fragment (a
    /// token there must not reach reasons, pages or alerts).
    public var name: String { HTTPCall.shown(url) }

    public init(url: URL, token: String?, timeout: TimeInterval) {
        self.url = url
        self.token = token
        self.timeout = timeout
    }

    /// Worth trying again later: a server error, a timeout, no connection.
    public struct ServiceError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Retrying cannot change it: the service refused the request (4xx but 408 and 429), or its
    /// answer is not a valid response.
    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    public func identifiers(for request: IdentifiersRequest) throws -> IdentifiersResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = try encoder.encode(request)
        var last = ServiceError(description: "no attempt")
        for attempt in 1...max(1, attempts) {
            if attempt > 1 { Thread.sleep(forTimeInterval: pause * Double(1 << (attempt - 2))) }
            switch post(body) {
            case .answer(let status, let data) where (200..<300).contains(status):
                do {
                    return try IdentifiersResponse.decode(data)
                } catch {
                    throw Refusal(description: "identifiers service \(name): \(error)")
                }
            case .answer(let status, _) where (400..<500).contains(status) && status != 408 && status != 429:
                // The body is not quoted: a service's error often echoes its input, the original
                // patient ID and accession number, and a reason reaches pages and alerts.
                throw Refusal(description: "identifiers service \(name) refused the request: HTTP \(status)")
            case .answer(let status, _):
                last = ServiceError(description: "identifiers service \(name): HTTP \(status) (after \(attempt) tries)")
            case .failure(let why):
                last = ServiceError(description: "identifiers service \(name): \(why) (after \(attempt) tries)")
            }
        }
        throw last
    }

    func post(_ body: Data) -> HTTPCall.Outcome {
        var headers = ["Content-Type": "application/json", "Accept": "application/json"]
        if let token, !token.isEmpty { headers["Authorization"] = "Bearer \(token)" }
        return HTTPCall.perform("POST", url, body: body, headers: headers, timeout: timeout)
    }
}

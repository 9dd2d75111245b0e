import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One blocking HTTP request (the job workers are threads, not tasks): the identifiers
/// service, Orthanc's REST API, Google's token and storage endpoints. Redirects are never
/// followed: a bearer token is not handed to another host, and Cloud Storage answers 308
/// "Resume Incomplete" between the chunks of a resumable upload, which is not a redirect.
public enum HTTPCall {
    public enum Outcome: Sendable {
        case answer(status: Int, body: Data)
        /// No HTTP answer: connection refused, DNS, TLS, timeout.
        case failure(String)
    }

    /// An answer with its headers (the `Location` of a resumable upload session, the `Range` a
    /// session has persisted).
    public struct Answer: Sendable {
        public let status: Int
        public let body: Data
        /// Header names in lower case.
        public let headers: [String: String]

        public func header(_ name: String) -> String? { headers[name.lowercased()] }
    }

    public enum Exchange: Sendable {
        case answer(Answer)
        /// No HTTP answer: connection refused or dropped, DNS, TLS, timeout.
        case failure(String)
    }

    public static func perform(_ method: String, _ url: URL, body: Data? = nil, headers: [String: String] = [:],
                               timeout: TimeInterval) -> Outcome {
        switch exchange(method, url, body: body, headers: headers, timeout: timeout) {
        case .answer(let a): .answer(status: a.status, body: a.body)
        case .failure(let why): .failure(why)
        }
    }

    /// Follows no redirect, and answers an authentication challenge (a 401 with
    /// `WWW-Authenticate`) by keeping the 401 as the answer: sendit sends its credentials in
    /// the request and never retries with others. (FoundationNetworking on Linux, left to its
    /// default handling, never completes such a request; rejecting the protection space ends
    /// it as "cancelled", so the 401 is kept here to be answered instead.)
    private final class NoRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
        private let lock = NSLock()
        private var refused: HTTPURLResponse?
        var challenged: HTTPURLResponse? { lock.withLock { refused } }

        func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
            completionHandler(nil)
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
                        completionHandler: @escaping @Sendable (URLSession.AuthChallengeDisposition, URLCredential?) -> Void) {
            lock.withLock { refused = challenge.failureResponse as? HTTPURLResponse }
            completionHandler(.rejectProtectionSpace, nil)
        }
    }

    /// The request, answered with its headers. `bodyFile`: the body is that file's bytes,
    /// streamed from disk (a STOW-RS batch), instead of `body`.
    public static func exchange(_ method: String, _ url: URL, body: Data? = nil, bodyFile: URL? = nil,
                                headers: [String: String] = [:], timeout: TimeInterval) -> Exchange {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        if bodyFile == nil { request.httpBody = body }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        let delegate = NoRedirects()
        let session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome = Exchange.failure("no answer")
        let handler: @Sendable (Data?, URLResponse?, (any Error)?) -> Void = { data, response, error in
            if let error {
                if let refused = delegate.challenged {
                    outcome = .answer(Answer(status: refused.statusCode, body: Data(), headers: Self.fields(refused)))
                } else {
                    outcome = .failure(error.localizedDescription)
                }
            } else if let http = response as? HTTPURLResponse {
                outcome = .answer(Answer(status: http.statusCode, body: data ?? Data(), headers: Self.fields(http)))
            }
            done.signal()
        }
        let task = bodyFile.map { session.uploadTask(with: request, fromFile: $0, completionHandler: handler) }
            ?? session.dataTask(with: request, completionHandler: handler)
        task.resume()
        if done.wait(timeout: .now() + timeout + 5) == .timedOut {
            task.cancel()
            return .failure("no answer within \(Int(timeout)) s")
        }
        return outcome
    }

    /// A response's header fields, names in lower case.
    private static func fields(_ http: HTTPURLResponse) -> [String: String] {
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { fields[name.lowercased()] = value }
        }
        return fields
    }

    /// A URL as messages may show it: scheme, host, port and path; no user, password, query or
    /// fragment.
    public static func shown(_ url: URL) -> String {
        guard var parts = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return "(a URL)" }
        parts.user = nil
        parts.password = nil
        parts.query = nil
        parts.fragment = nil
        return parts.string ?? "(a URL)"
    }

    /// The start of a body, on one line, for error messages.
    public static func excerpt(_ data: Data) -> String {
        let text = String(decoding: data.prefix(200), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
        return text.isEmpty ? "" : "(\(text))"
    }
}

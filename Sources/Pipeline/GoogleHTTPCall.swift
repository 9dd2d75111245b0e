import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One blocking HTTP request, like `HTTPCall`, that also returns the response headers (the
/// `Location` of a resumable upload session, the `Range` a session has persisted) and never
/// follows a redirect: Cloud Storage answers 308 "Resume Incomplete" between chunks, which is
/// not a redirect.
enum GoogleHTTPCall {
    struct Answer: Sendable {
        let status: Int
        let body: Data
        /// Header names in lower case.
        let headers: [String: String]

        func header(_ name: String) -> String? { headers[name.lowercased()] }
    }

    enum Outcome: Sendable {
        case answer(Answer)
        /// No HTTP answer: connection refused or dropped, DNS, TLS, timeout.
        case failure(String)
    }

    private final class NoRedirects: NSObject, URLSessionTaskDelegate {
        func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
            completionHandler(nil)
        }
    }

    static func perform(_ method: String, _ url: URL, body: Data? = nil, headers: [String: String] = [:],
                        timeout: TimeInterval) -> Outcome {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        request.httpBody = body
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        let session = URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome = Outcome.failure("no answer")
        let task = session.dataTask(with: request) { data, response, error in
            if let error {
                outcome = .failure(error.localizedDescription)
            } else if let http = response as? HTTPURLResponse {
                var fields: [String: String] = [:]
                for (name, value) in http.allHeaderFields {
                    if let name = name as? String, let value = value as? String { fields[name.lowercased()] = value }
                }
                outcome = .answer(Answer(status: http.statusCode, body: data ?? Data(), headers: fields))
            }
            done.signal()
        }
        task.resume()
        if done.wait(timeout: .now() + timeout + 5) == .timedOut {
            task.cancel()
            return .failure("no answer within \(Int(timeout)) s")
        }
        return outcome
    }
}

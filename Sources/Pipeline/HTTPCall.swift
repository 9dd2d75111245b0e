import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One blocking HTTP request (the job workers are threads, not tasks): the identifiers
/// service, Orthanc's REST API, Google's token and storage endpoints.
public enum HTTPCall {
    public enum Outcome: Sendable {
        case answer(status: Int, body: Data)
        /// No HTTP answer: connection refused, DNS, TLS, timeout.
        case failure(String)
    }

    public static func perform(_ method: String, _ url: URL, body: Data? = nil, headers: [String: String] = [:],
                               timeout: TimeInterval) -> Outcome {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        request.httpBody = body
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var outcome = Outcome.failure("no answer")
        let task = session.dataTask(with: request) { data, response, error in
            if let error {
                outcome = .failure(error.localizedDescription)
            } else if let http = response as? HTTPURLResponse {
                outcome = .answer(status: http.statusCode, body: data ?? Data())
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

    /// The start of a body, on one line, for error messages.
    public static func excerpt(_ data: Data) -> String {
        let text = String(decoding: data.prefix(200), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
        return text.isEmpty ? "" : "(\(text))"
    }
}

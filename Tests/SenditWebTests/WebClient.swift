import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore

/// A browser in a test: keeps its cookies, logs in through the form, and posts forms with the
/// page's CSRF token.
struct WebClient {
    let client: any TestClientProtocol
    var cookies: [String: String] = [:]
    var csrf = ""

    init(_ client: any TestClientProtocol) { self.client = client }

    struct Answer {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: String
        var location: String? { headers[.location] }
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8)) }
    }

    mutating func request(_ uri: String, method: HTTPRequest.Method = .get, form: [String: String]? = nil,
                          headers extra: HTTPFields = [:], body raw: String? = nil) async throws -> Answer {
        var headers = extra
        if !cookies.isEmpty { headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        var body: ByteBuffer? = raw.map { ByteBuffer(string: $0) }
        if let form {
            headers[.contentType] = "application/x-www-form-urlencoded"
            body = ByteBuffer(string: form.map { "\(Self.encode($0.key))=\(Self.encode($0.value))" }.joined(separator: "&"))
        }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
        for field in response.headers where field.name == .setCookie {
            let pair = field.value.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pair[0]), value = pair.count > 1 ? String(pair[1]) : ""
            if value.isEmpty || field.value.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        let text = String(buffer: response.body)
        if let range = text.range(of: "name=\"csrf\" value=\"") {
            csrf = String(text[range.upperBound...].prefix { $0 != "\"" })
        }
        return Answer(status: response.status, headers: response.headers, body: text)
    }

    /// GET /login, then POST the form; returns the POST's answer.
    @discardableResult
    mutating func login(_ user: String, _ password: String = WebFixture.password, next: String = "/") async throws -> Answer {
        _ = try await request("/login")
        return try await request("/login", method: .post, form: ["user": user, "password": password, "csrf": csrf, "next": next])
    }

    static func encode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

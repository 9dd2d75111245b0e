import Foundation
import Hummingbird
import HTTPTypes
import NIOCore

/// The shapes of answers: pages, redirects, JSON and JSON errors, and the headers every answer
/// carries (no framing, no sniffing, no referrer, a strict content security policy, no caching
/// of pages that show the index).
enum WebResponses {
    static func html(_ body: HTML, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: body.text)))
    }

    static func page(status: HTTPResponse.Status, title: String, message: String) -> Response {
        html(Layout.bare(title: title, body: "<main><h1>\(title)</h1><p>\(message)</p><p><a href=\"/\">Back</a></p></main>"), status: status)
    }

    static func redirect(to location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    struct ErrorBody: Encodable {
        let error: String
        let status: Int
    }

    static func jsonError(_ status: HTTPResponse.Status, _ message: String) -> Response {
        json(ErrorBody(error: message, status: status.code), status: status)
    }

    static func secure(_ headers: inout HTTPFields, cacheable: Bool) {
        headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        if headers[.cacheControl] == nil { headers[.cacheControl] = cacheable ? "public, max-age=3600" : "no-store" }
    }

    static func percentEncoded(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "/"
    }
}

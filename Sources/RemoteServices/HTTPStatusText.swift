/// The reason phrases of the HTTP statuses a DICOMweb server answers with (RFC 9110 §15), for
/// messages: sendit names the status it got, never a server's own text.
public enum HTTPStatusText {
    /// "HTTP 503 Service Unavailable", "HTTP 418".
    public static func describe(_ status: Int) -> String {
        let text = reason(status)
        return text.isEmpty ? "HTTP \(status)" : "HTTP \(status) \(text)"
    }

    public static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 202: "Accepted"
        case 204: "No Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 307: "Temporary Redirect"
        case 308: "Permanent Redirect"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 406: "Not Acceptable"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 413: "Content Too Large"
        case 415: "Unsupported Media Type"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: (100...599).contains(status) ? "" : "(not an HTTP status)"
        }
    }
}

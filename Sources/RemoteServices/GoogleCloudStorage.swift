import Crypto
import Foundation

/// A Cloud Storage bucket through the JSON API (https://cloud.google.com/storage/docs/json_api):
/// uploads, an object's metadata, an object's bytes. Blocking, like the rest of the job workers.
///
/// An upload up to `multipartThreshold` bytes is one multipart request (the object resource as
/// JSON, then the bytes); a larger one is a resumable upload: a session is opened with the
/// object resource, then the bytes are sent in chunks of `chunkSize` (a multiple of 256 KiB),
/// each answered 308 Resume Incomplete with what the session has persisted until the last.
/// When a chunk gets no answer or a transient error, the session is asked what it has
/// (`Content-Range: bytes */total`) and the upload goes on from there, up to `resumeAttempts`
/// times. Every upload carries the MD5 of its bytes, so Cloud Storage refuses an object whose
/// bytes arrived different, and the answer's MD5 is checked again here.
///
/// Errors are `GoogleCloudError`; `isTransient` is true for 408, 429, 5xx and no answer, false
/// for other 4xx (a refusal: 401, 403, 404 for a missing bucket, 400).
public struct GoogleCloudStorage: Sendable {
    public static let defaultEndpoint = URL(string: "https://storage.googleapis.com")!
    /// Resumable chunks are multiples of this (the last one excepted).
    public static let chunkGranularity = 256 * 1024

    public let bucket: String
    /// `https://storage.googleapis.com`, or an emulator's base URL.
    public let endpoint: URL
    /// The bearer tokens; nil sends no `Authorization` (an emulator, a public bucket).
    public let tokens: (any GoogleAccessTokenProvider)?
    /// Objects up to this many bytes go in one multipart request, larger ones resumable.
    public var multipartThreshold = 8 * 1024 * 1024
    /// The resumable chunk size, rounded down to a multiple of 256 KiB (at least 256 KiB).
    public var chunkSize = 8 * 1024 * 1024
    /// Per request.
    public var timeout: TimeInterval = 120
    /// How many interruptions of one resumable upload are recovered from before giving up.
    public var resumeAttempts = 5
    /// The pause before asking an interrupted session what it has; doubles each time, to 30 s.
    public var resumePause: TimeInterval = 1

    public init(bucket: String, endpoint: URL = GoogleCloudStorage.defaultEndpoint, tokens: (any GoogleAccessTokenProvider)?) {
        self.bucket = bucket
        self.endpoint = endpoint
        self.tokens = tokens
    }

    // MARK: - Reading

    /// The object's resource (GET .../o/{name}); a missing object is a permanent error with
    /// status 404.
    public func objectMetadata(_ name: String) throws -> GoogleStorageObject {
        try check(name)
        let what = "Cloud Storage metadata of gs://\(bucket)/\(name)"
        let answer = try send("GET", url("/storage/v1/b/\(Self.encode(bucket))/o/\(Self.encode(name))"), what: what)
        guard (200..<300).contains(answer.status) else { throw GoogleCloudError.http(what, status: answer.status, body: answer.body) }
        return try GoogleStorageObject(json: answer.body, what: what)
    }

    /// The object's bytes (GET .../o/{name}?alt=media).
    public func download(_ name: String) throws -> Data {
        try check(name)
        let what = "Cloud Storage download of gs://\(bucket)/\(name)"
        let answer = try send("GET", url("/storage/v1/b/\(Self.encode(bucket))/o/\(Self.encode(name))?alt=media"), what: what)
        guard (200..<300).contains(answer.status) else { throw GoogleCloudError.http(what, status: answer.status, body: answer.body) }
        return answer.body
    }

    // MARK: - Uploading

    /// Creates (or replaces) the object `name` with `bytes`; answers the created object.
    @discardableResult
    public func upload(_ name: String, _ bytes: Data, contentType: String,
                       metadata: [String: String] = [:]) throws -> GoogleStorageObject {
        try check(name)
        guard !contentType.isEmpty, !contentType.contains(where: { $0.isNewline }) else {
            throw GoogleCloudError("not a content type: \(contentType.debugDescription)", isTransient: false)
        }
        let md5 = Data(Insecure.MD5.hash(data: bytes)).base64EncodedString()
        var resource: [String: Any] = ["name": name, "contentType": contentType, "md5Hash": md5]
        if !metadata.isEmpty { resource["metadata"] = metadata }
        let json = try JSONSerialization.data(withJSONObject: resource, options: [.sortedKeys])
        let what = "Cloud Storage upload of gs://\(bucket)/\(name)"
        let object = bytes.count <= multipartThreshold
            ? try multipart(json: json, bytes: bytes, contentType: contentType, what: what)
            : try resumable(json: json, bytes: bytes, contentType: contentType, what: what)
        if object.size != bytes.count || (object.md5Hash != nil && object.md5Hash != md5) {
            throw GoogleCloudError("\(what): the stored object has \(object.size) bytes and MD5 \(object.md5Hash ?? "-"), "
                                   + "sent \(bytes.count) bytes with MD5 \(md5)", isTransient: true)
        }
        return object
    }

    private func multipart(json: Data, bytes: Data, contentType: String, what: String) throws -> GoogleStorageObject {
        var boundary = "sendit-" + UUID().uuidString
        while bytes.range(of: Data(boundary.utf8)) != nil { boundary = "sendit-" + UUID().uuidString }
        var body = Data("--\(boundary)\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n".utf8)
        body.append(json)
        body.append(Data("\r\n--\(boundary)\r\nContent-Type: \(contentType)\r\n\r\n".utf8))
        body.append(bytes)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        let answer = try send("POST", url("/upload/storage/v1/b/\(Self.encode(bucket))/o?uploadType=multipart"), body: body,
                              headers: ["Content-Type": "multipart/related; boundary=\(boundary)"], what: what)
        guard (200..<300).contains(answer.status) else { throw GoogleCloudError.http(what, status: answer.status, body: answer.body) }
        return try GoogleStorageObject(json: answer.body, what: what)
    }

    private func resumable(json: Data, bytes: Data, contentType: String, what: String) throws -> GoogleStorageObject {
        let total = bytes.count
        let opened = try send("POST", url("/upload/storage/v1/b/\(Self.encode(bucket))/o?uploadType=resumable"), body: json,
                              headers: ["Content-Type": "application/json; charset=UTF-8",
                                        "X-Upload-Content-Type": contentType, "X-Upload-Content-Length": String(total)],
                              what: what + " (opening a resumable session)")
        guard (200..<300).contains(opened.status) else {
            throw GoogleCloudError.http(what + " (opening a resumable session)", status: opened.status, body: opened.body)
        }
        guard let location = opened.header("Location"), let session = URL(string: location) else {
            throw GoogleCloudError("\(what): the resumable session was opened without a Location", status: opened.status, isTransient: true)
        }
        let chunk = max(Self.chunkGranularity, chunkSize / Self.chunkGranularity * Self.chunkGranularity)
        var offset = 0
        var interruptions = 0
        var stalled = 0

        /// After an interruption: wait, then ask the session what it has. Answers the object if
        /// the session turns out complete, else sets `offset` to what it has persisted.
        func recover(_ why: GoogleCloudError) throws -> GoogleStorageObject? {
            while true {
                interruptions += 1
                guard interruptions <= resumeAttempts else {
                    throw GoogleCloudError("\(why.message) (gave up after \(resumeAttempts) resumptions at byte \(offset) of \(total))",
                                           status: why.status, isTransient: true)
                }
                Thread.sleep(forTimeInterval: min(30, resumePause * Double(1 << min(interruptions - 1, 10))))
                let status: HTTPCall.Answer
                do {
                    status = try send("PUT", session, body: Data(), headers: ["Content-Range": "bytes */\(total)"],
                                      what: what + " (asking the session what it has)")
                } catch let error as GoogleCloudError where error.isTransient && error.status == nil {
                    continue
                }
                switch status.status {
                case 200, 201:
                    return try GoogleStorageObject(json: status.body, what: what)
                case 308:
                    offset = Self.persisted(status.header("Range"))
                    return nil
                case 404, 410:
                    // The session is gone (expired, or cancelled): only a new upload can help.
                    throw GoogleCloudError("\(what): the resumable session is gone (HTTP \(status.status)); the upload must start again",
                                           status: status.status, isTransient: true)
                case let code where GoogleCloudError.isTransient(status: code):
                    continue
                default:
                    throw GoogleCloudError.http(what + " (asking the session what it has)", status: status.status, body: status.body)
                }
            }
        }

        while true {
            offset = min(offset, total)  // a session never has more than was sent; if it says so, trust only `total`
            let end = min(offset + chunk, total)
            // With nothing left to send (an empty object, or a session that has every byte but
            // did not finish), the empty request with `bytes */total` completes the upload.
            let range = offset >= total ? "bytes */\(total)" : "bytes \(offset)-\(end - 1)/\(total)"
            let piece = Data(bytes[(bytes.startIndex + offset)..<(bytes.startIndex + end)])
            let answer: HTTPCall.Answer
            do {
                answer = try send("PUT", session, body: piece, headers: ["Content-Range": range, "Content-Type": "application/octet-stream"],
                                  what: what + " (\(range))")
            } catch let error as GoogleCloudError where error.isTransient && error.status == nil {
                if let object = try recover(error) { return object }
                continue
            }
            switch answer.status {
            case 200, 201:
                return try GoogleStorageObject(json: answer.body, what: what)
            case 308:
                let persisted = Self.persisted(answer.header("Range"))
                // A session may keep less than it was sent; it never loses what it said it had.
                stalled = persisted > offset ? 0 : stalled + 1
                if stalled >= 3 {
                    throw GoogleCloudError("\(what): the session keeps answering 308 without taking bytes at \(offset) of \(total)",
                                           status: 308, isTransient: true)
                }
                offset = persisted
            case let code where GoogleCloudError.isTransient(status: code):
                if let object = try recover(GoogleCloudError.http(what + " (\(range))", status: code, body: answer.body)) { return object }
            default:
                throw GoogleCloudError.http(what + " (\(range))", status: answer.status, body: answer.body)
            }
        }
    }

    /// The byte count a 308's `Range: bytes=0-N` says the session has (no Range: none).
    static func persisted(_ range: String?) -> Int {
        guard let range, let dash = range.lastIndex(of: "-"), let last = Int(range[range.index(after: dash)...]
            .trimmingCharacters(in: .whitespaces)) else { return 0 }
        return last + 1
    }

    // MARK: - Requests

    /// Sends a request with the bearer token; a failure to get an answer is thrown (transient),
    /// any HTTP answer is returned.
    private func send(_ method: String, _ url: URL, body: Data? = nil, headers: [String: String] = [:],
                      what: String) throws -> HTTPCall.Answer {
        var headers = headers
        if let tokens { headers["Authorization"] = "Bearer \(try tokens.accessToken())" }
        switch HTTPCall.exchange(method, url, body: body, headers: headers, timeout: timeout) {
        case .answer(let answer): return answer
        case .failure(let why): throw GoogleCloudError.network(what, why)
        }
    }

    private func url(_ path: String) throws -> URL {
        var base = endpoint.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base + path) else {
            throw GoogleCloudError("not a URL: \(base + path)", isTransient: false)
        }
        return url
    }

    /// Cloud Storage's rules for object names that this client relies on.
    private func check(_ name: String) throws {
        guard !bucket.isEmpty else { throw GoogleCloudError("no Cloud Storage bucket is configured", isTransient: false) }
        let size = name.utf8.count
        guard size > 0, size <= 1024, !name.contains(where: { $0 == "\r" || $0 == "\n" }), name != ".", name != ".." else {
            throw GoogleCloudError("not a valid Cloud Storage object name (1 to 1024 bytes of UTF-8, no CR or LF, not . or ..): \(name.debugDescription)",
                                   isTransient: false)
        }
    }

    /// Percent-encodes all but the unreserved characters (RFC 3986), so a name's `/`, space, `?`,
    /// `#`, `%` and `+` stay part of one path segment.
    static func encode(_ text: String) -> String {
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}

import Foundation

/// Asks an Orthanc server's REST API which instances it holds: the send stage's check that a
/// destination that answered Success can show the images. One request per series:
/// `POST /tools/find` at the Instance level for the SeriesInstanceUID, which lists the
/// instances' SOPInstanceUIDs.
public struct OrthancREST: Sendable, Equatable {
    public var url: URL
    public var username: String?
    public var password: String?
    public var timeout: TimeInterval = 30

    public init(url: URL, username: String? = nil, password: String? = nil) {
        self.url = url
        self.username = username
        self.password = password
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The SOPInstanceUIDs Orthanc holds in the series. Throws if Orthanc cannot be asked (the
    /// job tries again later).
    public func instances(inSeries seriesInstanceUID: String) throws -> Set<String> {
        let query: [String: Any] = ["Level": "Instance", "Query": ["SeriesInstanceUID": seriesInstanceUID], "Expand": true]
        let body = try JSONSerialization.data(withJSONObject: query)
        var headers = ["Content-Type": "application/json", "Accept": "application/json"]
        if let username, !username.isEmpty {
            headers["Authorization"] = "Basic " + Data("\(username):\(password ?? "")".utf8).base64EncodedString()
        }
        let endpoint = url.appendingPathComponent("tools").appendingPathComponent("find")
        switch HTTPCall.perform("POST", endpoint, body: body, headers: headers, timeout: timeout) {
        case .failure(let why):
            throw Failure(description: "Orthanc REST \(HTTPCall.shown(url)): \(why)")
        case .answer(let status, _) where !(200..<300).contains(status):
            // The body is not quoted: an error page may echo the query, and this reason reaches
            // pages, alerts and logs.
            throw Failure(description: "Orthanc REST \(HTTPCall.shown(endpoint)): HTTP \(status), not a success")
        case .answer(_, let data):
            return try Self.sopInstanceUIDs(fromFindAnswer: data)
        }
    }

    /// The SOPInstanceUIDs in an expanded `/tools/find` answer.
    static func sopInstanceUIDs(fromFindAnswer data: Data) throws -> Set<String> {
        guard let list = try? JSONSerialization.jsonObject(with: data) as? [Any] else {
            throw Failure(description: "Orthanc REST: /tools/find did not answer a JSON list")
        }
        var uids = Set<String>()
        for case let instance as [String: Any] in list {
            if let tags = instance["MainDicomTags"] as? [String: Any], let uid = tags["SOPInstanceUID"] as? String {
                uids.insert(uid)
            }
        }
        return uids
    }
}

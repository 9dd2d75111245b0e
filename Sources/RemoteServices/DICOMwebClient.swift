import Foundation

/// A DICOMweb server (PS3.18) as a destination: STOW-RS to store a batch of instances, QIDO-RS
/// to ask which instances of a series it holds. Blocking, like the rest of the job workers.
/// `base` is the service's root (`https://host/dicom-web`; for the Cloud Healthcare API
/// `https://healthcare.googleapis.com/v1/projects/P/locations/L/datasets/D/dicomStores/S/dicomWeb`).
public struct DICOMwebClient: Sendable {
    public let base: URL
    public let authorization: DICOMwebAuthorization
    /// Per request (a batch of up to `DICOMwebStage.maxBatchBytes` must fit in it).
    public var timeout: TimeInterval = 120

    public init(base: URL, authorization: DICOMwebAuthorization) {
        self.base = base
        self.authorization = authorization
    }

    /// A failure to ask the server: no answer, an authorization that cannot be had, or an
    /// answer that is not what QIDO-RS promises. `status` when there was an HTTP answer.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public let status: Int?
        /// True when the token provider refused for good (a bad key): trying again cannot help.
        public let isPermanent: Bool
    }

    /// What a STOW-RS request got: an HTTP status and the parsed response, or no answer.
    public enum StoreAnswer: Sendable, Equatable {
        case http(status: Int, response: STOWResponse?)
        case noAnswer(String)
    }

    /// `{base}/studies`, for STOW-RS.
    public var studiesURL: URL { url(["studies"]) }

    /// POSTs a STOW-RS body written by `STOWBody.write` (read from `bodyFile`). Throws only
    /// when no `Authorization` can be had.
    public func store(bodyFile: String, body: STOWBody) throws -> StoreAnswer {
        var headers = ["Content-Type": body.contentType, "Accept": "application/dicom+json"]
        if let value = try authorizationHeader() { headers["Authorization"] = value }
        switch HTTPCall.exchange("POST", studiesURL, bodyFile: URL(fileURLWithPath: bodyFile), headers: headers, timeout: timeout) {
        case .failure(let why): return .noAnswer(why)
        case .answer(let answer): return .http(status: answer.status, response: STOWResponse.parse(answer.body))
        }
    }

    /// The SOP Instance UIDs the server shows in the series (QIDO-RS
    /// `GET {base}/studies/{study}/series/{series}/instances`, `Accept: application/dicom+json`;
    /// only the SOP Instance UID is asked for). Throws `Failure` if it cannot be asked.
    public func instances(study: String, series: String) throws -> Set<String> {
        guard STOWResponse.isUID(study), STOWResponse.isUID(series) else {
            throw Failure(description: "not UIDs: a study \(study.count) and a series \(series.count) characters long", status: nil, isPermanent: true)
        }
        var parts = URLComponents(url: url(["studies", study, "series", series, "instances"]), resolvingAgainstBaseURL: false)!
        parts.queryItems = [URLQueryItem(name: "includefield", value: "00080018")]
        let what = "QIDO-RS \(HTTPCall.shown(base))"
        var headers = ["Accept": "application/dicom+json"]
        if let value = try authorizationHeader() { headers["Authorization"] = value }
        switch HTTPCall.exchange("GET", parts.url!, headers: headers, timeout: timeout) {
        case .failure(let why):
            throw Failure(description: "\(what): \(why)", status: nil, isPermanent: false)
        case .answer(let answer) where answer.status == 204:
            return []
        case .answer(let answer) where !(200..<300).contains(answer.status):
            throw Failure(description: "\(what): \(HTTPStatusText.describe(answer.status))", status: answer.status, isPermanent: false)
        case .answer(let answer):
            guard let uids = Self.sopInstanceUIDs(fromQIDO: answer.body) else {
                throw Failure(description: "\(what): HTTP \(answer.status) without a DICOM JSON list", status: answer.status, isPermanent: false)
            }
            return uids
        }
    }

    /// Whether the server answers a QIDO-RS search (`GET {base}/studies?limit=1`) with a
    /// success: the dashboard's destination check. A line saying what it answered.
    public func check() -> (ok: Bool, detail: String) {
        var parts = URLComponents(url: studiesURL, resolvingAgainstBaseURL: false)!
        parts.queryItems = [URLQueryItem(name: "limit", value: "1")]
        var headers = ["Accept": "application/dicom+json"]
        do {
            if let value = try authorizationHeader() { headers["Authorization"] = value }
        } catch {
            return (false, "\(error)")
        }
        switch HTTPCall.exchange("GET", parts.url!, headers: headers, timeout: min(timeout, 10)) {
        case .failure(let why): return (false, "QIDO-RS: no answer: \(why)")
        case .answer(let answer): return ((200..<300).contains(answer.status), "QIDO-RS answered \(HTTPStatusText.describe(answer.status))")
        }
    }

    /// The SOP Instance UIDs (0008,0018) of a QIDO-RS answer (a JSON array of data sets; an
    /// empty body is no match); nil if it is not one.
    public static func sopInstanceUIDs(fromQIDO body: Data) -> Set<String>? {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return [] }
        guard let list = try? JSONSerialization.jsonObject(with: body) as? [Any] else { return nil }
        var uids = Set<String>()
        for case let dataSet as [String: Any] in list {
            if let uid = STOWResponse.firstValue(dataSet["00080018"]) as? String, STOWResponse.isUID(uid) { uids.insert(uid) }
        }
        return uids
    }

    private func authorizationHeader() throws -> String? {
        do {
            return try authorization.header()
        } catch let error as GoogleCloudError {
            throw Failure(description: "DICOMweb authorization: \(error)", status: error.status, isPermanent: !error.isTransient)
        }
    }

    /// `base` with path segments appended, each percent-encoded.
    func url(_ segments: [String]) -> URL {
        var url = base
        for segment in segments { url.appendPathComponent(segment) }
        return url
    }
}

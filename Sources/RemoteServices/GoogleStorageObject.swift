import Foundation

/// A Cloud Storage object resource, as the JSON API answers it: what an upload created, or what
/// `objectMetadata` reads back. `json` is the whole answer.
public struct GoogleStorageObject: Sendable {
    public let name: String
    public let bucket: String
    public let size: Int
    public let contentType: String?
    /// Base64 of the MD5 of the bytes (absent for composite objects).
    public let md5Hash: String?
    /// Base64 of the big-endian CRC32C of the bytes.
    public let crc32c: String?
    public let generation: String?
    /// The custom metadata (`x-goog-meta-*`).
    public let metadata: [String: String]
    public let json: Data

    /// Parses an object resource; `what` names the request for the error message.
    init(json: Data, what: String) throws {
        guard let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any],
              let name = object["name"] as? String else {
            throw GoogleCloudError("\(what): the answer is not an object resource \(HTTPCall.excerpt(json))", isTransient: false)
        }
        self.name = name
        bucket = object["bucket"] as? String ?? ""
        // The JSON API writes 64-bit numbers as strings.
        size = (object["size"] as? String).flatMap { Int($0) } ?? (object["size"] as? NSNumber)?.intValue ?? 0
        contentType = object["contentType"] as? String
        md5Hash = object["md5Hash"] as? String
        crc32c = object["crc32c"] as? String
        generation = (object["generation"] as? String) ?? (object["generation"] as? NSNumber)?.stringValue
        metadata = (object["metadata"] as? [String: Any])?.compactMapValues { $0 as? String } ?? [:]
        self.json = json
    }
}

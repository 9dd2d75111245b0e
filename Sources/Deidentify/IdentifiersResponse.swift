import DICOMCore
import Foundation

/// The identifiers service's answer for one series (the DASHER contract): replacement codes
/// (`suid`) for the patient and the study, and the patient's date jitter in days.
public struct IdentifiersResponse: Codable, Sendable, Equatable {
    public struct Item: Codable, Sendable, Equatable {
        public var id: String?
        public var id_source: String?
        public var suid: String
        public var jitter: Int?
        public var jittered_timestamp: String?

        public init(id: String?, id_source: String?, suid: String, jitter: Int?, jittered_timestamp: String?) {
            self.id = id
            self.id_source = id_source
            self.suid = suid
            self.jitter = jitter
            self.jittered_timestamp = jittered_timestamp
        }
    }

    public struct Result: Codable, Sendable, Equatable {
        public var id: String?
        public var id_source: String?
        public var suid: String
        public var jitter: Int?
        public var jittered_timestamp: String?
        public var items: [Item]

        public init(id: String?, id_source: String?, suid: String, jitter: Int?, jittered_timestamp: String?, items: [Item]) {
            self.id = id
            self.id_source = id_source
            self.suid = suid
            self.jitter = jitter
            self.jittered_timestamp = jittered_timestamp
            self.items = items
        }
    }

    public var results: [Result]
    /// Set by sendit, not by the service: the series' UIDs are remapped in a namespace of their
    /// own (the patient's keyed digest). Given to a second patient's series released from under
    /// a StudyInstanceUID another patient already has, so the two never share a remapped study.
    public var uid_namespace: String?

    public init(results: [Result], uidNamespace: String? = nil) {
        self.results = results
        self.uid_namespace = uidNamespace
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { "invalid identifiers response: \(reason)" }
    }

    /// Decodes and validates: one result with one item at least; every `suid` non-empty and of
    /// `[A-Za-z0-9_-]` only (it becomes a file name and a header value); `jittered_timestamp`
    /// present on the result and its items; `jitter` an integer within ±3650 days.
    public static func decode(_ data: Data) throws -> IdentifiersResponse {
        let response: IdentifiersResponse
        do {
            response = try JSONDecoder().decode(IdentifiersResponse.self, from: data)
        } catch {
            throw Invalid(reason: Self.problem(error))
        }
        try response.validate()
        return response
    }

    public func validate() throws {
        guard let result = results.first else { throw Invalid(reason: "no results") }
        guard let item = result.items.first else { throw Invalid(reason: "the result has no items") }
        for (what, suid) in [("entity suid", result.suid), ("item suid", item.suid)] {
            guard !suid.isEmpty, suid.utf8.count <= 64, suid.utf8.allSatisfy(IdentifiersResponse.isCodeByte) else {
                // The value is not quoted: a service may echo an original (a patient ID) there,
                // and this reason reaches pages, alerts and logs.
                throw Invalid(reason: "\(what) is empty, too long or not [A-Za-z0-9_-]")
            }
        }
        guard result.jittered_timestamp != nil, item.jittered_timestamp != nil else {
            throw Invalid(reason: "jittered_timestamp missing")
        }
        guard abs(jitterDays) <= 3650 else { throw Invalid(reason: "jitter is out of range (more than 3650 days)") }
    }

    /// A decoding error as the field and the problem, never a value from the body (the
    /// decoder's own descriptions may quote one).
    static func problem(_ error: any Error) -> String {
        func field(_ path: [any CodingKey]) -> String {
            path.isEmpty ? "the body" : path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?: return "not the expected JSON: \(field(context.codingPath + [key])) is missing"
        case .valueNotFound(_, let context)?: return "not the expected JSON: \(field(context.codingPath)) is null"
        case .typeMismatch(_, let context)?: return "not the expected JSON: \(field(context.codingPath)) has the wrong type"
        case .dataCorrupted(let context)?:
            return context.codingPath.isEmpty ? "not the expected JSON (the body is not JSON)" : "not the expected JSON: \(field(context.codingPath)) is invalid"
        default: return "not the expected JSON"
        }
    }

    static func isCodeByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x2D
    }

    /// The patient's code.
    public var entityCode: String { results[0].suid }
    /// The study's code.
    public var itemCode: String { results[0].items[0].suid }
    /// Days added to every date of the patient (the entity's jitter; the item's if the entity
    /// has none).
    public var jitterDays: Int { results.first?.jitter ?? results.first?.items.first?.jitter ?? 0 }

    /// The answer gives a jitter (the entity's or its item's).
    public var hasJitter: Bool { results.first?.jitter != nil || results.first?.items.first?.jitter != nil }

    /// The answer without the originals the service echoes (`id`, `id_source` of the patient and
    /// of each study): what the index keeps, so no original patient ID, issuer or accession number
    /// rests in it in clear. Codes, jitter and jittered timestamps stay.
    public var coded: IdentifiersResponse {
        var coded = self
        for r in coded.results.indices {
            coded.results[r].id = nil
            coded.results[r].id_source = nil
            for i in coded.results[r].items.indices {
                coded.results[r].items[i].id = nil
                coded.results[r].items[i].id_source = nil
            }
        }
        return coded
    }

    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }
}

import DICOMCore

/// The identifiers service's answer computed locally, when no service is configured: codes and
/// a per-patient jitter from HMAC-SHA256 under the node's secret key. The same request and key
/// give the same answer in every run; another key gives unlinkable codes.
public struct LocalPseudonymizer: Sendable {
    let hash: KeyedHash
    /// Jitter in days, drawn per patient from this range (both ends included).
    public let jitterRange: ClosedRange<Int>

    public init(hash: KeyedHash, jitterRange: ClosedRange<Int> = -30 ... -1) {
        self.hash = hash
        self.jitterRange = jitterRange
    }

    public func identifiers(for request: IdentifiersRequest) -> IdentifiersResponse {
        IdentifiersResponse(results: request.identifiers.map { entity in
            let jitter = self.jitter(source: entity.id_source, id: entity.id)
            return IdentifiersResponse.Result(
                id: entity.id, id_source: entity.id_source,
                suid: code("P", hash.digest("entity", entity.id_source + "\u{0}" + entity.id)),
                jitter: jitter, jittered_timestamp: LocalPseudonymizer.shift(entity.id_timestamp, by: jitter),
                items: entity.items.map { item in
                    IdentifiersResponse.Item(
                        id: item.id, id_source: item.id_source,
                        suid: code("S", hash.digest("item", item.id_source + "\u{0}" + item.id)),
                        jitter: jitter, jittered_timestamp: LocalPseudonymizer.shift(item.id_timestamp, by: jitter))
                })
        })
    }

    func jitter(source: String, id: String) -> Int {
        let d = hash.digest("jitter", source + "\u{0}" + id)
        var v: UInt64 = 0
        for b in d.prefix(8) { v = v << 8 | UInt64(b) }
        let span = UInt64(jitterRange.upperBound - jitterRange.lowerBound + 1)
        return jitterRange.lowerBound + Int(v % span)
    }

    /// A prefix letter and 12 upper-case hex digits (48 bits).
    func code(_ prefix: String, _ digest: [UInt8]) -> String {
        let hex = Array("0123456789ABCDEF")
        return prefix + String(digest.prefix(6).flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 15)]] })
    }

    /// "YYYY-MM-DDT00:00:00Z" moved by `days`; "" stays "".
    static func shift(_ timestamp: String, by days: Int) -> String {
        let digits = timestamp.prefix(10).replacingOccurrences(of: "-", with: "")
        guard let date = DICOMDate(digits) else { return "" }
        return IdentifiersRequest.timestamp(date.adding(days: days))
    }
}

import DICOMCore

/// The identifiers service's answer computed locally, when no service is configured: codes and
/// a per-patient jitter from HMAC-SHA256 under the node's secret key. The same patient and study
/// and key give the same answer in every run; another key gives unlinkable codes.
public struct LocalPseudonymizer: Sendable {
    let hash: KeyedHash
    /// Jitter in days, drawn per patient from this range (both ends included).
    public let jitterRange: ClosedRange<Int>

    public init(hash: KeyedHash, jitterRange: ClosedRange<Int> = -30 ... -1) {
        self.hash = hash
        self.jitterRange = jitterRange
    }

    /// The codes for the request's patient and study: the patient code and jitter from the
    /// exact patient (`originalPatientKey`), the study code from the patient and the study
    /// (`originalStudyKey`), so two patients with one accession get two study codes.
    public func identifiers(for request: IdentifiersRequest) -> IdentifiersResponse {
        guard let entity = request.identifiers.first else { return IdentifiersResponse(results: []) }
        let patient = request.originalPatientKey
        let jitter = self.jitter(patientKey: patient)
        let studyCode = code("S", hash.digest("study", request.originalStudyKey))
        return IdentifiersResponse(results: [IdentifiersResponse.Result(
            id: entity.id, id_source: entity.id_source,
            suid: code("P", hash.digest("patient", patient)),
            jitter: jitter, jittered_timestamp: LocalPseudonymizer.shift(entity.id_timestamp, by: jitter),
            items: entity.items.prefix(1).map { item in
                IdentifiersResponse.Item(
                    id: item.id, id_source: item.id_source, suid: studyCode,
                    jitter: jitter, jittered_timestamp: LocalPseudonymizer.shift(item.id_timestamp, by: jitter))
            })])
    }

    /// The patient's jitter in days, uniform over `jitterRange` (up to the bias of a 64-bit
    /// draw modulo a span of days, which is nil in practice).
    func jitter(patientKey: String) -> Int {
        let d = hash.digest("jitter", patientKey)
        var v: UInt64 = 0
        for b in d.prefix(8) { v = v << 8 | UInt64(b) }
        let span = UInt64(jitterRange.upperBound - jitterRange.lowerBound + 1)
        return jitterRange.lowerBound + Int(v % span)
    }

    /// A prefix letter and 15 digits of Crockford's base 32 (0-9, A-Z without I, L, O, U):
    /// 75 bits, in 16 characters, the most an AccessionNumber (SH) may hold. Among a billion
    /// codes of one kind, the chance that any two collide is about 1 in 75,000 (n²/2^76); the
    /// index refuses a collision all the same (IdentifierCodes). Sendit until 2026-12 gave
    /// 12 hex digits (48 bits).
    func code(_ prefix: String, _ digest: [UInt8]) -> String {
        let digits = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
        var bits: UInt128 = 0
        for b in digest.prefix(10) { bits = bits << 8 | UInt128(b) }   // 80 bits; the first 75 are used
        return prefix + String((0..<15).map { n in digits[Int((bits >> (75 - 5 * UInt128(n))) & 31)] })
    }

    /// "YYYY-MM-DDT00:00:00Z" moved by `days`; "" stays "".
    static func shift(_ timestamp: String, by days: Int) -> String {
        let digits = timestamp.prefix(10).replacingOccurrences(of: "-", with: "")
        guard let date = DICOMDate(digits) else { return "" }
        return IdentifiersRequest.timestamp(date.adding(days: days))
    }
}

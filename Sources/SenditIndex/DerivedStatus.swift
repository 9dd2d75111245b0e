/// A series' or study's status, derived from its images' statuses (never stored): what a person
/// needs to know first. Any FAILED image makes it FAILED (someone must act); otherwise any HELD
/// image makes it HELD; otherwise it is as far along as its least advanced image; a series whose
/// images were all quarantined is QUARANTINED. Nil for no images.
public enum DerivedStatus {
    static let progress: [ImageStatus] = [.new, .processing, .doneProcessing, .sent, .done]

    public static func derive(_ counts: [ImageStatus: Int]) -> ImageStatus? {
        func has(_ s: ImageStatus) -> Bool { (counts[s] ?? 0) > 0 }
        if has(.failed) { return .failed }
        if has(.held) { return .held }
        if let least = progress.first(where: has) { return least }
        if has(.quarantined) { return .quarantined }
        return nil
    }

    /// The same rule in SQL, from the same lists: an aggregate over one series' rows of
    /// `<status>` and `<images>` (a GROUP BY series), giving the derived status or 'EMPTY'. The
    /// dashboard counts series by it without decoding a row per series (10,000 series: the row
    /// decoding and dictionaries cost more than the query). DerivedStatusSQLTests holds the two
    /// to the same answers for every combination of statuses.
    static func sqlAggregate(status: String = "status", images: String = "images") -> String {
        func any(_ s: ImageStatus) -> String { "MAX(\(status) = \(s.sql) AND \(images) > 0)" }
        let rank = "CASE \(status) " + progress.enumerated().map { "WHEN \($1.sql) THEN \($0)" }.joined(separator: " ")
            + " END"
        let least = progress.enumerated().map { "WHEN MIN(CASE WHEN \(images) > 0 THEN \(rank) END) = \($0) THEN \($1.sql)" }
            .joined(separator: " ")
        return "CASE WHEN \(any(.failed)) THEN \(ImageStatus.failed.sql) WHEN \(any(.held)) THEN \(ImageStatus.held.sql) "
            + "\(least) WHEN \(any(.quarantined)) THEN \(ImageStatus.quarantined.sql) ELSE 'EMPTY' END"
    }
}

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
}

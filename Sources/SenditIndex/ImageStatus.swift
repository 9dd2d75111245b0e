/// An image's place in the pipeline (docs/design.md, Statuses). Series and study statuses are
/// derived from their images, never stored.
public enum ImageStatus: String, Codable, CaseIterable, Sendable {
    /// Imported, waiting for a stage.
    case new = "NEW"
    /// Identify or de-identify running.
    case processing = "PROCESSING"
    /// De-identified, waiting to be sent.
    case doneProcessing = "DONEPROCESSING"
    /// The destination answered Success.
    case sent = "SENT"
    /// Verified at the destination; ready for clean-up.
    case done = "DONE"
    /// Unreadable or not DICOM.
    case quarantined = "QUARANTINED"
    /// May carry burned-in text: never sent unless a person releases it.
    case held = "HELD"
    /// Given up after retries or a permanent refusal; can be retried.
    case failed = "FAILED"
}

import SenditIndex

/// A stage that delivers a de-identified series to one destination (a DICOM peer, Cloud
/// Storage, DICOMweb): `SendStage`, `GoogleStage`, `DICOMwebStage`. Images are not moved when
/// its job starts: each destination keeps its own delivery records, and an image's status
/// follows from all of them; nothing is queued after it.
public protocol DeliveryStage: StageHandler {
    var destination: DeliveryDestination { get }
}

extension DeliveryStage {
    public var stage: String { destination.stage }
    public var inputStatuses: [ImageStatus] { [] }
    public var workingStatus: ImageStatus { .doneProcessing }
    public var nextStages: [String] { [] }
    /// Given up (only by age: delivery jobs otherwise retry without end): the images this
    /// destination does not have yet are FAILED, with the last fault; those it has, waiting for
    /// other destinations, are left alone.
    public var giveUp: JobQueue.GiveUp { .failUndelivered(destination: destination.name) }
}

import Foundation
@testable import Pipeline
import SenditIndex

/// A test double (the placeholder stage before identify and de-identify arrived): takes a
/// series' NEW images through PROCESSING to DONEPROCESSING, proving the flow from import to the
/// job queue.
struct MarkProcessedStage: StageHandler {
    let stage = "process"
    let inputStatuses: [ImageStatus] = [.new]
    let workingStatus: ImageStatus = .processing
    let nextStages: [String] = []

    init() {}

    func run(_ job: StageJob) throws {
        _ = try job.database.takeImages(for: job.job, from: [.processing], to: .doneProcessing, now: Date())
    }
}

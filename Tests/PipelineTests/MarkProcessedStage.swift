import Foundation
import GRDB
@testable import Pipeline
@testable import SenditIndex

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
        _ = try job.database.writer.write { db in
            try ImageTransition.move(db, seriesId: job.seriesId, from: [.processing], to: .doneProcessing,
                                     reason: "processed (placeholder stage)", at: Date())
        }
    }
}

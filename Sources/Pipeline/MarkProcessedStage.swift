import Foundation
import GRDB
import SenditIndex

/// The placeholder stage until identify and de-identify arrive: takes a series' NEW images
/// through PROCESSING to DONEPROCESSING, proving the flow from import to the job queue.
public struct MarkProcessedStage: StageHandler {
    public let stage = "process"
    public let inputStatuses: [ImageStatus] = [.new]
    public let workingStatus: ImageStatus = .processing
    public let nextStages: [String] = []

    public init() {}

    public func run(_ job: StageJob) throws {
        _ = try job.database.writer.write { db in
            try ImageTransition.move(db, seriesId: job.seriesId, from: [.processing], to: .doneProcessing,
                                     reason: "processed (placeholder stage)", at: Date())
        }
    }
}

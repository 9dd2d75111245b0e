import Foundation
import SenditIndex

extension IndexStore {
    /// Records one file to quarantine as an import records it (its row, the move not done yet)
    /// and returns the row; nil: nothing was recorded (the file is gone, or already has a row
    /// that is pending or left it in place). For tests that stop between the row and the move.
    @discardableResult
    public func recordQuarantine(path: String, reason: String, placement: QuarantinePlacement, now: Date) throws -> QuarantineRecord? {
        let counts = try recordImport([.quarantine(path: path, reason: reason)], placement: placement, sameDataSet: { _, _ in false },
                                      firstStage: nil, maxAttempts: 1, queueing: [], reason: "test", now: now)
        guard counts.quarantined == 1 else { return nil }
        return try pendingQuarantineMoves().last { $0.sourcePath == path }
    }
}

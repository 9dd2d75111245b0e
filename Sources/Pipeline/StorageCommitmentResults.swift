import DICOMDIMSE
import Foundation
import SenditIndex

/// Records Storage Commitment results that sendit's listener receives: the committed images are
/// `done` at the destination that was asked; those not committed lose their `sent` record (so
/// the next try sends them again), with the failure reason in an event. One transaction per
/// result; the images then move on as every destination's records say.
public struct StorageCommitmentResults: Sendable {
    public let database: any IndexStore
    /// Every enabled destination's name (for the images' statuses).
    public let destinations: [String]
    /// Each destination's AE title: a result is taken only from the destination that was asked
    /// (a result marks images verified, after which clean-up removes their originals).
    public let aeTitles: [String: String]

    public init(database: any IndexStore, destinations: [String], aeTitles: [String: String] = [:]) {
        self.database = database
        self.destinations = destinations
        self.aeTitles = aeTitles
    }

    /// A Transaction UID of sendit's own (2.25 and 128 random bits).
    public static func newTransactionUID() -> String {
        var n = UUID().uuid
        let bytes = withUnsafeBytes(of: &n) { Array($0) }
        // The 128-bit value in decimal.
        var digits: [UInt8] = [0]
        for byte in bytes {
            var carry = Int(byte)
            for i in 0..<digits.count {
                let v = Int(digits[i]) * 256 + carry
                digits[i] = UInt8(v % 10)
                carry = v / 10
            }
            while carry > 0 {
                digits.append(UInt8(carry % 10))
                carry /= 10
            }
        }
        while digits.count > 1 && digits.last == 0 { digits.removeLast() }
        return "2.25." + digits.reversed().map { String($0) }.joined()
    }

    /// Records a result. Returns the N-EVENT-REPORT-RSP's status: Success once recorded; an
    /// unknown transaction is answered "invalid argument value" (not ours, or forgotten), a
    /// result from another AE than the destination asked "not authorized" (0124).
    public func record(_ report: StorageCommitment.Report, callingAETitle: String, at now: Date = Date()) -> DIMSEStatus {
        do {
            let verdict = try database.recordCommitmentResult(
                transactionUID: report.transactionUID, callingAETitle: callingAETitle,
                committed: report.committed.map(\.sopInstanceUID),
                failed: report.failed.map { reference, reason in
                    (sopInstanceUID: reference.sopInstanceUID, reason: reason.map { String(format: "0x%04X", $0) } ?? "none")
                },
                aeTitles: aeTitles, destinations: destinations, now: now)
            switch verdict {
            case .unknownTransaction: return .invalidArgumentValue
            case .notAuthorized: return .refusedNotAuthorized
            case .recorded: return .success
            }
        } catch {
            return .processingFailure
        }
    }
}

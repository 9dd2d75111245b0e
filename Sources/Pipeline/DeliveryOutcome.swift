import DICOMDIMSE
import DICOMNetwork

/// What one C-STORE to a destination means for the image: stored, to be tried again later, or
/// refused for good. Pure; the send stage carries it out.
///
/// - Success: stored. A Warning (B000, B007, B006, …): stored if warnings are accepted, else
///   tried again (either way the warning is recorded).
/// - Tried again: network errors, timeouts, aborts, transient association rejects, "Refused:
///   Out of Resources" (A7xx), "Processing failure" (0110), "Resource limitation" (0213), Cancel,
///   and an outbox file that could not be prepared (a local fault).
/// - Refused for good: A9xx (data set does not match SOP class), Cxxx (cannot understand),
///   every other failure status, a permanent association reject, no presentation context
///   accepted for the image's SOP class and transfer syntax, an outbox file that cannot be read.
public enum DeliveryOutcome: Equatable, Sendable {
    case stored(status: UInt16, warning: String?)
    case retry(String)
    case refused(status: UInt16?, reason: String)

    public static func classify(_ result: StorageSCU.FileResult, acceptWarnings: Bool) -> DeliveryOutcome {
        guard let status = result.status else {
            let why = result.error ?? "not sent"
            switch result.notSent ?? .local {
            case .association(let transient): return transient ? .retry(why) : .refused(status: nil, reason: why)
            case .local: return .retry(why)
            case .noAcceptedContext, .unreadable: return .refused(status: nil, reason: why)
            }
        }
        let said = status.description + (result.errorComment.map { ": \($0)" } ?? "")
        switch status.category {
        case .success:
            return .stored(status: status.code, warning: nil)
        case .warning:
            return acceptWarnings ? .stored(status: status.code, warning: said) : .retry("warning not accepted: \(said)")
        case .cancel, .pending:
            return .retry(said)
        case .failure:
            if (0xA700...0xA7FF).contains(status.code) || [0x0110, 0x0213].contains(status.code) { return .retry(said) }
            return .refused(status: status.code, reason: said)
        }
    }
}

import DICOMDIMSE
import RemoteServices

/// What one STOW-RS request's answer means for each instance it carried: stored, to be tried
/// again later, or refused for good (the same `DeliveryOutcome` a C-STORE answer gives). Pure.
///
/// - No answer (connection refused or dropped, DNS, TLS, a timeout), 408, 429 and 5xx: every
///   instance is tried again.
/// - 200, 202, 409 (and any other 2xx): instance by instance, from the response (PS3.18
///   §10.5.3): one in the Failed SOP Sequence is judged by its Failure Reason as a C-STORE status
///   would be (A7xx Out of Resources, 0110 Processing failure, 0213 Resource limitation: tried
///   again; every other reason, or none: refused); one in the Referenced SOP Sequence is stored,
///   with its Warning Reason recorded (tried again instead when warnings are not accepted). One
///   the response does not name is stored after a 200 (the server said all were; verification
///   checks), tried again after a 202, refused after a 409.
/// - 401 and 403: the batch is sent once more after a pause (a Google token may have expired
///   in between, an authorization proxy may have been restarting); refused when that try gets
///   it too, so a wrong password fails the images with a clear reason instead of retrying for
///   ever (they can be retried once the credentials are fixed).
/// - Any other answer (400, 404, 405, 413, 415, a redirect, which is never followed): refused.
///
/// A reason names the HTTP status and the DICOM reason code with its meaning; never text from
/// the body.
public enum DICOMwebOutcome {
    /// `sent`: the SOP Instance UIDs of the batch; `authorizationRefusedBefore`: the batch's
    /// previous try was answered 401 or 403. The outcome of each of `sent`.
    public static func classify(_ answer: DICOMwebClient.StoreAnswer, sent: [String], acceptWarnings: Bool,
                                authorizationRefusedBefore: Bool) -> [String: DeliveryOutcome] {
        func all(_ outcome: DeliveryOutcome) -> [String: DeliveryOutcome] {
            Dictionary(sent.map { ($0, outcome) }, uniquingKeysWith: { a, _ in a })
        }
        switch answer {
        case .noAnswer(let why):
            return all(.retry("STOW-RS: no answer: \(why)"))
        case .http(let status, let response):
            let http = HTTPStatusText.describe(status)
            switch status {
            case 200...299, 409:
                let response = response ?? STOWResponse()
                var outcomes: [String: DeliveryOutcome] = [:]
                for uid in sent {
                    if let failure = response.failed[uid] {
                        outcomes[uid] = failed(http: http, reason: failure)
                    } else if let warning = response.referenced[uid] {
                        outcomes[uid] = stored(http: http, warning: warning, acceptWarnings: acceptWarnings)
                    } else if status == 409 {
                        outcomes[uid] = .refused(status: nil, reason: "STOW-RS \(http): the server stored none of the batch and gave no reason for this instance")
                    } else if status == 202 {
                        outcomes[uid] = .retry("STOW-RS \(http) without this instance in the response")
                    } else {
                        outcomes[uid] = .stored(status: 0, warning: nil)
                    }
                }
                return outcomes
            case 401, 403:
                return authorizationRefusedBefore
                    ? all(.refused(status: nil, reason: "STOW-RS \(http): the server refuses sendit's credentials (DICOMWEB_AUTH), twice"))
                    : all(.retry("STOW-RS \(http): the server refuses sendit's credentials; tried once more before the images fail"))
            case 408, 429, 500...599:
                return all(.retry("STOW-RS \(http)"))
            default:
                return all(.refused(status: nil, reason: "STOW-RS \(http)" + ((300...399).contains(status) ? " (redirects are not followed)" : "")))
            }
        }
    }

    static func failed(http: String, reason: UInt16?) -> DeliveryOutcome {
        guard let reason else { return .refused(status: nil, reason: "STOW-RS \(http): failed, no Failure Reason given") }
        let status = DIMSEStatus(reason)
        let said = "STOW-RS \(http): Failure Reason \(status.description)"
        if (0xA700...0xA7FF).contains(reason) || [0x0110, 0x0213].contains(reason) { return .retry(said) }
        return .refused(status: reason, reason: said)
    }

    static func stored(http: String, warning: UInt16?, acceptWarnings: Bool) -> DeliveryOutcome {
        guard let warning else { return .stored(status: 0, warning: nil) }
        let said = "Warning Reason \(DIMSEStatus(warning).description)"
        return acceptWarnings ? .stored(status: warning, warning: said) : .retry("STOW-RS \(http): warning not accepted: \(said)")
    }
}

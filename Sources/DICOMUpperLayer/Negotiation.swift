/// Acceptor-side association negotiation (PS3.8 9.3.2-9.3.4, PS3.7 Annex D). Pure: the request,
/// the policy and the number of associations already open decide the answer.
public enum Negotiation {
    public enum Outcome: Equatable, Sendable {
        case accept(AAssociateAC)
        /// The rejection and a sentence for the log.
        case reject(AAssociateRJ, String)
    }

    /// The DUL's own check (AE-6): the protocol version must include version 1 (bit 0).
    public static func isAcceptableByServiceProvider(_ rq: AAssociateRQ) -> Bool {
        rq.protocolVersion & 1 == 1
    }

    /// The A-ASSOCIATE-RJ for a request the DUL does not accept (AE-6).
    public static let protocolVersionRejection = AAssociateRJ(
        result: .rejectedPermanent, source: .dulServiceProviderACSERelated,
        reason: AssociateRejectReasonACSE.protocolVersionNotSupported.rawValue)

    /// `resourceShortage`: why the node cannot take anything now (its disk is low), nil when it
    /// can; a request otherwise acceptable is then rejected as the association limit rejects it
    /// (transient, local limit exceeded), so the requestor tries again later.
    public static func negotiate(_ rq: AAssociateRQ, policy: AcceptorPolicy, openAssociations: Int,
                                 resourceShortage: String? = nil) -> Outcome {
        func reject(_ result: AssociateRejectResult, _ source: AssociateRejectSource, _ reason: UInt8, _ why: String) -> Outcome {
            .reject(AAssociateRJ(result: result, source: source, reason: reason), why)
        }
        if rq.applicationContextName.trimmedUID != ULConstants.applicationContextName {
            return reject(.rejectedPermanent, .dulServiceUser, AssociateRejectReasonServiceUser.applicationContextNameNotSupported.rawValue,
                          "application context \(rq.applicationContextName) is not DICOM's")
        }
        if policy.checkCalledAETitle && rq.calledAETitle != policy.aeTitle && !policy.additionalCalledAETitles.contains(rq.calledAETitle) {
            return reject(.rejectedPermanent, .dulServiceUser, AssociateRejectReasonServiceUser.calledAETitleNotRecognised.rawValue,
                          "called AE title \"\(rq.calledAETitle)\" is not \"\(policy.aeTitle)\"")
        }
        if let allowed = policy.allowedCallingAETitles, !allowed.contains(rq.callingAETitle) {
            return reject(.rejectedPermanent, .dulServiceUser, AssociateRejectReasonServiceUser.callingAETitleNotRecognised.rawValue,
                          "calling AE title \"\(rq.callingAETitle)\" is not on the allow-list")
        }
        var ids = Set<UInt8>()
        for pc in rq.presentationContexts where pc.id % 2 == 0 || !ids.insert(pc.id).inserted {
            return reject(.rejectedPermanent, .dulServiceProviderACSERelated, AssociateRejectReasonACSE.noReasonGiven.rawValue,
                          "presentation context ID \(pc.id) is even or repeated (PS3.8 9.3.2.2 requires unique odd IDs)")
        }
        if openAssociations >= policy.maximumAssociations {
            return reject(.rejectedTransient, .dulServiceProviderPresentationRelated,
                          AssociateRejectReasonPresentation.localLimitExceeded.rawValue,
                          "\(openAssociations) associations already open (maximum \(policy.maximumAssociations))")
        }
        if let resourceShortage {
            return reject(.rejectedTransient, .dulServiceProviderPresentationRelated,
                          AssociateRejectReasonPresentation.localLimitExceeded.rawValue, resourceShortage)
        }
        var contexts: [PresentationContextAC] = []
        for pc in rq.presentationContexts {
            contexts.append(answer(pc, policy: policy))
        }
        var info = UserInformation(maximumLength: policy.maximumPDULength, implementationClassUID: policy.implementationClassUID,
                                   implementationVersionName: policy.implementationVersionName)
        if let proposed = rq.userInformation.asynchronousOperationsWindow {
            info.asynchronousOperationsWindow = asynchronousOperationsWindow(proposed, policy: policy)
        }
        let accepted = Set(contexts.filter(\.isAccepted).map { pc in
            rq.presentationContexts.first { $0.id == pc.id }!.abstractSyntax.trimmedUID
        })
        var answered = Set<String>()
        for role in rq.userInformation.roleSelections where accepted.contains(role.sopClassUID.trimmedUID) {
            // One answer per accepted SOP class, however often the requestor repeats it. The
            // requestor may be SCU (we are the SCP); we do not take the SCU role (PS3.7 D.3.3.4),
            // except for the SOP classes the policy names (Storage Commitment's reports).
            let uid = role.sopClassUID.trimmedUID
            guard answered.insert(uid).inserted else { continue }
            let scp: UInt8 = role.scpRole == 1 && policy.requestorSCPRoles.contains(uid) ? 1 : 0
            info.roleSelections.append(RoleSelection(sopClassUID: uid, scuRole: role.scuRole == 1 ? 1 : 0, scpRole: scp))
        }
        if let identity = rq.userInformation.userIdentityRQ, identity.positiveResponseRequested {
            // Identities are accepted without verification; types 1 and 2 have an empty response.
            info.userIdentityAC = UserIdentityAC(serverResponse: [])
        }
        return .accept(AAssociateAC(calledAETitle: rq.calledAETitle, callingAETitle: rq.callingAETitle,
                                    presentationContexts: contexts, userInformation: info))
    }

    /// The answer to a proposed window (PS3.7 D.3.3.3): the requestor may invoke as many as it
    /// proposed (0: unlimited) up to the policy's window; it performs at most one for us, as
    /// this side invokes nothing on it. Requests are performed and answered in order, which a
    /// window allows.
    static func asynchronousOperationsWindow(_ proposed: AsynchronousOperationsWindow, policy: AcceptorPolicy) -> AsynchronousOperationsWindow {
        let limit = UInt16(clamping: max(1, policy.asynchronousOperationsWindow))
        let invoked = proposed.maximumInvoked == 0 ? limit : min(proposed.maximumInvoked, limit)
        return AsynchronousOperationsWindow(maximumInvoked: invoked, maximumPerformed: 1)
    }

    static func answer(_ pc: PresentationContextRQ, policy: AcceptorPolicy) -> PresentationContextAC {
        let abstract = pc.abstractSyntax.trimmedUID
        let proposed = pc.transferSyntaxes.map(\.trimmedUID)
        guard policy.abstractSyntaxes.contains(abstract) || policy.acceptUnknownAbstractSyntaxes else {
            return PresentationContextAC(id: pc.id, result: .rejectedAbstractSyntaxNotSupportedProviderRejection,
                                         transferSyntax: rejectedTransferSyntax)
        }
        if let preferred = policy.transferSyntaxPreference.first(where: proposed.contains) {
            return PresentationContextAC(id: pc.id, result: .accepted, transferSyntax: preferred)
        }
        if !policy.uncompressedOnly.contains(abstract),
           let any = proposed.first(where: { policy.acceptableTransferSyntaxes.contains($0)
                                             || (policy.acceptUnknownTransferSyntaxes && isUID($0)) }) {
            return PresentationContextAC(id: pc.id, result: .accepted, transferSyntax: any)
        }
        return PresentationContextAC(id: pc.id, result: .rejectedTransferSyntaxNotSupportedProviderRejection,
                                     transferSyntax: rejectedTransferSyntax)
    }

    /// A UID as PS3.5 9.1 defines it: 1-64 characters, digits in dot-separated components.
    static func isUID(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard (1...64).contains(b.count), b.first != UInt8(ascii: "."), b.last != UInt8(ascii: ".") else { return false }
        return b.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") } && !s.contains("..")
    }

    /// The transfer syntax sub-item of a rejected context is not significant (PS3.8 9.3.3.2);
    /// the default transfer syntax is sent rather than anything the requestor wrote, so a
    /// hostile proposal cannot inflate the A-ASSOCIATE-AC.
    static let rejectedTransferSyntax = "1.2.840.10008.1.2"
}

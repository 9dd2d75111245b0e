import DICOMUpperLayer
import Testing

@Suite struct NegotiationTests {
    static let explicitLE = "1.2.840.10008.1.2.1", implicitLE = "1.2.840.10008.1.2", jpeg = "1.2.840.10008.1.2.4.50"
    static let ct = "1.2.840.10008.5.1.4.1.1.2", verification = "1.2.840.10008.1.1"

    var policy: AcceptorPolicy {
        var p = AcceptorPolicy(aeTitle: "SENDIT", abstractSyntaxes: [Self.ct, Self.verification],
                               transferSyntaxPreference: [Self.explicitLE, Self.implicitLE],
                               acceptableTransferSyntaxes: [Self.explicitLE, Self.implicitLE, Self.jpeg],
                               implementationClassUID: "1.2.3", implementationVersionName: "TEST")
        p.uncompressedOnly = [Self.verification]
        p.maximumAssociations = 2
        return p
    }

    func request(called: String = "SENDIT", calling: String = "MODALITY", contexts: [PresentationContextRQ]) -> AAssociateRQ {
        AAssociateRQ(calledAETitle: called, callingAETitle: calling, presentationContexts: contexts,
                     userInformation: UserInformation(maximumLength: 16384, implementationClassUID: "9.9"))
    }

    @Test func contextsGetThePreferredOrAProposedTransferSyntax() throws {
        let rq = request(contexts: [
            PresentationContextRQ(id: 1, abstractSyntax: Self.ct, transferSyntaxes: [Self.implicitLE, Self.explicitLE]),
            PresentationContextRQ(id: 3, abstractSyntax: Self.ct, transferSyntaxes: [Self.jpeg]),
            PresentationContextRQ(id: 5, abstractSyntax: "1.2.3.4.5", transferSyntaxes: [Self.explicitLE]),
            PresentationContextRQ(id: 7, abstractSyntax: Self.ct, transferSyntaxes: ["1.2.3.999"]),   // a private syntax
            PresentationContextRQ(id: 9, abstractSyntax: Self.verification, transferSyntaxes: [Self.jpeg]),
            PresentationContextRQ(id: 11, abstractSyntax: Self.ct + "\0", transferSyntaxes: [Self.explicitLE + "\0"]),
        ])
        guard case .accept(let ac) = Negotiation.negotiate(rq, policy: policy, openAssociations: 0) else {
            Issue.record("rejected")
            return
        }
        let results = Dictionary(uniqueKeysWithValues: ac.presentationContexts.map { ($0.id, ($0.result, $0.transferSyntax)) })
        #expect(results[1]! == (.accepted, Self.explicitLE))           // preference beats the requestor's order
        #expect(results[3]! == (.accepted, Self.jpeg))                 // stored as received
        #expect(results[5]?.0 == .rejectedAbstractSyntaxNotSupportedProviderRejection)
        #expect(results[7]?.0 == .rejectedTransferSyntaxNotSupportedProviderRejection)
        #expect(results[9]?.0 == .rejectedTransferSyntaxNotSupportedProviderRejection)   // Verification: uncompressed only
        #expect(results[11]! == (.accepted, Self.explicitLE))         // trailing NUL padding tolerated
        #expect(ac.userInformation.maximumLength == UInt32(131_072))
        #expect(ac.calledAETitle == "SENDIT" && ac.callingAETitle == "MODALITY")

        var permissive = policy
        permissive.acceptUnknownAbstractSyntaxes = true
        permissive.acceptUnknownTransferSyntaxes = true
        guard case .accept(let ac2) = Negotiation.negotiate(rq, policy: permissive, openAssociations: 0) else { return }
        #expect(ac2.presentationContexts.filter(\.isAccepted).count == 5)   // all but Verification in JPEG
    }

    @Test func associationPolicyRejectsAsTheStandardSays() {
        let pcs = [PresentationContextRQ(id: 1, abstractSyntax: Self.verification, transferSyntaxes: [Self.implicitLE])]
        func rejection(_ rq: AAssociateRQ, open: Int = 0, policy p: AcceptorPolicy? = nil) -> AAssociateRJ? {
            if case .reject(let rj, _) = Negotiation.negotiate(rq, policy: p ?? policy, openAssociations: open) { return rj }
            return nil
        }
        #expect(rejection(request(called: "OTHER", contexts: pcs)) == AAssociateRJ(result: 1, source: 1, reason: 7))
        var allowList = policy
        allowList.allowedCallingAETitles = ["CT1"]
        #expect(rejection(request(calling: "INTRUDER", contexts: pcs), policy: allowList) == AAssociateRJ(result: 1, source: 1, reason: 3))
        #expect(rejection(request(calling: "CT1", contexts: pcs), policy: allowList) == nil)
        #expect(rejection(request(contexts: pcs), open: 2) == AAssociateRJ(result: 2, source: 3, reason: 2))   // local limit
        var noCheck = policy
        noCheck.checkCalledAETitle = false
        #expect(rejection(request(called: "OTHER", contexts: pcs), policy: noCheck) == nil)
        var rq = request(contexts: pcs)
        rq.applicationContextName = "1.2.3"
        #expect(rejection(rq) == AAssociateRJ(result: 1, source: 1, reason: 2))
        rq = request(contexts: pcs)
        rq.protocolVersion = 2
        #expect(!Negotiation.isAcceptableByServiceProvider(rq))
        #expect(Negotiation.protocolVersionRejection == AAssociateRJ(result: 1, source: 2, reason: 2))
    }

    /// A Storage Commitment SCP that opens an association to send its N-EVENT-REPORT proposes the
    /// SCP role; it is granted only for the SOP classes the policy names.
    @Test func theRequestorsSCPRoleIsGrantedOnlyWhereThePolicySays() throws {
        let commitment = "1.2.840.10008.1.20.1"
        var p = policy
        p.abstractSyntaxes.insert(commitment)
        var rq = request(contexts: [PresentationContextRQ(id: 1, abstractSyntax: commitment, transferSyntaxes: [Self.explicitLE]),
                                    PresentationContextRQ(id: 3, abstractSyntax: Self.ct, transferSyntaxes: [Self.explicitLE])])
        rq.userInformation.roleSelections = [RoleSelection(sopClassUID: commitment, scuRole: 0, scpRole: 1),
                                             RoleSelection(sopClassUID: Self.ct, scuRole: 0, scpRole: 1)]
        guard case .accept(let refused) = Negotiation.negotiate(rq, policy: p, openAssociations: 0) else {
            Issue.record("rejected")
            return
        }
        #expect(refused.userInformation.roleSelections.map(\.scpRole) == [0, 0])
        p.requestorSCPRoles = [commitment]
        guard case .accept(let granted) = Negotiation.negotiate(rq, policy: p, openAssociations: 0) else {
            Issue.record("rejected")
            return
        }
        #expect(granted.userInformation.roleSelections == [RoleSelection(sopClassUID: commitment, scuRole: 0, scpRole: 1),
                                                           RoleSelection(sopClassUID: Self.ct, scuRole: 0, scpRole: 0)])
    }

    @Test func rolesAsynchronousWindowAndUserIdentityAreAnswered() throws {
        var rq = request(contexts: [PresentationContextRQ(id: 1, abstractSyntax: Self.ct, transferSyntaxes: [Self.explicitLE])])
        rq.userInformation.roleSelections = [RoleSelection(sopClassUID: Self.ct, scuRole: 1, scpRole: 1),
                                             RoleSelection(sopClassUID: "1.2.3.4", scuRole: 1, scpRole: 0)]
        rq.userInformation.asynchronousOperationsWindow = AsynchronousOperationsWindow(maximumInvoked: 5, maximumPerformed: 5)
        rq.userInformation.userIdentityRQ = UserIdentityRQ(type: 2, positiveResponseRequested: true,
                                                           primaryField: Array("user".utf8), secondaryField: Array("pw".utf8))
        guard case .accept(let ac) = Negotiation.negotiate(rq, policy: policy, openAssociations: 0) else {
            Issue.record("rejected")
            return
        }
        #expect(ac.userInformation.roleSelections == [RoleSelection(sopClassUID: Self.ct, scuRole: 1, scpRole: 0)])
        #expect(ac.userInformation.asynchronousOperationsWindow == AsynchronousOperationsWindow(maximumInvoked: 1, maximumPerformed: 1))
        #expect(ac.userInformation.userIdentityAC == UserIdentityAC(serverResponse: []))
        // The AC round-trips through the codec.
        let bytes = try PDUEncoder.encode(.associateAC(ac))
        #expect(try PDUDecoder.decode(PDUHeader(bytes), body: bytes[6...]) == .associateAC(withOrder(ac, [0x51, 0x52, 0x53, 0x54, 0x55, 0x59])))
    }

    func withOrder(_ ac: AAssociateAC, _ order: [UInt8]) -> AAssociateAC {
        var copy = ac
        copy.userInformation.order = order
        return copy
    }

    /// A hostile request cannot make the answer unencodable or echo its own bytes back.
    @Test func hostileRequestsGetBoundedAnswers() throws {
        var rq = request(contexts: [PresentationContextRQ(id: 1, abstractSyntax: Self.verification, transferSyntaxes: [Self.implicitLE]),
                                    PresentationContextRQ(id: 3, abstractSyntax: "9.9.9",
                                                          transferSyntaxes: [String(repeating: "\u{FFFD}", count: 20_000)])])
        rq.userInformation.roleSelections = Array(repeating: RoleSelection(sopClassUID: Self.verification, scuRole: 1, scpRole: 1), count: 3000)
        guard case .accept(let ac) = Negotiation.negotiate(rq, policy: policy, openAssociations: 0) else {
            Issue.record("rejected")
            return
        }
        #expect(ac.userInformation.roleSelections.count == 1)
        #expect(ac.presentationContexts[1].transferSyntax == "1.2.840.10008.1.2")
        #expect(try PDUEncoder.encode(.associateAC(ac)).count < 1000)
        // Even or repeated IDs: rejected.
        let twice = request(contexts: [PresentationContextRQ(id: 1, abstractSyntax: Self.verification, transferSyntaxes: [Self.implicitLE]),
                                       PresentationContextRQ(id: 1, abstractSyntax: Self.ct, transferSyntaxes: [Self.implicitLE])])
        guard case .reject(let rj, _) = Negotiation.negotiate(twice, policy: policy, openAssociations: 0) else {
            Issue.record("accepted repeated IDs")
            return
        }
        #expect(rj == AAssociateRJ(result: 1, source: 2, reason: 1))
        // Private transfer syntaxes: only well-formed UIDs.
        var permissive = policy
        permissive.acceptUnknownTransferSyntaxes = true
        let odd = request(contexts: [PresentationContextRQ(id: 1, abstractSyntax: Self.ct, transferSyntaxes: ["not a uid", "1.2.3.99"])])
        guard case .accept(let ac2) = Negotiation.negotiate(odd, policy: permissive, openAssociations: 0) else { return }
        #expect(ac2.presentationContexts[0].transferSyntax == "1.2.3.99")
        // The encoder refuses what does not fit a 16-bit length, rather than trapping.
        #expect(throws: PDUError.self) {
            _ = try PDUEncoder.encode(.associateRQ(self.request(contexts: [PresentationContextRQ(
                id: 1, abstractSyntax: String(repeating: "1", count: 70_000), transferSyntaxes: [Self.implicitLE])])))
        }
    }
}

extension NegotiationTests {
    @Test func aProposedWindowIsAcceptedUpToThePolicysWindow() throws {
        func answer(_ invoked: UInt16, performed: UInt16 = 3, policyWindow: Int) throws -> AsynchronousOperationsWindow? {
            var rq = request(contexts: [PresentationContextRQ(id: 1, abstractSyntax: Self.ct, transferSyntaxes: [Self.explicitLE])])
            rq.userInformation.asynchronousOperationsWindow = AsynchronousOperationsWindow(maximumInvoked: invoked, maximumPerformed: performed)
            var p = policy
            p.asynchronousOperationsWindow = policyWindow
            guard case .accept(let ac) = Negotiation.negotiate(rq, policy: p, openAssociations: 0) else { throw Rejected() }
            return ac.userInformation.asynchronousOperationsWindow
        }
        #expect(try answer(16, policyWindow: 8) == AsynchronousOperationsWindow(maximumInvoked: 8, maximumPerformed: 1))
        #expect(try answer(4, policyWindow: 8) == AsynchronousOperationsWindow(maximumInvoked: 4, maximumPerformed: 1))
        #expect(try answer(0, policyWindow: 8) == AsynchronousOperationsWindow(maximumInvoked: 8, maximumPerformed: 1), "unlimited asked")
        #expect(try answer(16, policyWindow: 1) == AsynchronousOperationsWindow(maximumInvoked: 1, maximumPerformed: 1))
        // Not proposed: not answered.
        var rq = request(contexts: [PresentationContextRQ(id: 1, abstractSyntax: Self.ct, transferSyntaxes: [Self.explicitLE])])
        rq.userInformation.asynchronousOperationsWindow = nil
        var p = policy
        p.asynchronousOperationsWindow = 8
        guard case .accept(let ac) = Negotiation.negotiate(rq, policy: p, openAssociations: 0) else { throw Rejected() }
        #expect(ac.userInformation.asynchronousOperationsWindow == nil)
    }

    struct Rejected: Error {}
}

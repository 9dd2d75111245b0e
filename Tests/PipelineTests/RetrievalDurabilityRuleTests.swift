import DICOMNetwork
import Pipeline
import Testing

/// Which received instances are synced with their study instead of before their Success: only
/// this node's own retrieval of a study while its C-MOVE or C-GET runs; everything else, as
/// every pushed instance, before its Success.
@Suite struct RetrievalDurabilityRuleTests {
    let rule = RetrievalDurabilityRule(aeTitle: "SENDIT ")
    let fromPACS = AssociationPeer(calledAETitle: "SENDIT", callingAETitle: "PACS", address: "127.0.0.1")

    func moved(_ study: String? = "1.2.3", originator: String? = "SENDIT", peer: AssociationPeer? = nil) -> InstanceArrival {
        InstanceArrival(studyInstanceUID: study, peer: peer ?? fromPACS, moveOriginatorAETitle: originator, moveOriginatorMessageID: 1)
    }

    @Test func aSubOperationOfThisNodesRunningMoveIsSyncedWithItsStudy() {
        #expect(rule.durability(of: moved(), retrievingFrom: "PACS") == .withItsStudy)
        // AE titles as the wire pads them.
        #expect(rule.durability(of: moved(originator: "SENDIT  "), retrievingFrom: "PACS ") == .withItsStudy)
    }

    @Test func aStudyNoRetrievalIsMovingNowIsSyncedBeforeSuccess() {
        #expect(rule.durability(of: moved(), retrievingFrom: nil) == .beforeSuccess)
        #expect(rule.durability(of: moved(nil), retrievingFrom: "PACS") == .beforeSuccess)
        #expect(rule.durability(of: moved(""), retrievingFrom: "PACS") == .beforeSuccess)
    }

    @Test func anotherMoveOriginatorOrNoneIsAPushAndSyncedBeforeSuccess() {
        // A C-MOVE some workstation asked for, into this node: custody handed over.
        #expect(rule.durability(of: moved(originator: "WORKSTATION"), retrievingFrom: "PACS") == .beforeSuccess)
        // A plain C-STORE of the same study, from the same archive.
        #expect(rule.durability(of: moved(originator: nil), retrievingFrom: "PACS") == .beforeSuccess)
        #expect(rule.durability(of: moved(originator: "  "), retrievingFrom: "PACS") == .beforeSuccess)
    }

    @Test func aSubAssociationFromAnotherAETitleThanTheMovesSourceIsSyncedBeforeSuccess() {
        let other = AssociationPeer(calledAETitle: "SENDIT", callingAETitle: "MODALITY", address: "10.0.0.9")
        #expect(rule.durability(of: moved(peer: other), retrievingFrom: "PACS") == .beforeSuccess)
    }

    @Test func aSubOperationOfThisNodesOwnGetIsSyncedWithItsStudyWhileItRuns() {
        let get = InstanceArrival(studyInstanceUID: "1.2.3", peer: fromPACS, onOwnGet: true)
        #expect(rule.durability(of: get, retrievingFrom: "PACS") == .withItsStudy)
        #expect(rule.durability(of: get, retrievingFrom: nil) == .beforeSuccess)
    }

    @Test func aNodeWithoutAnAETitleDefersNothingMoved() {
        #expect(RetrievalDurabilityRule(aeTitle: "").durability(of: moved(originator: nil), retrievingFrom: "PACS") == .beforeSuccess)
    }
}

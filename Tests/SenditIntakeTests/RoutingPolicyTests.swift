import DICOMCore
import DICOMNetwork
import Deidentify
import Testing
@testable import SenditIntake

/// The routing policy's decisions, without a socket: first match wins, association-time
/// refusal only when nothing from the peer could match, refusals that carry no value of the
/// data set, and the folder names that carry a project.
@Suite struct RoutingPolicyTests {
    func dataSet(modality: String, description: String = "", patient: String = "SECRET^PATIENT") -> DataSet {
        var ds = DataSet()
        ds.set(DataElement(tag: .modality, vr: .CS, string: modality))
        ds.set(DataElement(tag: .studyDescription, vr: .LO, string: description))
        ds.set(DataElement(tag: .patientName, vr: .PN, string: patient))
        return ds
    }

    func rule(_ name: String, _ project: String, called: [String] = [], calling: [String] = [], peers: [String] = [],
              when conditions: String? = nil) throws -> RoutingRule {
        var r = RoutingRule(name: name, project: project)
        r.calledAETitles = Set(called)
        r.callingAETitles = Set(calling)
        r.peers = peers
        if let conditions { r.conditions = try BurnedInRules.conditions(conditions) }
        return r
    }

    let peer = AssociationPeer(calledAETitle: "SENDIT", callingAETitle: "CT1", address: "10.1.2.3")

    @Test func theFirstMatchingRuleWins() throws {
        let policy = RoutingPolicy(rules: [
            try rule("by-ae", "lung", called: ["LUNG"]),
            try rule("mr", "neuro", when: "Modality is MR"),
            try rule("research", "trial", when: "StudyDescription contains RESEARCH"),
            try rule("any-ct", "ct", when: "Modality is CT"),
        ])
        var lung = peer
        lung.calledAETitle = "LUNG"
        #expect(policy.route(dataSet(modality: "MR"), from: lung) == .project("lung"))
        #expect(policy.route(dataSet(modality: "MR"), from: peer) == .project("neuro"))
        #expect(policy.route(dataSet(modality: "CT", description: "a research scan"), from: peer) == .project("trial"))
        #expect(policy.route(dataSet(modality: "CT"), from: peer) == .project("ct"))
        #expect(policy.calledAETitles == ["LUNG"])
    }

    @Test func unmatchedIsRefusedWithoutAValueOrKeptForTheQuarantine() throws {
        let rules = [try rule("mr", "neuro", when: "Modality is MR")]
        guard case .refuse(let why) = RoutingPolicy(rules: rules).route(dataSet(modality: "CT"), from: peer) else {
            Issue.record("a CT matched an MR rule")
            return
        }
        #expect(!why.contains("SECRET") && !why.contains("PATIENT") && !why.uppercased().contains("CT\""))
        #expect(RoutingPolicy(rules: rules, unmatched: .quarantine).route(dataSet(modality: "CT"), from: peer)
                == .project(RoutingPolicy.unroutedProject))
    }

    @Test func anAssociationIsRefusedOnlyWhenNoRuleCouldTakeItsInstances() throws {
        let policy = RoutingPolicy(rules: [try rule("ct1", "a", calling: ["CT1"]), try rule("lan", "b", peers: ["192.168.0.0/16"])])
        #expect(policy.associationRefusal(peer) == nil)
        let stranger = AssociationPeer(calledAETitle: "SENDIT", callingAETitle: "OTHER", address: "10.9.9.9")
        #expect(policy.associationRefusal(stranger) != nil)
        #expect(policy.associationRefusal(AssociationPeer(calledAETitle: "SENDIT", callingAETitle: "OTHER", address: "192.168.7.1")) == nil)
        #expect(RoutingPolicy(rules: policy.rules, unmatched: .quarantine).associationRefusal(stranger) == nil)
        // A rule on the data alone can take anything: the association is accepted.
        #expect(RoutingPolicy(rules: [try rule("mr", "n", when: "Modality is MR")]).associationRefusal(stranger) == nil)
    }

    @Test func addressesAndRanges() {
        #expect(RoutingRule.address("10.1.2.3", isIn: "10.1.0.0/16"))
        #expect(!RoutingRule.address("10.2.2.3", isIn: "10.1.0.0/16"))
        #expect(RoutingRule.address("::ffff:10.1.2.3", isIn: "10.0.0.0/8"))
        #expect(RoutingRule.address("1.2.3.4", isIn: "0.0.0.0/0"))
        #expect(RoutingRule.address("::1", isIn: "::1"))
        #expect(!RoutingRule.address("10.1.2.3", isIn: "10.1.2.3/33"))
        #expect(!RoutingRule.isValidPeer("10.1.2.3/33") && !RoutingRule.isValidPeer("10.1.2/8") && RoutingRule.isValidPeer("fd00::5"))
        #expect(AssociationPeer.address(ofPeerDescription: "[::1]:4000") == "::1")
        #expect(AssociationPeer.address(ofPeerDescription: "10.0.0.1:104") == "10.0.0.1")
    }

    @Test func projectNamesAndTheFoldersThatCarryThem() {
        #expect(RoutingPolicy.isValidProjectName("lung-ct_2"))
        for bad in ["", "Lung", "-x", "a b", "a+b", "../x", String(repeating: "a", count: 33)] {
            #expect(!RoutingPolicy.isValidProjectName(bad), "\(bad)")
        }
        #expect(RoutingPolicy.project(ofFolderName: "lung+1.2.3") == "lung")
        #expect(RoutingPolicy.project(ofFolderName: "1.2.3") == nil)
        #expect(RoutingPolicy.project(ofFolderName: "Bad+1.2.3") == nil)
        #expect(StagingArea.studyKey(ofStagingFolder: "lung+1.2.3.tmp1a") == "lung+1.2.3")
        #expect(StagingArea.studyKey(ofStagingFolder: "1.2.3.tmp1a") == "1.2.3")
        #expect(StagingArea.studyKey(ofStagingFolder: "../x+1.2.3.tmp1a") == nil)
        #expect(StagingArea.key(study: "1.2.3", project: "lung") == "lung+1.2.3")
        #expect(StagingArea.key(study: "../..", project: nil).hasPrefix("x"))
    }
}

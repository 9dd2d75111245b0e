import DICOMCore
import DICOMNetwork
import Deidentify
import Testing
@testable import SenditIntake

/// A study being retrieved goes to its job's project: what the retrieval sources send of it
/// (over their associations, or found in .incoming after a crash with their AE title in its
/// File Meta Information). An instance of the same study pushed by anyone else is routed by the
/// rules, as always: one study may be in several projects, and a retrieval for one must not
/// take another project's images into its own.
@Suite struct ProjectRoutingClaimsTests {
    func dataSet(study: String, modality: String) -> DataSet {
        var ds = DataSet()
        ds.set(DataElement(tag: .studyInstanceUID, vr: .UI, string: study))
        ds.set(DataElement(tag: .modality, vr: .CS, string: modality))
        return ds
    }

    func routing() throws -> ProjectRouting {
        var mr = RoutingRule(name: "mr", project: "neuro")
        mr.conditions = try BurnedInRules.conditions("Modality is MR")
        let routing = ProjectRouting(policy: RoutingPolicy(rules: [mr]), projects: ["neuro", "trial"])
        routing.retrieving(claims: { $0 == "1.2.9" ? "trial" : nil }, sources: ["ARCHIVE"])
        return routing
    }

    @Test func theRetrievalSourcesInstancesOfAClaimedStudyGoToTheJobsProject() throws {
        let routing = try routing()
        let archive = AssociationPeer(calledAETitle: "SENDIT", callingAETitle: "ARCHIVE", address: "10.0.0.9")
        #expect(routing.route(dataSet(study: "1.2.9", modality: "MR"), from: archive) == .project("trial"))
        #expect(routing.associationRefusal(archive) == nil)
    }

    @Test func aPushOfAClaimedStudyFromAnotherSenderIsRoutedByTheRules() throws {
        let routing = try routing()
        let modality = AssociationPeer(calledAETitle: "SENDIT", callingAETitle: "MR1", address: "10.0.0.5")
        // The MR scanner's image of the same study: the rules put it in neuro, not in the
        // project of the retrieval that happens to be moving the study from the archive.
        #expect(routing.route(dataSet(study: "1.2.9", modality: "MR"), from: modality) == .project("neuro"))
        #expect(routing.route(dataSet(study: "1.2.8", modality: "MR"), from: modality) == .project("neuro"))
    }
}

import Foundation
import IntakeTestSupport
import SenditIntake
import Testing

/// A retrieved study whose number of instances is known is finished as soon as they are all in
/// (not at the stable age), counting those its staging folder already held (a retrieval asked
/// for again after a kill) and each instance once.
@Suite struct StagingAreaExpectedTests {
    /// An instance received: a part file placed into the study's staging folder.
    func receive(_ staging: StagingArea, _ f: IntakeFixture, study: String, sop: String) throws {
        let scratch = f.root + "/scratch"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let path = try f.instance(in: scratch, study: study, sop: sop)
        _ = try staging.place(path, studyInstanceUID: study, sopInstanceUID: sop)
    }

    @Test func theFolderIsFinishedOnceTheExpectedInstancesAreAllIn() throws {
        let f = try IntakeFixture()
        let staging = try StagingArea(dataFolder: f.data, sync: false)
        #expect(!staging.expectInstances(studyInstanceUID: "1.2.9", count: 3))
        try receive(staging, f, study: "1.2.9", sop: "1.2.9.1")
        try receive(staging, f, study: "1.2.9", sop: "1.2.9.2")
        // The same instance again counts once.
        try receive(staging, f, study: "1.2.9", sop: "1.2.9.2")
        #expect(staging.finishQuietFolders(stableAge: 60).finished.isEmpty)
        try receive(staging, f, study: "1.2.9", sop: "1.2.9.3")
        let (done, errors) = staging.finishQuietFolders(stableAge: 60)
        #expect(errors.isEmpty && done.map(\.to) == [f.data + "/1.2.9"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: f.data + "/1.2.9").count == 3)
    }

    @Test func instancesAlreadyInTheFolderCountAndOtherStudiesKeepTheStableAge() throws {
        let f = try IntakeFixture()
        let staging = try StagingArea(dataFolder: f.data, sync: false)
        try receive(staging, f, study: "1.2.9", sop: "1.2.9.1")
        try receive(staging, f, study: "1.2.8", sop: "1.2.8.1")
        #expect(staging.expectInstances(studyInstanceUID: "1.2.9", count: 1))
        let (done, _) = staging.finishQuietFolders(stableAge: 60)
        #expect(done.map(\.to) == [f.data + "/1.2.9"])
        // Nothing expected any more: a late instance of the study waits for the stable age.
        try receive(staging, f, study: "1.2.9", sop: "1.2.9.2")
        #expect(staging.finishQuietFolders(stableAge: 60).finished.isEmpty)
    }

    @Test func aForgottenExpectationFinishesNothingEarly() throws {
        let f = try IntakeFixture()
        let staging = try StagingArea(dataFolder: f.data, sync: false)
        staging.expectInstances(studyInstanceUID: "1.2.9", count: 1)
        staging.forgetExpectedInstances(studyInstanceUID: "1.2.9")
        try receive(staging, f, study: "1.2.9", sop: "1.2.9.1")
        #expect(staging.finishQuietFolders(stableAge: 60).finished.isEmpty)
    }
}

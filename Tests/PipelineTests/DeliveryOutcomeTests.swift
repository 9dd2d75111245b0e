import Foundation
import DICOMDIMSE
import DICOMNetwork
@testable import Pipeline
@testable import RemoteServices
import Testing
import SenditIndex

/// What a C-STORE answer, or its absence, means for the image.
@Suite struct DeliveryOutcomeTests {
    static func answered(_ code: UInt16, comment: String? = nil) -> StorageSCU.FileResult {
        StorageSCU.FileResult(path: "/x.dcm", sopInstanceUID: "1.2", status: DIMSEStatus(code), errorComment: comment, error: nil, bytes: 10)
    }

    static func notSent(_ reason: StorageSCU.NotSentReason) -> StorageSCU.FileResult {
        StorageSCU.FileResult(path: "/x.dcm", sopInstanceUID: "1.2", status: nil, errorComment: nil, error: "why", bytes: 0, notSent: reason)
    }

    @Test(arguments: [
        (UInt16(0x0000), "stored"), (0xB000, "stored"), (0xB007, "stored"), (0xB006, "stored"),
        (0xA700, "retry"), (0xA7FF, "retry"), (0x0110, "retry"), (0x0213, "retry"), (0xFE00, "retry"),
        (0xA900, "refused"), (0xA9FF, "refused"), (0xC000, "refused"), (0xCFFF, "refused"), (0x0122, "refused"),
        (0x0124, "refused"), (0x0211, "refused"),
    ])
    func statusesAreStoredRetriedOrRefused(code: UInt16, expected: String) {
        let outcome = DeliveryOutcome.classify(Self.answered(code), acceptWarnings: true)
        switch outcome {
        case .stored: #expect(expected == "stored", "\(code)")
        case .retry: #expect(expected == "retry", "\(code)")
        case .refused(let status, let reason):
            #expect(expected == "refused", "\(code)")
            #expect(status == code)
            #expect(reason.contains(DIMSEStatus(code).meaning))
        }
    }

    @Test func aWarningIsRecordedAndCountsAsStoredOnlyWhenAccepted() {
        #expect(DeliveryOutcome.classify(Self.answered(0xB000, comment: "coerced"), acceptWarnings: true)
                == .stored(status: 0xB000, warning: "\(DIMSEStatus(0xB000)): coerced"))
        guard case .retry(let why) = DeliveryOutcome.classify(Self.answered(0xB000), acceptWarnings: false) else {
            Issue.record("a warning not accepted must be tried again")
            return
        }
        #expect(why.contains("warning not accepted"))
        #expect(DeliveryOutcome.classify(Self.answered(0x0000), acceptWarnings: false) == .stored(status: 0, warning: nil))
    }

    @Test func notSentIsRetriedUnlessThePeerCannotTakeIt() {
        #expect(DeliveryOutcome.classify(Self.notSent(.association(transient: true)), acceptWarnings: true) == .retry("why"))
        #expect(DeliveryOutcome.classify(Self.notSent(.local), acceptWarnings: true) == .retry("why"))
        #expect(DeliveryOutcome.classify(Self.notSent(.association(transient: false)), acceptWarnings: true) == .refused(status: nil, reason: "why"))
        #expect(DeliveryOutcome.classify(Self.notSent(.noAcceptedContext), acceptWarnings: true) == .refused(status: nil, reason: "why"))
        #expect(DeliveryOutcome.classify(Self.notSent(.unreadable), acceptWarnings: true) == .refused(status: nil, reason: "why"))
    }

    @Test func retentionSettings() {
        #expect(Retention.Policy(setting: "0") == .immediately)
        #expect(Retention.Policy(setting: "7") == .after(days: 7))
        #expect(Retention.Policy(setting: "0.5") == .after(days: 0.5))
        #expect(Retention.Policy(setting: " Never ") == .never)
        #expect(Retention.Policy(setting: "-1") == nil)
        #expect(Retention.Policy(setting: "soon") == nil)
    }

    @Test func sendJobsRetryByTheirOwnPolicyAndGiveUpOnlyByAge() {
        let p = RetryPolicy(maxAttempts: 1_000_000, baseDelay: 10, maximumDelay: 600, lease: 300, giveUpAfter: 3600)
        #expect(p.delay(afterAttempt: 1) == 10)
        #expect(p.delay(afterAttempt: 4) == 80)
        #expect(p.delay(afterAttempt: 40) == 600)
        let start = Date(timeIntervalSince1970: 0)
        #expect(!p.isExhausted(attempts: 500, maxAttempts: 1_000_000, createdAt: start, now: start.addingTimeInterval(3599)))
        #expect(p.isExhausted(attempts: 2, maxAttempts: 1_000_000, createdAt: start, now: start.addingTimeInterval(3600)))
        var forever = p
        forever.giveUpAfter = nil
        #expect(!forever.isExhausted(attempts: 999_999, maxAttempts: 1_000_000, createdAt: start, now: start.addingTimeInterval(1e9)))
    }

    /// Every delivery stage gives up by failing only what its destination lacks, never every
    /// image in its working status (StageHandler's default, which would fail images other
    /// destinations still wait for): the witness comes from DeliveryStage.
    @Test func aDeliveryStageGivesUpOnlyWhatItsDestinationLacks() {
        struct Probe: DeliveryStage {
            let destination: DeliveryDestination
            func run(_ job: StageJob) throws {}
        }
        let stage: any StageHandler = Probe(destination: DeliveryDestination(name: "lake", target: .googleCloudStorage(bucket: "b", collection: "c")))
        #expect(stage.giveUp == .failUndelivered(destination: "lake"))
        #expect(stage.stage == "send:lake" && stage.inputStatuses.isEmpty && stage.workingStatus == .doneProcessing && stage.nextStages.isEmpty)
        let stages: [any DeliveryStage.Type] = [SendStage.self, GoogleStage.self, DICOMwebStage.self]
        #expect(stages.count == 3)
    }

    @Test func orthancFindAnswersGiveTheSOPInstanceUIDs() throws {
        let answer = #"[{"ID":"a","MainDicomTags":{"SOPInstanceUID":"2.25.1","InstanceNumber":"1"}},{"ID":"b","MainDicomTags":{"SOPInstanceUID":"2.25.2"}}]"#
        #expect(try OrthancREST.sopInstanceUIDs(fromFindAnswer: Data(answer.utf8)) == ["2.25.1", "2.25.2"])
        #expect(try OrthancREST.sopInstanceUIDs(fromFindAnswer: Data("[]".utf8)).isEmpty)
        #expect(throws: OrthancREST.Failure.self) { try OrthancREST.sopInstanceUIDs(fromFindAnswer: Data("{\"error\":1}".utf8)) }
    }
}

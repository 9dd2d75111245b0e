import DICOMDIMSE
import Foundation
@testable import Pipeline
import RemoteServices
import SenditIndex
import Testing

/// What a STOW-RS answer, or its absence, means for each instance of the batch.
@Suite struct DICOMwebOutcomeTests {
    static let sent = ["1.2.1", "1.2.2", "1.2.3", "1.2.4"]

    static func classify(_ status: Int, _ response: STOWResponse? = nil, acceptWarnings: Bool = true,
                         refusedBefore: Bool = false) -> [String: DeliveryOutcome] {
        DICOMwebOutcome.classify(.http(status: status, response: response), sent: sent, acceptWarnings: acceptWarnings,
                                 authorizationRefusedBefore: refusedBefore)
    }

    static func kind(_ outcome: DeliveryOutcome?) -> String {
        switch outcome {
        case .stored: "stored"
        case .retry: "retry"
        case .refused: "refused"
        case nil: "none"
        }
    }

    @Test func noAnswerRetriesEveryInstance() {
        let outcomes = DICOMwebOutcome.classify(.noAnswer("Could not connect to the server."), sent: Self.sent, acceptWarnings: true,
                                                authorizationRefusedBefore: false)
        #expect(outcomes.count == 4 && outcomes.values.allSatisfy { $0 == .retry("STOW-RS: no answer: Could not connect to the server.") })
    }

    @Test func twoHundredStoresAllAndItsFailedItemsAreStillJudged() {
        #expect(Self.classify(200).values.allSatisfy { $0 == .stored(status: 0, warning: nil) })
        #expect(Self.classify(200, nil).count == 4)
        let outcomes = Self.classify(200, STOWResponse(referenced: ["1.2.1": nil], failed: ["1.2.2": 0xC000]))
        #expect(outcomes["1.2.1"] == .stored(status: 0, warning: nil) && outcomes["1.2.3"] == .stored(status: 0, warning: nil))
        #expect(outcomes["1.2.2"] == .refused(status: 0xC000, reason: "STOW-RS HTTP 200 OK: Failure Reason 0xC000 \(DIMSEStatus(0xC000).meaning) (failure)"))
    }

    @Test func twoHundredTwoIsJudgedInstanceByInstance() {
        let response = STOWResponse(referenced: ["1.2.1": 0xB000], failed: ["1.2.2": 0xA700, "1.2.3": 0xA900])
        let outcomes = Self.classify(202, response)
        guard case .stored(0xB000, let warning) = outcomes["1.2.1"] else { Issue.record("\(outcomes)"); return }
        #expect(warning?.hasPrefix("Warning Reason 0xB000") == true)
        #expect(Self.kind(outcomes["1.2.2"]) == "retry")  // A700 Out of Resources
        guard case .refused(0xA900, let reason) = outcomes["1.2.3"] else { Issue.record("\(outcomes)"); return }
        #expect(reason.hasPrefix("STOW-RS HTTP 202 Accepted: Failure Reason 0xA900"))
        #expect(outcomes["1.2.4"] == .retry("STOW-RS HTTP 202 Accepted without this instance in the response"))
        // Warnings not accepted: tried again.
        #expect(Self.kind(Self.classify(202, response, acceptWarnings: false)["1.2.1"]) == "retry")
    }

    @Test(arguments: [
        (UInt16(0xA700), "retry"), (0xA7FF, "retry"), (0x0110, "retry"), (0x0213, "retry"),
        (0xA900, "refused"), (0xC000, "refused"), (0xC122, "refused"), (0x0122, "refused"), (0x0124, "refused"), (0x0000, "refused"),
    ])
    func failureReasonsAreJudgedAsCStoreStatuses(code: UInt16, expected: String) {
        let outcome = Self.classify(409, STOWResponse(failed: ["1.2.1": .some(code)]))["1.2.1"]
        #expect(Self.kind(outcome) == expected, "\(code)")
    }

    @Test func conflictRefusesWhatItDoesNotName() {
        let outcomes = Self.classify(409, STOWResponse(failed: ["1.2.1": nil]))
        #expect(outcomes["1.2.1"] == .refused(status: nil, reason: "STOW-RS HTTP 409 Conflict: failed, no Failure Reason given"))
        #expect(Self.kind(outcomes["1.2.2"]) == "refused")
        #expect(Self.classify(409).values.allSatisfy { Self.kind($0) == "refused" })
    }

    @Test(arguments: [(408, "retry"), (429, "retry"), (500, "retry"), (502, "retry"), (503, "retry"), (504, "retry"), (599, "retry"),
                      (400, "refused"), (404, "refused"), (405, "refused"), (413, "refused"), (415, "refused"), (301, "refused"), (302, "refused")])
    func otherStatusesRetryOrRefuseTheWholeBatch(status: Int, expected: String) {
        let outcomes = Self.classify(status, STOWResponse(referenced: ["1.2.1": nil]))
        #expect(outcomes.count == 4 && outcomes.values.allSatisfy { Self.kind($0) == expected }, "\(status)")
        guard case .refused(nil, let reason)? = outcomes["1.2.1"] else { return }
        #expect(reason.hasPrefix("STOW-RS HTTP \(status)"))
    }

    @Test func unauthorizedIsTriedOnceMoreThenRefused() {
        for status in [401, 403] {
            #expect(Self.classify(status).values.allSatisfy { Self.kind($0) == "retry" })
            let refused = Self.classify(status, refusedBefore: true)
            #expect(refused.values.allSatisfy { Self.kind($0) == "refused" })
            guard case .refused(nil, let reason)? = refused["1.2.1"] else { continue }
            #expect(reason.contains("HTTP \(status)") && reason.contains("credentials"))
        }
    }

    @Test func reasonsNeverQuoteTheBody() throws {
        // A server that echoes a patient's name everywhere it can: nothing of it in any reason.
        let echo = "Zyxwerth^Quintana"
        let item: (String, Int) -> [String: Any] = { uid, reason in
            ["00081155": ["vr": "UI", "Value": [uid]], "00081197": ["vr": "US", "Value": [reason]],
             "00000902": ["vr": "LO", "Value": [echo]], "00100010": ["vr": "PN", "Value": [["Alphabetic": echo]]]]
        }
        let body = try JSONSerialization.data(withJSONObject: [
            "00081198": ["vr": "SQ", "Value": [item("1.2.1", 0xA900), item("1.2.2", 0xA700), item(echo, 0xC000)]],
            "00100010": ["vr": "PN", "Value": [["Alphabetic": echo]]]])
        for status in [200, 202, 400, 401, 409, 500] {
            let outcomes = DICOMwebOutcome.classify(.http(status: status, response: STOWResponse.parse(body)), sent: Self.sent,
                                                    acceptWarnings: true, authorizationRefusedBefore: true)
            #expect(!"\(outcomes)".contains("Zyxwerth"), "\(status)")
        }
    }

    @Test func batchesAreBoundedByCountAndBytes() {
        func pending(_ sizes: [Int64]) -> [PendingDelivery] {
            sizes.enumerated().map { PendingDelivery(imageId: Int64($0), path: "/\($0)", size: $1, copiedAt: "", sopInstanceUID: "1.\($0)") }
        }
        let counts = DICOMwebStage.batches(pending(Array(repeating: 10, count: 120)), maxInstances: 50, maxBytes: 1_000_000)
        #expect(counts.map(\.count) == [50, 50, 20])
        #expect(counts.flatMap { $0 }.map(\.imageId) == Array(0..<120))
        let bytes = DICOMwebStage.batches(pending([40, 40, 40, 100, 10, 10]), maxInstances: 50, maxBytes: 100)
        #expect(bytes.map { $0.map(\.size) } == [[40, 40], [40], [100], [10, 10]])
        #expect(DICOMwebStage.batches(pending([500, 1]), maxInstances: 50, maxBytes: 100).map(\.count) == [1, 1])
        #expect(DICOMwebStage.batches([], maxInstances: 50, maxBytes: 100).isEmpty)
    }
}

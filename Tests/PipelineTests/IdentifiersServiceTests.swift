#if canImport(Glibc)
import Glibc
#endif
import DICOMCore
import Deidentify
import Foundation
@testable import Pipeline
@testable import RemoteServices
import Testing
import SenditIndex
import TestSupport

/// RESTIdentifiersProvider against a real HTTP server (conformance/identifiers_service.py) in
/// each of its modes.
@Suite(.serialized) struct IdentifiersServiceTests {
    final class Service {
        let double: HTTPDouble
        var port: Int { double.port }
        var requests: [[String: Any]] { double.requests }

        init(mode: String, token: String? = nil) throws {
            double = try HTTPDouble("identifiers_service.py", ["--mode", mode] + (token.map { ["--token", $0] } ?? []))
        }

        func provider(token: String? = "s3cret", timeout: TimeInterval = 2) -> RESTIdentifiersProvider {
            var p = RESTIdentifiersProvider(url: URL(string: "http://127.0.0.1:\(port)/api/v1/identifiers")!, token: token, timeout: timeout)
            p.pause = 0.05
            return p
        }
    }

    static let request = IdentifiersRequest(dataSet: DataSet([
        DataElement(tag: .studyInstanceUID, vr: .UI, string: "1.2.3.4"),
        DataElement(tag: .patientID, vr: .LO, string: "12-34-567"),
        DataElement(tag: .patientBirthDate, vr: .DA, string: "19700101"),
        DataElement(tag: .accessionNumber, vr: .SH, string: "ACC123"),
        DataElement(tag: .studyDate, vr: .DA, string: "20200315"),
    ]))

    @Test func theContractAnsweredWithTheTokenAndTheSeedsRequestShape() throws {
        let service = try Service(mode: "ok", token: "s3cret")
        let response = try service.provider().identifiers(for: IdentifiersServiceTests.request)
        try response.validate()
        #expect(response.entityCode.hasPrefix("D") && response.itemCode.hasPrefix("D") && response.jitterDays < 0)
        let sent = try #require(service.requests.first)
        #expect(sent["auth"] as? String == "Bearer s3cret")
        let body = try #require(try JSONSerialization.jsonObject(with: Data((sent["body"] as? String ?? "").utf8)) as? [String: Any])
        let entity = try #require((body["identifiers"] as? [[String: Any]])?.first)
        // The exact ID: no separator removed (the seed's rule made AB-123-45 and AB-12-345 one).
        #expect(entity["id"] as? String == "12-34-567" && entity["id_source"] as? String == "Stanford MRN")
        #expect(entity["id_timestamp"] as? String == "1970-01-01T00:00:00Z")
        let item = try #require((entity["items"] as? [[String: Any]])?.first)
        #expect(item["id"] as? String == "ACC123" && item["id_source"] as? String == "DCM Accession #")
        #expect(item["id_timestamp"] as? String == "2020-03-15T00:00:00Z")
    }

    @Test func serverErrorsAreTriedAgainThenLeftToTheQueueAsRetryable() throws {
        let service = try Service(mode: "500")
        #expect(throws: RESTIdentifiersProvider.ServiceError.self) { try service.provider().identifiers(for: IdentifiersServiceTests.request) }
        #expect(service.requests.count == 3)
        let flaky = try Service(mode: "flaky")
        let response = try flaky.provider().identifiers(for: IdentifiersServiceTests.request)
        #expect(flaky.requests.count == 3 && !response.entityCode.isEmpty)
    }

    @Test func aServiceThatNeverAnswersTimesOutAsRetryable() throws {
        let service = try Service(mode: "hang")
        var provider = service.provider(timeout: 1)
        provider.attempts = 2
        let started = Date()
        #expect(throws: RESTIdentifiersProvider.ServiceError.self) { try provider.identifiers(for: IdentifiersServiceTests.request) }
        #expect(Date().timeIntervalSince(started) < 10)
    }

    @Test(arguments: ["invalid", "badsuid", "401"])
    func refusalsAndInvalidAnswersArePermanentWithTheReason(_ mode: String) throws {
        let service = try Service(mode: mode)
        do {
            _ = try service.provider().identifiers(for: IdentifiersServiceTests.request)
            Issue.record("mode \(mode) was accepted")
        } catch let error as RESTIdentifiersProvider.Refusal {
            let text = "\(error)"
            #expect(mode != "401" || text.contains("HTTP 401"))
            #expect(mode != "badsuid" || text.contains("suid"))
            #expect(mode != "invalid" || text.contains("not the expected JSON"))
        }
        #expect(service.requests.count == 1)
    }

    /// A refusal's reason reaches the series page, the API and alerts: it must not quote the
    /// service's body (which may echo the original patient ID and accession number) nor the
    /// URL's user, password or query.
    @Test func aRefusalQuotesNeitherTheBodyNorTheURLsCredentials() throws {
        let service = try Service(mode: "echo422")
        var p = RESTIdentifiersProvider(url: URL(string: "http://user:pa55word@127.0.0.1:\(service.port)/api/v1/identifiers?key=qs3cret")!,
                                        token: nil, timeout: 2)
        p.pause = 0.05
        do {
            _ = try p.identifiers(for: IdentifiersServiceTests.request)
            Issue.record("an HTTP 422 was accepted")
        } catch let error as RESTIdentifiersProvider.Refusal {
            let text = "\(error)"
            #expect(text.contains("HTTP 422"))
            for secret in ["12-34-567", "ACC123", "pa55word", "user:", "qs3cret", "unknown patient"] {
                #expect(!text.contains(secret), "\(secret) in \(text)")
            }
        }
        #expect(service.requests.count == 1, "the service echoed the request it got")
    }

    @Test func aWrongTokenIsARefusal() throws {
        let service = try Service(mode: "ok", token: "right")
        #expect(throws: RESTIdentifiersProvider.Refusal.self) { try service.provider(token: "wrong").identifiers(for: IdentifiersServiceTests.request) }
    }

    @Test func theIdentifyStageRecordsARefusalAndNothingIsDeidentified() throws {
        let service = try Service(mode: "401")
        let f = try PipelineFixture(policy: RetryPolicy(maxAttempts: 3, baseDelay: 0.05, maximumDelay: 0.1, lease: 30), firstStage: "identify")
        for n in 1...2 { try f.instance(in: f.data + "/study", sop: "1.2.3.1.\(n)") }
        _ = try f.importer.importFolder(f.data + "/study")
        let outbox = try Outbox(folder: f.root + "/var/outbox", sync: false)
        let engine = Deidentifier(settings: .standard, uids: UIDRemapper(hash: KeyedHash(key: [UInt8](repeating: 1, count: 32))))
        let workers = JobWorkers(queue: f.queue, handlers: [IdentifyStage(provider: service.provider(), hash: KeyedHash(key: [UInt8](repeating: 1, count: 32))), DeidentifyStage(engine: engine, outbox: outbox)],
                                 count: 1, logger: PipelineFixture.silent)
        workers.idlePoll = 0.01
        workers.start()
        defer { workers.stop(grace: 2) }
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, try !f.jobs().allSatisfy({ $0.state == .failed }) { usleep(20_000) }
        #expect(try f.jobs().map(\.state) == [.failed])
        #expect(try f.jobs().first?.lastError?.contains("HTTP 401") == true)
        #expect(try f.images().allSatisfy { $0.status == .failed && ($0.statusReason ?? "").contains("HTTP 401") })
        #expect(try f.contents.seriesIdentifiers().count == 0)
        #expect(try f.contents.deidentifiedCopies().count == 0)
    }
}

import DICOMDIMSE
import DICOMNetwork
import Foundation
import Pipeline
import SenditIndex
import Testing

/// What the retrieval loop makes of an archive's answers, the sources' syntax and the time
/// window: pure, no socket, no clock.
@Suite struct RetrievalDecisionTests {
    let now = Date(timeIntervalSince1970: 1_700_000_000)
    let d = RetrievalDecision()

    @Test func aFindListsEachStudyOnceWithItsExpectedInstances() {
        let ending = RetrievalDecision.Ending(category: .success, code: "0x0000", meaning: "Success")
        let r = d.find(ending, matches: [("1.2.1", "12"), ("1.2.1", "12"), (nil, "3"), ("", nil), ("1.2.2", nil), ("1.2.3", "0"),
                                         ("1.2.4", "x")], attempts: 1, now: now)
        #expect(r == .found([("1.2.1", 12), ("1.2.2", nil), ("1.2.3", nil), ("1.2.4", nil)]))
        #expect(d.find(ending, matches: [], attempts: 1, now: now) == .found([]))
    }

    @Test func aRefusedFindFailsAndOutOfResourcesIsTriedAgainWithBackoff() {
        let refused = RetrievalDecision.Ending(category: .failure, code: "0xC000", meaning: "Unable to process")
        #expect(d.find(refused, matches: [], attempts: 1, now: now) == .failed(status: "0xC000", meaning: "Unable to process", retryAt: nil))
        let busy = RetrievalDecision.Ending(category: .failure, code: "0xA700", meaning: "Out of resources")
        #expect(d.find(busy, matches: [], attempts: 1, now: now) == .failed(status: "0xA700", meaning: "Out of resources",
                                                                          retryAt: now.addingTimeInterval(30)))
        #expect(d.find(busy, matches: [], attempts: 2, now: now) == .failed(status: "0xA700", meaning: "Out of resources",
                                                                          retryAt: now.addingTimeInterval(60)))
        #expect(d.find(busy, matches: [], attempts: 3, now: now) == .failed(status: "0xA700", meaning: "Out of resources", retryAt: nil))
        #expect(d.findError("connection refused", attempts: 3, now: now) == .failed(status: nil, meaning: "connection refused", retryAt: nil))
    }

    @Test func aMoveThatSentSomethingArrivedWithItsCounts() {
        let ok = d.move(.init(category: .success, code: "0x0000", meaning: "Success", counts: .init(completed: 10)), attempts: 1, now: now)
        #expect(ok.state == .arrived && ok.counts.completed == 10)
        let partial = d.move(.init(category: .warning, code: "0xB000", meaning: "Sub-operations complete, one or more failures",
                                   counts: .init(completed: 8, failed: 2)), attempts: 1, now: now)
        #expect(partial.state == .arrived && partial.counts.failed == 2 && partial.finalStatus == "0xB000")
        // A C-GET's stored instances count even if the responses gave no number.
        let got = d.move(.init(category: .success, code: "0x0000", meaning: "Success"), stored: 4, attempts: 1, now: now)
        #expect(got.state == .arrived && got.counts.completed == 4)
    }

    @Test func aMoveThatSentNothingFailsWithItsStatusOrIsAskedForAgain() {
        let unknown = d.move(.init(category: .failure, code: "0xA801", meaning: "Move destination unknown"), attempts: 1, now: now)
        #expect(unknown.state == .failed && unknown.finalStatus == "0xA801" && unknown.meaning == "Move destination unknown")
        let empty = d.move(.init(category: .success, code: "0x0000", meaning: "Success"), attempts: 1, now: now)
        #expect(empty.state == .failed && empty.meaning == "Success: no instance was sent")
        let busy = d.move(.init(category: .failure, code: "0xA702", meaning: "Refused: Out of resources"), attempts: 1, now: now)
        #expect(busy.state == .queued && busy.notBefore == now.addingTimeInterval(30))
        let allFailed = d.move(.init(category: .failure, code: "0xA702", meaning: "Refused: Out of resources",
                                     counts: .init(failed: 5)), attempts: 1, now: now)
        #expect(allFailed.state == .failed && allFailed.counts.failed == 5)
        let cancelled = d.move(.init(category: .cancel, code: "0xFE00", meaning: "Cancel", counts: .init(completed: 3)), attempts: 3, now: now)
        #expect(cancelled.state == .queued)
        #expect(d.moveError("association aborted", attempts: 1, now: now).state == .queued)
        let gaveUp = d.moveError("association aborted", attempts: 3, now: now)
        #expect(gaveUp.state == .failed && gaveUp.meaning == "association aborted")
    }

    @Test func anArrivedStudyIsDoneWhenItsInstancesAreIndexedOrAfterThePatience() {
        var s = RetrievalStudy(id: 1, itemId: 1, studyInstanceUID: "1.2", expectedInstances: 5, state: .arrived, attempts: 1,
                               counts: .init(completed: 4), finalStatus: "0x0000", statusMeaning: "Success", notBefore: nil, updatedAt: now)
        #expect(!d.isDone(s, indexed: 4, now: now))
        #expect(d.isDone(s, indexed: 5, now: now))
        #expect(d.isDone(s, indexed: 0, now: now.addingTimeInterval(d.patience)))
        s.expectedInstances = nil
        #expect(d.isDone(s, indexed: 4, now: now))
    }

    @Test func aTLSFailurePausesTheWorkWithoutUsingUpItsTries() throws {
        let why = "\(NetworkError.tls("certificate verify failed: unable to get local issuer certificate"))"
        #expect(RetrievalDecision.pauses(NetworkError.tls("handshake failed")))
        #expect(RetrievalDecision.pauses(RequestorAssociation.Failure.network(.tls("handshake failed"))))
        #expect(!RetrievalDecision.pauses(NetworkError.closed) && !RetrievalDecision.pauses(NetworkError.refused("no")))
        #expect(!RetrievalDecision.pauses(RequestorAssociation.Failure.network(.closed))
                && !RetrievalDecision.pauses(RequestorAssociation.Failure.aborted("TLS: not really")))
        // Past the tries an ordinary error is given up on; a TLS failure waits, its reason kept.
        #expect(d.findError(why, attempts: 3, now: now, paused: true)
                == .failed(status: nil, meaning: why, retryAt: now.addingTimeInterval(120)))
        let study = d.moveError(why, attempts: 9, now: now, paused: true)
        #expect(study.state == .queued && study.meaning == why && study.counts.completed == 0)
        #expect(study.notBefore == now.addingTimeInterval(d.maxPause))
        #expect(d.moveError(why, attempts: 1, now: now, paused: true).notBefore == now.addingTimeInterval(30))
        #expect(why.hasPrefix("TLS: "))
    }

    @Test func sourcesAreNamedArchivesWithAnOptionalMethod() throws {
        let s = try RetrievalSource.parse("pacs=PACS_AE@10.0.0.5:104", defaultMethod: .move)
        #expect(s == RetrievalSource(name: "pacs", calledAETitle: "PACS_AE", host: "10.0.0.5", port: 104, method: .move))
        #expect(try RetrievalSource.parse(" old = OLD@[::1]:11112 get", defaultMethod: .move).method == .get)
        let secure = try RetrievalSource.parse("pacs=PACS@pacs.example.org:2762 get tls:ca=/etc/ca.pem,name=pacs", defaultMethod: .move)
        #expect(secure.method == .get && secure.port == 2762 && secure.tlsOptions == "ca=/etc/ca.pem,name=pacs" && secure.tls == nil)
        #expect(try RetrievalSource.parse("pacs=PACS@h:2762 tls:pin=/p.pem", defaultMethod: .move).tlsOptions == "pin=/p.pem")
        #expect(s.tlsOptions == nil && s.peer(callingAETitle: "SENDIT", timeout: 5).tls == nil)
        for bad in ["pacs", "pacs=PACS@host", "pacs=@h:104", "p a=PACS@h:104", "pacs=PACS@h:0", "pacs=PACS@:104", "pacs=PACS@h:104 post",
                    "pacs=ABCDEFGHIJKLMNOPQ@h:104", "pacs=PACS@h:104 tls:", "pacs=PACS@h:104 move tls:ca=/a get", "pacs tls:ca=/a"] {
            #expect(throws: RetrievalSource.Invalid.self) { try RetrievalSource.parse(bad, defaultMethod: .move) }
        }
    }

    @Test func theWindowMayWrapPastMidnight() throws {
        let night = try #require(RetrievalWindow("20:00-06:00"))
        #expect(night.contains(minute: 20 * 60) && night.contains(minute: 23 * 60 + 59) && night.contains(minute: 0))
        #expect(night.contains(minute: 5 * 60 + 59) && !night.contains(minute: 6 * 60) && !night.contains(minute: 12 * 60))
        let day = try #require(RetrievalWindow("08:30-17:00"))
        #expect(day.contains(minute: 8 * 60 + 30) && !day.contains(minute: 17 * 60) && !day.contains(minute: 8 * 60))
        #expect(day.description == "08:30-17:00")
        let utc = try #require(TimeZone(identifier: "UTC"))
        #expect(night.isOpen(at: Date(timeIntervalSince1970: 22 * 3600), timeZone: utc))
        #expect(!night.isOpen(at: Date(timeIntervalSince1970: 12 * 3600), timeZone: utc))
        for bad in ["", "20:00", "20:00-20:00", "25:00-06:00", "20:60-06:00", "8-17", "20:00-06:00-07:00"] {
            #expect(RetrievalWindow(bad) == nil)
        }
    }
}

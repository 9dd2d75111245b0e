import DICOMCore
import DICOMDIMSE
@testable import DICOMNetwork
import DICOMUpperLayer
import Foundation
import Testing

/// StorageSCU with an Asynchronous Operations Window, over loopback: against a scripted SCP
/// that answers out of order (WindowedSCP), and against sendit's own listener.
@Suite struct AsynchronousWindowTests {
    static func destination(_ port: Int, window: Int = 8) -> StorageSCU.Destination {
        var d = StorageSCU.Destination(host: "127.0.0.1", port: port, calledAETitle: "WINDOW", callingAETitle: "T")
        d.asynchronousOperationsWindow = window
        d.dimseTimeout = 5
        return d
    }

    /// An association to sendit's listener proposing a window of 8.
    static func proposingEight(to f: StorageSCPTests.Fixture) throws -> RequestorAssociation {
        var p = RequestorAssociation.Parameters(host: "127.0.0.1", port: f.server.port, callingAETitle: "T",
                                                calledAETitle: "SENDIT", presentationContexts: f.contexts())
        p.asynchronousOperationsWindow = 8
        return try RequestorAssociation(p)
    }

    static func files(_ f: StorageSCPTests.Fixture, _ n: Int) throws -> [String] {
        try (1...n).map { try f.instance(sop: "1.2.3.9.\($0)") }
    }

    @Test func outOfOrderResponsesAreEachMatchedToTheirImage() throws {
        let f = try StorageSCPTests.Fixture()
        // Images whose number ends in 3 are refused (A900), ending in 7 get a warning (B000).
        let scp = try WindowedSCP(window: 8, status: { uid in uid.hasSuffix("3") ? 0xA900 : uid.hasSuffix("7") ? 0xB000 : 0 })
        let paths = try Self.files(f, 30)
        let results = StorageSCU.send(paths: paths, to: Self.destination(scp.port))
        let log = scp.log.withLock { $0 }
        #expect(results.count == 30 && Set(results.map(\.path)) == Set(paths))
        #expect(log.mostOutstanding == 8, "the window was used: \(log.mostOutstanding) at most outstanding")
        #expect(log.proposed.first??.maximumInvoked == 8)
        #expect(log.answered.map(\.0) != log.received, "answered in another order than sent")
        for r in results {
            let uid = try #require(r.sopInstanceUID)
            let expected: UInt16 = uid.hasSuffix("3") ? 0xA900 : uid.hasSuffix("7") ? 0xB000 : 0
            #expect(r.status?.code == expected, "\(uid): \(String(describing: r.status))")
        }
        #expect(results.filter { !$0.succeeded }.count == 3)   // 3, 13, 23
    }

    @Test func anAbortWithResponsesOutstandingFailsExactlyTheUnanswered() throws {
        let f = try StorageSCPTests.Fixture()
        let scp = try WindowedSCP(window: 8, abortAfter: 12, answeredBeforeAbort: 1)
        let paths = try Self.files(f, 24)
        let results = StorageSCU.send(paths: paths, to: Self.destination(scp.port))
        let log = scp.log.withLock { $0 }
        #expect(results.count == 24 && Set(results.map(\.path)) == Set(paths), "each image reported once")
        let answered = Set(log.answered.map(\.0))
        let stored = Set(results.filter(\.succeeded).compactMap(\.sopInstanceUID))
        let notSent = results.filter { !$0.succeeded }
        #expect(stored == answered, "stored exactly what the SCP answered Success")
        #expect(log.associations == 2, "the rest went on a new association")
        #expect(notSent.count >= 3, "at least the 3 requests the SCP read without answering: \(notSent.count)")
        for r in notSent {
            #expect(r.status == nil && r.notSent == .association(transient: true), "\(r)")
            #expect(!answered.contains(r.sopInstanceUID ?? ""))
        }
        #expect(answered.count + notSent.count == 24)
    }

    @Test func withoutAWindowOneRequestIsOutstandingAtATime() throws {
        let f = try StorageSCPTests.Fixture()
        let scp = try WindowedSCP(window: 1)
        let results = StorageSCU.send(paths: try Self.files(f, 5), to: Self.destination(scp.port, window: 1))
        let log = scp.log.withLock { $0 }
        #expect(results.allSatisfy { $0.succeeded })
        #expect(log.mostOutstanding == 1)
        #expect(log.proposed == [nil], "window 1: no sub-item proposed")
    }

    @Test func sendingStopsWhenToldAndTheOutstandingAreStillAnswered() throws {
        let f = try StorageSCPTests.Fixture()
        let scp = try WindowedSCP(window: 8)
        var asked = 0
        let results = StorageSCU.send(paths: try Self.files(f, 20), to: Self.destination(scp.port), shouldContinue: {
            asked += 1
            return asked <= 5
        })
        #expect(results.count == 5 && results.allSatisfy { $0.succeeded }, "\(results)")
        #expect(scp.log.withLock { $0.received.count } == 5)
    }

    @Test func sendItsOwnListenerAcceptsAWindowAndStoresEverything() throws {
        let f = try StorageSCPTests.Fixture { $0.asynchronousOperationsWindow = 4 }
        let a = try Self.proposingEight(to: f)
        #expect(a.operationsWindow == 4, "negotiated down to the listener's window")
        #expect(a.acceptance?.userInformation.asynchronousOperationsWindow == AsynchronousOperationsWindow(maximumInvoked: 4, maximumPerformed: 1))
        try a.release()
        let paths = try Self.files(f, 40)
        var d = f.destination()
        d.asynchronousOperationsWindow = 8
        let results = StorageSCU.send(paths: paths, to: d)
        #expect(results.count == 40 && results.allSatisfy { $0.succeeded }, "\(results.filter { !$0.succeeded })")
        #expect(Set(f.staging.placements.map(\.sopInstanceUID)) == Set((1...40).map { "1.2.3.9.\($0)" }))
    }

    @Test func aListenerWithWindowOneAnswersOneOne() throws {
        let f = try StorageSCPTests.Fixture { $0.asynchronousOperationsWindow = 1 }
        let a = try Self.proposingEight(to: f)
        #expect(a.operationsWindow == 1)
        #expect(a.acceptance?.userInformation.asynchronousOperationsWindow == AsynchronousOperationsWindow(maximumInvoked: 1, maximumPerformed: 1))
        try a.release()
    }

    @Test func theRateLimitSlowsSending() throws {
        let f = try StorageSCPTests.Fixture()
        let paths = try (1...4).map { try f.instance(sop: "1.2.3.8.\($0)", pixels: 500_000) }
        var d = f.destination()
        d.rateLimit = RateLimit(bytesPerSecond: 1_000_000)
        let start = Socket.now()
        let results = StorageSCU.send(paths: paths, to: d)
        let took = Socket.now() - start
        #expect(results.allSatisfy { $0.succeeded })
        // 2 MB at 1 MB/s, less the 256 KiB burst: at least 1.7 s.
        #expect(took > 1.7, "\(took) s")
    }
}

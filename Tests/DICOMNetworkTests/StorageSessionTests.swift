import DICOMCore
import DICOMFile
@testable import DICOMNetwork
import Foundation
import MetricsTestKit
import Synchronization
import Testing

/// StorageSession: associations kept open from one send to the next, against a scripted SCP
/// that counts associations (WindowedSCP) and against sendit's own listener.
@Suite struct StorageSessionTests {
    static func destination(_ port: Int) -> StorageSCU.Destination {
        var d = StorageSCU.Destination(host: "127.0.0.1", port: port, calledAETitle: "SESSION", callingAETitle: "T")
        d.dimseTimeout = 5
        d.connectTimeout = 2
        return d
    }

    /// Sends `slices` on the session and returns every result.
    static func send(_ session: StorageSession, _ slices: [[String]]) -> [StorageSCU.FileResult] {
        let results = Mutex([StorageSCU.FileResult]())
        session.send(slices: slices, progress: { r in results.withLock { $0.append(r) } })
        return results.withLock { $0 }
    }

    static func files(_ f: StorageSCPTests.Fixture, _ range: ClosedRange<Int>) throws -> [String] {
        try range.map { try f.instance(sop: "1.2.3.7.\($0)") }
    }

    @Test func roundsOnOneSessionUseTheSameAssociations() throws {
        let metrics = TestMetrics()
        let f = try StorageSCPTests.Fixture(metrics: ReceiveMetrics(factory: metrics))
        let session = StorageSession(destination: f.destination())
        let first = Self.send(session, [try Self.files(f, 1...3), try Self.files(f, 4...6)])
        #expect(session.openAssociations == 2)
        let second = Self.send(session, [try Self.files(f, 7...8), try Self.files(f, 9...10)])
        let third = Self.send(session, [try Self.files(f, 11...12)])
        let all = first + second + third
        #expect(all.count == 12 && all.allSatisfy { $0.succeeded }, "\(all.filter { !$0.succeeded })")
        #expect(try metrics.expectCounter(ReceiveMetrics.associations).totalValue == 2, "two lanes, each opened once")
        session.close()
        #expect(session.openAssociations == 0)
        #expect(Set(f.staging.placements.map(\.sopInstanceUID)) == Set((1...12).map { "1.2.3.7.\($0)" }))
        #expect(f.staging.placements.count == 12, "each image stored once")
    }

    /// A peer that serves one association at a time sees one for all of a session's sends.
    @Test func aScriptedPeerSeesOneAssociationForManySends() throws {
        let f = try StorageSCPTests.Fixture()
        let scp = try WindowedSCP(window: 1)
        let session = StorageSession(destination: Self.destination(scp.port))
        var results: [StorageSCU.FileResult] = []
        for round in 0..<3 { results += Self.send(session, [try Self.files(f, (round * 2 + 1)...(round * 2 + 2))]) }
        session.close()
        #expect(results.count == 6 && results.allSatisfy { $0.succeeded })
        #expect(scp.log.withLock { $0.associations } == 1)
        #expect(scp.log.withLock { $0.received.count } == 6)
    }

    /// The peer closed a kept association while it was idle (its timeout): the next send opens
    /// a new one and fails nothing.
    @Test func anAssociationThePeerClosedMeanwhileIsReplacedWithoutFailingAnything() throws {
        let f = try StorageSCPTests.Fixture()
        let scp = try WindowedSCP(window: 1, idleTimeout: 1.5)
        let session = StorageSession(destination: Self.destination(scp.port))
        let first = Self.send(session, [try Self.files(f, 1...2)])
        usleep(3_000_000)
        let second = Self.send(session, [try Self.files(f, 3...4)])
        #expect((first + second).allSatisfy { $0.succeeded }, "\((first + second).filter { !$0.succeeded })")
        #expect(scp.log.withLock { $0.associations } == 2)
        session.close()
    }

    /// The peer aborts a kept association on the first request of the next send, before it
    /// answers anything there (it went away between the check and the request): that request
    /// goes again on a new association, reported once, not as a failure.
    @Test func aKeptAssociationThatBreaksBeforeItsFirstAnswerIsRetriedOnANewOne() throws {
        let f = try StorageSCPTests.Fixture()
        // The first association aborts at its third request, answering none of that send.
        let scp = try WindowedSCP(window: 1, abortAfter: 3, answeredBeforeAbort: 0)
        let session = StorageSession(destination: Self.destination(scp.port))
        let first = Self.send(session, [try Self.files(f, 1...2)])
        let paths = try Self.files(f, 3...5)
        let second = Self.send(session, [paths])
        #expect(first.allSatisfy { $0.succeeded })
        #expect(second.count == 3 && second.allSatisfy { $0.succeeded }, "\(second.filter { !$0.succeeded })")
        #expect(Set(second.map(\.path)) == Set(paths), "each reported once")
        let log = scp.log.withLock { $0 }
        #expect(log.associations == 2)
        #expect(log.received.filter { $0 == "1.2.3.7.3" }.count == 2, "the unanswered request went again")
        session.close()
    }

    /// A session proposing a window of 8 to a scripted SCP accepting it whose first association
    /// aborts at its `after`-th request, answering none outstanding then (it answers only after
    /// 2 s without a request, so a slow machine cannot make it answer early).
    static func abortingWithAWindow(after: Int) throws -> (WindowedSCP, StorageSession) {
        let scp = try WindowedSCP(window: 8, abortAfter: after, answeredBeforeAbort: 0, quiet: 2)
        var d = destination(scp.port)
        d.asynchronousOperationsWindow = 8
        return (scp, StorageSession(destination: d))
    }

    /// With a window, every request outstanding on a kept association that breaks before its
    /// first answer goes again on the new one, each reported once.
    @Test func aKeptAssociationWithAWindowPutsEveryOutstandingRequestOnTheNewOne() throws {
        let f = try StorageSCPTests.Fixture()
        // The first association aborts at its sixth request, answering none of the last four.
        let (scp, session) = try Self.abortingWithAWindow(after: 6)
        let first = Self.send(session, [try Self.files(f, 1...2)])
        let paths = try Self.files(f, 3...9)
        let second = Self.send(session, [paths])
        session.close()
        #expect(first.allSatisfy { $0.succeeded })
        #expect(second.count == 7 && Set(second.map(\.path)) == Set(paths), "each reported once")
        #expect(second.allSatisfy { $0.succeeded }, "\(second.filter { !$0.succeeded })")
        let log = scp.log.withLock { $0 }
        #expect(log.associations == 2)
        #expect((3...6).allSatisfy { n in log.received.filter { $0 == "1.2.3.7.\(n)" }.count == 2 }, "the four unanswered went again")
    }

    /// Told to stop, and the kept association breaks: what it had sent is reported not sent and
    /// sent nowhere again, the rest is not sent. (Whether the break or the stop is seen first
    /// is a race: if the break, a new association may be opened, and nothing goes on it.)
    @Test func aStopAndABreakReportWhatWasSentAndSendNothingAgain() throws {
        let f = try StorageSCPTests.Fixture()
        let (scp, session) = try Self.abortingWithAWindow(after: 4)
        let first = Self.send(session, [try Self.files(f, 1...1)])
        let asked = Mutex(0)
        let results = Mutex([StorageSCU.FileResult]())
        session.send(slices: [try Self.files(f, 2...8)], progress: { r in results.withLock { $0.append(r) } },
                     shouldContinue: { asked.withLock { $0 += 1; return $0 <= 3 } })
        session.close()
        let second = results.withLock { $0 }
        #expect(first.allSatisfy { $0.succeeded })
        #expect(second.count == 3 && second.allSatisfy { !$0.succeeded && $0.notSent == .association(transient: true) }, "\(second)")
        let received = scp.log.withLock { $0.received }
        #expect(received.count == 4 && Set(received).count == 4, "nothing sent twice: \(received)")
    }

    /// Files of a SOP class the kept association was not negotiated for go on a new one; the
    /// kept one is released, not left open.
    @Test func filesOfAnotherSOPClassGetANewAssociation() throws {
        let f = try StorageSCPTests.Fixture()
        let scp = try WindowedSCP(window: 1)
        let session = StorageSession(destination: Self.destination(scp.port))
        let ct = Self.send(session, [try Self.files(f, 1...2)])
        var mrPaths: [String] = []
        for n in 1...2 {
            var file = try Part10File.read(path: try f.instance(sop: "1.2.3.6.\(n)"))
            file.dataSet.set(DataElement(tag: .sopClassUID, vr: .UI, string: UID.mrImageStorage.rawValue))
            file.fileMetaInformation.set(DataElement(tag: .mediaStorageSOPClassUID, vr: .UI, string: UID.mrImageStorage.rawValue))
            let path = f.dir.appendingPathComponent("mr-\(n).dcm").path
            try Part10Writer.write(file, to: path)
            mrPaths.append(path)
        }
        let mr = Self.send(session, [mrPaths])
        #expect((ct + mr).allSatisfy { $0.succeeded })
        let log = scp.log.withLock { $0 }
        #expect(log.associations == 2)
        session.close()
    }

    /// Against sendit's own listener: everything stored, once.
    @Test func sendItsOwnListenerStoresEveryRoundOfASession() throws {
        let f = try StorageSCPTests.Fixture()
        let session = StorageSession(destination: f.destination())
        var results: [StorageSCU.FileResult] = []
        for round in 0..<4 {
            results += Self.send(session, [try Self.files(f, (round * 4 + 1)...(round * 4 + 2)),
                                           try Self.files(f, (round * 4 + 3)...(round * 4 + 4))])
        }
        session.close()
        #expect(results.count == 16 && results.allSatisfy { $0.succeeded }, "\(results.filter { !$0.succeeded })")
        #expect(Set(f.staging.placements.map(\.sopInstanceUID)) == Set((1...16).map { "1.2.3.7.\($0)" }))
    }
}

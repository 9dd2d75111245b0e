import DICOMCore
import DICOMDIMSE
import DICOMFile
@testable import DICOMNetwork
import DICOMUpperLayer
import Foundation
import Logging
import Testing

/// The server and the SCU of this package, talking over loopback.
@Suite struct StorageSCPTests {
    final class Fixture {
        let dir: URL
        let staging: RecordingStaging
        let server: DICOMServer
        /// `storageRefusal`: the server's question whether the disk is low (DiskLowTests).
        init(metrics: ReceiveMetrics = ReceiveMetrics(), _ configure: (inout ServerConfiguration) -> Void = { _ in },
             storageRefusal: (@Sendable () -> String?)? = nil) throws {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("sendit-scp-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            var c = ServerConfiguration()
            c.port = 0
            c.bindAddress = "127.0.0.1"
            c.dataFolder = dir.appendingPathComponent("data").path
            c.artimTimeout = 2
            c.shutdownGrace = 1
            configure(&c)
            staging = try RecordingStaging(dataFolder: c.dataFolder, sync: c.sync)
            server = DICOMServer(configuration: c, staging: staging, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
            server.metrics = metrics
            if let storageRefusal { server.storageRefusal = storageRefusal }
            try server.start()
        }
        deinit {
            server.stop()
            try? FileManager.default.removeItem(at: dir)
        }
        var data: String { server.configuration.dataFolder }

        func destination(aec: String = "SENDIT") -> StorageSCU.Destination {
            StorageSCU.Destination(host: "127.0.0.1", port: server.port, calledAETitle: aec, callingAETitle: "TESTSCU")
        }

        /// Writes a small CT instance and returns its path.
        func instance(study: String = "1.2.3.4", sop: String, pixels: Int = 64) throws -> String {
            var ds = DataSet()
            ds.set(DataElement(tag: .sopClassUID, vr: .UI, string: UID.ctImageStorage.rawValue))
            ds.set(DataElement(tag: .sopInstanceUID, vr: .UI, string: sop))
            ds.set(DataElement(tag: .studyInstanceUID, vr: .UI, string: study))
            ds.set(DataElement(tag: .patientName, vr: .PN, string: "Test^Patient"))
            ds.set(DataElement(tag: .pixelData, vr: .OW, bytes: (0..<pixels).map { UInt8($0 & 0xFF) }))
            let path = dir.appendingPathComponent("\(sop)-\(UUID().uuidString).dcm").path
            try Part10Writer.write(Part10File(dataSet: ds, transferSyntax: .explicitVRLittleEndian), to: path)
            return path
        }

        func stored() throws -> [String] {
            guard let walker = FileManager.default.enumerator(atPath: data) else { return [] }
            return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".dcm") }.sorted()
        }

        func contexts() -> [PresentationContextRQ] {
            [PresentationContextRQ(id: 1, abstractSyntax: UID.ctImageStorage.rawValue,
                                   transferSyntaxes: [TransferSyntax.explicitVRLittleEndian.uid.rawValue])]
        }
    }

    /// Each instance is placed once complete, checked and marked complete, with its study; the
    /// staging's folder layout is SenditIntake's (StagingAreaTests).
    @Test func echoAndStoreThroughTheStaging() throws {
        let f = try Fixture()
        let a = try RequestorAssociation(RequestorAssociation.Parameters(
            host: "127.0.0.1", port: f.server.port, callingAETitle: "TESTSCU", calledAETitle: "SENDIT",
            presentationContexts: [PresentationContextRQ(id: 1, abstractSyntax: UID.verification.rawValue, transferSyntaxes: ["1.2.840.10008.1.2"])]))
        #expect(try a.echo() == .success)
        try a.release()

        let paths = [try f.instance(sop: "1.2.3.4.1"), try f.instance(sop: "1.2.3.4.2", pixels: 300_000)]
        let results = StorageSCU.send(paths: paths, to: f.destination())
        #expect(results.allSatisfy { $0.succeeded }, "\(results)")
        let stored = try f.stored()
        #expect(stored.count == 2)
        let placements = f.staging.placements
        #expect(placements.map(\.sopInstanceUID) == ["1.2.3.4.1", "1.2.3.4.2"])
        #expect(placements.allSatisfy { $0.studyInstanceUID == "1.2.3.4" && $0.mode == RecordingStaging.completeMode })
        // The received file: File Meta with the source AE title, the data set as sent.
        let received = try Part10File.read(path: placements[1].path)
        #expect(received.fileMetaInformation.string(.sourceApplicationEntityTitle) == "TESTSCU")
        let original = try Part10File.read(path: paths[1])
        #expect(try DataSetEncoder(explicitVR: true).encode(received.dataSet) == DataSetEncoder(explicitVR: true).encode(original.dataSet))
        #expect(try FileManager.default.contentsOfDirectory(atPath: f.data + "/.incoming").filter { $0.hasSuffix(".part") }.isEmpty)
    }

    /// The sender can be told to stop between files (the delivery stage does once its job is no
    /// longer its own): the rest are neither sent nor reported.
    @Test func sendingStopsWhenTold() throws {
        let f = try Fixture()
        let paths = try (1...4).map { try f.instance(sop: "1.2.3.4.7\($0)") }
        var reported = 0
        let results = StorageSCU.send(paths: paths, to: f.destination(), progress: { _ in reported += 1 },
                                      shouldContinue: { reported < 2 })
        #expect(results.count == 2 && results.allSatisfy(\.succeeded))
        #expect(try f.stored().count == 2)
    }

    @Test func statusesForDataSetsThatAreNotWhatTheCommandSays() throws {
        let f = try Fixture()
        let a = try RequestorAssociation(RequestorAssociation.Parameters(host: "127.0.0.1", port: f.server.port, callingAETitle: "T",
                                                                         calledAETitle: "SENDIT", presentationContexts: f.contexts()))
        let good = try Part10File.read(path: try f.instance(sop: "1.2.3.4.7"))
        let bytes = try DataSetEncoder(explicitVR: true).encode(good.dataSet)
        // The command names another instance: A900.
        let mismatch = try a.store(sopClassUID: UID.ctImageStorage.rawValue, sopInstanceUID: "1.2.3.4.8", contextID: 1) { send in
            try bytes.withUnsafeBytes { try send($0, true) }
        }
        #expect(mismatch.status == .dataSetDoesNotMatchSOPClass && mismatch.errorComment?.isEmpty == false)
        // Bytes that are no data set: C000.
        let junk = try a.store(sopClassUID: UID.ctImageStorage.rawValue, sopInstanceUID: "1.2.3.4.8", contextID: 1) { send in
            try [UInt8](repeating: 0xFF, count: 64).withUnsafeBytes { try send($0, true) }
        }
        #expect(junk.status.code & 0xF000 == 0xC000)
        // A data set cut short (Pixel Data claims more than arrives): C000, never stored.
        let truncated = Array(bytes.dropLast(10))
        let cut = try a.store(sopClassUID: UID.ctImageStorage.rawValue, sopInstanceUID: "1.2.3.4.7", contextID: 1) { send in
            try truncated.withUnsafeBytes { try send($0, true) }
        }
        #expect(cut.status.code & 0xF000 == 0xC000 && cut.errorComment?.contains("incomplete") == true, "\(cut)")
        // And the association still works.
        let ok = try a.store(sopClassUID: UID.ctImageStorage.rawValue, sopInstanceUID: "1.2.3.4.7", contextID: 1) { send in
            try bytes.withUnsafeBytes { try send($0, true) }
        }
        #expect(ok.status == .success)
        try a.release()
        #expect(try f.stored().count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: f.data + "/.incoming").filter { $0.hasSuffix(".part") }.isEmpty)
    }

    @Test func aWriteFailureIsOutOfResourcesNeverSuccess() throws {
        let f = try Fixture()
        // The incoming folder becomes a file: every .part fails to open.
        try FileManager.default.removeItem(atPath: f.data + "/.incoming")
        #expect(FileManager.default.createFile(atPath: f.data + "/.incoming", contents: Data()))
        let results = StorageSCU.send(paths: [try f.instance(sop: "1.2.3.4.10")], to: f.destination())
        #expect(results.first?.status.map { $0.code >= 0xA700 && $0.code <= 0xA7FF } == true)
        #expect(try f.stored().isEmpty)
    }

    @Test func associationPolicyOverTheWire() throws {
        let f = try Fixture { c in
            c.maximumAssociations = 1
            c.allowedCallingAETitles = ["TESTSCU", "T"]
        }
        let p = RequestorAssociation.Parameters(host: "127.0.0.1", port: f.server.port, callingAETitle: "T", calledAETitle: "SENDIT",
                                                presentationContexts: f.contexts())
        func rejection(_ p: RequestorAssociation.Parameters) -> AAssociateRJ? {
            do {
                let a = try RequestorAssociation(p)
                a.abort()
                return nil
            } catch {
                if case .rejected(let rj) = error { return rj }
                Issue.record("\(error)")
                return nil
            }
        }
        var wrongCalled = p
        wrongCalled.calledAETitle = "OTHER"
        #expect(rejection(wrongCalled) == AAssociateRJ(result: 1, source: 1, reason: 7))
        var unknownCaller = p
        unknownCaller.callingAETitle = "STRANGER"
        #expect(rejection(unknownCaller) == AAssociateRJ(result: 1, source: 1, reason: 3))
        // The rejected connections' threads end when the server sees them closed: until then
        // they count against the connection limit (2 × maximumAssociations), and a third
        // connection would be closed unanswered.
        let deadline = Date().addingTimeInterval(5)
        while f.server.liveConnections > 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(f.server.liveConnections == 0)
        let first = try RequestorAssociation(p)
        #expect(rejection(p) == AAssociateRJ(result: 2, source: 3, reason: 2))   // over the limit: transient
        try first.release()
        Thread.sleep(forTimeInterval: 0.1)
        #expect(rejection(p) == nil)
    }

    @Test func aSilentPeerIsDisconnectedAfterARTIM() throws {
        let f = try Fixture { $0.artimTimeout = 0.5 }
        let s = try Socket.connect(host: "127.0.0.1", port: f.server.port, timeout: 2)
        let start = Date()
        var b = [UInt8](repeating: 0, count: 1)
        #expect(throws: NetworkError.closed) {
            try b.withUnsafeMutableBytes { try s.readExactly(into: $0, count: 1, deadline: Socket.now() + 5, what: "test") }
        }
        #expect(Date().timeIntervalSince(start) < 3)
    }

    @Test func sendReportsFilesThatCannotBeSent() throws {
        let f = try Fixture()
        let junk = f.dir.appendingPathComponent("junk.txt").path
        try Data("not dicom".utf8).write(to: URL(fileURLWithPath: junk))
        let results = StorageSCU.send(paths: [junk, try f.instance(sop: "1.2.3.4.11")], to: f.destination())
        #expect(results.count == 2)
        #expect(results.first { $0.path == junk }?.error?.contains("not a DICOM file") == true)
        #expect(results.filter(\.succeeded).count == 1)
        let refused = StorageSCU.send(paths: [try f.instance(sop: "1.2.3.4.12")], to: f.destination(aec: "WRONG"))
        #expect(refused.first?.error?.contains("Called AE title not recognised") == true)
        var down = f.destination()
        down.port = 1
        #expect(StorageSCU.send(paths: [try f.instance(sop: "1.2.3.4.13")], to: down).first?.error?.contains("cannot connect") == true)
    }

    @Test func shutdownLetsAssociationsFinishThenAborts() throws {
        let f = try Fixture { $0.shutdownGrace = 0.5 }
        let a = try RequestorAssociation(RequestorAssociation.Parameters(host: "127.0.0.1", port: f.server.port, callingAETitle: "T",
                                                                         calledAETitle: "SENDIT", presentationContexts: f.contexts()))
        let stopped = DispatchSemaphore(value: 0)
        let start = Date()
        let server = f.server
        Thread.detachNewThread {
            server.stop()
            stopped.signal()
        }
        Thread.sleep(forTimeInterval: 0.1)
        // Within the grace period the association still serves.
        let path = try f.instance(sop: "1.2.3.4.20")
        let bytes = try DataSetEncoder(explicitVR: true).encode(try Part10File.read(path: path).dataSet)
        let rsp = try a.store(sopClassUID: UID.ctImageStorage.rawValue, sopInstanceUID: "1.2.3.4.20", contextID: 1) { send in
            try bytes.withUnsafeBytes { try send($0, true) }
        }
        #expect(rsp.status == .success)
        // Then it is aborted, and the server stops.
        #expect(stopped.wait(timeout: .now() + 10) == .success)
        #expect(Date().timeIntervalSince(start) >= 0.5)
        #expect(throws: RequestorAssociation.Failure.self) { _ = try a.echo() }
        // No new associations are accepted.
        #expect(throws: RequestorAssociation.Failure.self) {
            _ = try RequestorAssociation(RequestorAssociation.Parameters(host: "127.0.0.1", port: f.server.port, callingAETitle: "T",
                                                                         calledAETitle: "SENDIT", presentationContexts: f.contexts()))
        }
    }

    @Test func fragmentsAreEvenForAnOddMaximumLength() {
        #expect(PDUChannel.maximumFragment(16383) == 16376)
        #expect(PDUChannel.maximumFragment(16384) == 16378)
        #expect(PDUChannel.maximumFragment(7) == 2)
        #expect(PDUChannel.maximumFragment(0) % 2 == 0)
    }

    @Test func theSCURefusesATruncatedFileAndPadsAnOddDeflatedOne() throws {
        // The server prefers Deflated, so the deflated file is streamed as it is (not re-encoded).
        let f = try Fixture { $0.transferSyntaxPreference = [TransferSyntax.deflatedExplicitVRLittleEndian.uid.rawValue] }
        let whole = try f.instance(sop: "1.2.3.4.30", pixels: 1000)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: whole))
        let cutPath = f.dir.appendingPathComponent("cut.dcm").path
        try bytes.dropLast(100).write(to: URL(fileURLWithPath: cutPath))
        let refused = StorageSCU.send(paths: [cutPath], to: f.destination())
        #expect(refused.first?.status == nil && refused.first?.error?.contains("incomplete") == true, "\(refused)")
        // A deflated data set whose stream has odd length arrives whole and parses.
        var deflatedPath = ""
        for n in 0..<40 {
            let file = try Part10File.read(path: try f.instance(sop: "1.2.3.4.3\(n + 1)", pixels: 200 + n))
            let encoded = try Part10Writer.encode(file, options: .init(transferSyntax: .deflatedExplicitVRLittleEndian))
            let written = try Part10File.read(bytes: encoded)
            if (encoded.count - Int(written.dataSetOffset)) % 2 == 1 {
                deflatedPath = f.dir.appendingPathComponent("odd-deflated.dcm").path
                try Data(encoded).write(to: URL(fileURLWithPath: deflatedPath))
                break
            }
        }
        try #require(!deflatedPath.isEmpty, "no odd-length deflated stream found to test with")
        let sent = StorageSCU.send(paths: [deflatedPath], to: f.destination())
        #expect(sent.first?.status == .success, "\(sent)")
        let stored = try f.stored()
        let received = try Part10File.read(path: f.data + "/" + stored[0], options: .strict)
        #expect(received.transferSyntax == .deflatedExplicitVRLittleEndian)
        // The odd stream arrived with its NUL pad: an even-length data set (PS3.5 A.5).
        let size = try FileManager.default.attributesOfItem(atPath: f.data + "/" + stored[0])[.size] as! Int
        #expect((size - Int(received.dataSetOffset)) % 2 == 0)
    }
}

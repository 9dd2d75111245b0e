#if canImport(Glibc)
import Glibc
#endif
import DICOMCore
import DICOMFile
import DICOMNetwork
import Foundation
import Logging
@testable import SenditIntake
import IntakeTestSupport
import Testing

/// The staging area: the receiver's folder contract (`<study>.tmp<suffix>` folders, file names
/// from UIDs, recovery of `.incoming` after a crash, the data folder's lock) and finishing quiet
/// folders. The receiver tests run `DICOMNetwork`'s listener over loopback through it.
@Suite struct StagingAreaTests {
    /// The listener storing through a StagingArea on the fixture's data folder, locked and
    /// recovered between opening the port and accepting, as `sendit serve` does.
    final class Receiver {
        let f: IntakeFixture
        let staging: StagingArea
        let server: DICOMServer

        init(_ f: IntakeFixture) throws {
            self.f = f
            (staging, server) = try f.receiver()
        }

        func stop() {
            server.stop()
            staging.unlock()
        }

        var destination: StorageSCU.Destination {
            StorageSCU.Destination(host: "127.0.0.1", port: server.port, calledAETitle: "SENDIT", callingAETitle: "TESTSCU")
        }

        /// Every .dcm under the data folder, relative to it.
        func stored() throws -> [String] {
            guard let walker = FileManager.default.enumerator(atPath: f.data) else { return [] }
            return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".dcm") }.sorted()
        }
    }

    @Test func aReSentInstanceReplacesTheEarlierCopy() throws {
        let f = try IntakeFixture()
        let r = try Receiver(f)
        defer { r.stop() }
        _ = StorageSCU.send(paths: [try f.instance(in: f.root + "/a", study: "1.2.3.4", sop: "1.2.3.4.9", pixels: Array(repeating: 1, count: 16))],
                            to: r.destination)
        _ = StorageSCU.send(paths: [try f.instance(in: f.root + "/b", study: "1.2.3.4", sop: "1.2.3.4.9", pixels: Array(repeating: 2, count: 32))],
                            to: r.destination)
        let stored = try r.stored()
        #expect(stored.count == 1)
        // In its study's staging folder, named after the instance.
        #expect(stored.allSatisfy { $0.hasPrefix("1.2.3.4.tmp") && $0.hasSuffix("/1.2.3.4.9.dcm") }, "\(stored)")
        #expect(try Part10File.read(path: f.data + "/" + stored[0]).dataSet[.pixelData]?.binaryLength == 32)
    }

    @Test func hostileUIDsNeverLeaveTheDataFolder() throws {
        let f = try IntakeFixture()
        let r = try Receiver(f)
        defer { r.stop() }
        let results = StorageSCU.send(paths: [try f.instance(in: f.root + "/source", study: "../../escaped", sop: "1.2.3.4.5"),
                                              try f.instance(in: f.root + "/source", study: "a/b", sop: "1.2.3.4.6")], to: r.destination)
        #expect(results.allSatisfy { $0.succeeded })
        let stored = try r.stored()
        #expect(stored.count == 2)
        #expect(stored.allSatisfy { $0.hasPrefix("x") && !$0.contains("..") && $0.split(separator: "/").count == 2 }, "\(stored)")
        #expect(!FileManager.default.fileExists(atPath: f.root + "/escaped"))
        #expect(StagingArea.fileName(for: "..") != ".." && StagingArea.fileName(for: "1.2.3") == "1.2.3")
    }

    /// After a crash, a complete .part (synced, its response perhaps sent, its rename lost) is
    /// moved into its staging folder at start-up; an incomplete one is removed.
    @Test func startUpRecoversCompletePartsAndRemovesIncompleteOnes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sendit-recover-\(UUID().uuidString)")
        let incoming = dir.appendingPathComponent(".incoming")
        try FileManager.default.createDirectory(at: incoming, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var ds = DataSet()
        ds.set(DataElement(tag: .sopClassUID, vr: .UI, string: UID.ctImageStorage.rawValue))
        ds.set(DataElement(tag: .sopInstanceUID, vr: .UI, string: "1.2.3.4.50"))
        ds.set(DataElement(tag: .studyInstanceUID, vr: .UI, string: "1.2.3.4"))
        ds.set(DataElement(tag: .pixelData, vr: .OW, bytes: [UInt8](repeating: 1, count: 1000)))
        var file = Part10File(dataSet: ds, transferSyntax: .explicitVRLittleEndian)
        file.fileMetaInformation.set(DataElement(tag: .sourceApplicationEntityTitle, vr: .AE, string: "CT1"))
        let bytes = try Part10Writer.encode(file)
        func part(_ name: String, _ data: [UInt8], complete: Bool) throws {
            let url = incoming.appendingPathComponent(name)
            try Data(data).write(to: url)
            chmod(url.path, complete ? StagingArea.completeMode : StagingArea.incompleteMode)
        }
        try part("a.part", bytes, complete: true)
        try part("b.part", Array(bytes.dropLast(100)), complete: false)        // cut by the crash
        // Cut exactly before Pixel Data: it parses cleanly, but was never marked complete.
        let cleanCut = Array(bytes.prefix(bytes.count - 1000 - 12))
        try #require((try? Part10File.read(bytes: cleanCut))?.warnings.isEmpty == true)
        try part("c.part", cleanCut, complete: false)
        let staging = try StagingArea(dataFolder: dir.path)
        try staging.lockAndRecover()
        #expect(staging.recovered.count == 1 && staging.recovered[0].hasSuffix("/1.2.3.4.50.dcm"))
        #expect(staging.recovered[0].contains("/1.2.3.4.tmp"))
        #expect(staging.discarded.count == 2)
        #expect(try FileManager.default.contentsOfDirectory(atPath: incoming.path).filter { $0.hasSuffix(".part") }.isEmpty)
        // A second server on the same data folder is refused before it touches anything.
        let second = try StagingArea(dataFolder: dir.path)
        #expect(throws: FileStoreError.self) { try second.lockAndRecover() }
        staging.unlock()
    }

    @Test func aFinishedFolderNeverReplacesOneStillThere() throws {
        let f = try IntakeFixture()
        try FileManager.default.createDirectory(atPath: f.data + "/1.2.3", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: f.data + "/1.2.3-2", withIntermediateDirectories: true)
        try f.instance(in: f.data + "/1.2.3.tmpff", sop: "1.2.3.1.1")
        let staging = try StagingArea(dataFolder: f.data, sync: false)
        let (none, _) = staging.finishQuietFolders(stableAge: 60)
        #expect(none.isEmpty)
        let (done, errors) = staging.finishQuietFolders(stableAge: 60, now: Date().addingTimeInterval(61))
        #expect(errors.isEmpty && done.map(\.to) == [f.data + "/1.2.3-3"])
        #expect(FileManager.default.fileExists(atPath: f.data + "/1.2.3-3/1.2.3.1.1.dcm"))
    }

    @Test func twoStagingFoldersOfOneStudyLeftByAnEarlierRunAreBothFinished() throws {
        let f = try IntakeFixture()
        try f.instance(in: f.data + "/1.2.3.tmpa", sop: "1.2.3.1.1")
        try f.instance(in: f.data + "/1.2.3.tmpb", sop: "1.2.3.1.2")
        let staging = try StagingArea(dataFolder: f.data, sync: false)
        let (done, errors) = staging.finishQuietFolders(stableAge: 60, now: Date().addingTimeInterval(61))
        #expect(errors.isEmpty && Set(done.map(\.to)) == [f.data + "/1.2.3", f.data + "/1.2.3-2"])
    }

    @Test func onlyTheReceiversOwnStagingFoldersAreFinished() {
        #expect(StagingArea.studyKey(ofStagingFolder: "1.2.3.tmp1a2b") == "1.2.3")
        #expect(StagingArea.studyKey(ofStagingFolder: "xdeadbeef.tmp1") == "xdeadbeef")
        #expect(StagingArea.studyKey(ofStagingFolder: "no-uid.tmpabcdef01") == "no-uid")
        for other in ["1.2.3.tmp", "1.2.3.tmpABC", "1.2.3.tmp123456789", "patient.tmp1", "1.2.3.tmpzz", "1.2.3", ".1.2.tmp1"] {
            #expect(StagingArea.studyKey(ofStagingFolder: other) == nil)
        }
    }
}

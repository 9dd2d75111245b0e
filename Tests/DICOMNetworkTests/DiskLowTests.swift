import DICOMCore
import DICOMDIMSE
import DICOMFile
@testable import DICOMNetwork
import DICOMUpperLayer
import Foundation
import Testing

/// The listener while the disk is low (`DICOMServer.storageRefusal`, which `sendit serve` points
/// at its DiskGuard; here a switch the test flips): associations are rejected as transient,
/// local limit exceeded; a C-STORE is answered A700 and leaves no file; when space returns the
/// same association stores again.
@Suite struct DiskLowTests {
    /// The fake low-space sampler: the reason, or nil; and how often it was asked.
    final class LowSpace: @unchecked Sendable {
        private let lock = NSLock()
        private var reason: String?
        private var asked = 0
        /// Reasons given from this question on (nil: as `set`).
        private var lowFromQuestion: Int?

        func set(_ reason: String?) { lock.withLock { self.reason = reason } }
        func lowFrom(question: Int) { lock.withLock { lowFromQuestion = question } }
        var questions: Int { lock.withLock { asked } }

        func refusal() -> String? {
            lock.withLock {
                asked += 1
                if let from = lowFromQuestion { return asked >= from ? "free disk space below DISK_MIN_FREE: test" : nil }
                return reason
            }
        }
    }

    static let reason = "free disk space below DISK_MIN_FREE: data folder /d has 1.0 MB free of 64.0 MB, needs 40.0 MB"

    func parameters(_ f: StorageSCPTests.Fixture) -> RequestorAssociation.Parameters {
        RequestorAssociation.Parameters(host: "127.0.0.1", port: f.server.port, callingAETitle: "T", calledAETitle: "SENDIT",
                                        presentationContexts: f.contexts())
    }

    func dataSet(_ f: StorageSCPTests.Fixture, sop: String, pixels: Int = 64) throws -> [UInt8] {
        try DataSetEncoder(explicitVR: true).encode(try Part10File.read(path: try f.instance(sop: sop, pixels: pixels)).dataSet)
    }

    func store(_ a: RequestorAssociation, _ bytes: [UInt8], sop: String) throws -> CStoreRSP {
        try a.store(sopClassUID: UID.ctImageStorage.rawValue, sopInstanceUID: sop, contextID: 1) { send in
            try bytes.withUnsafeBytes { try send($0, true) }
        }
    }

    func partFiles(_ f: StorageSCPTests.Fixture) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: f.data + "/.incoming").filter { $0.hasSuffix(".part") }
    }

    @Test func aLowDiskRejectsAssociationsAsTransientLocalLimitExceeded() throws {
        let low = LowSpace()
        low.set(Self.reason)
        let f = try StorageSCPTests.Fixture(storageRefusal: { low.refusal() })
        do {
            let a = try RequestorAssociation(parameters(f))
            a.abort()
            Issue.record("accepted while the disk is low")
        } catch {
            guard case .rejected(let rj) = error else { Issue.record("\(error)"); return }
            // PS3.8 9.3.4: result 2 rejected-transient, source 3 service-provider (presentation),
            // reason 2 local-limit-exceeded: the requestor may try again later.
            #expect(rj == AAssociateRJ(result: 2, source: 3, reason: 2))
            #expect(rj.isTransient)
        }
        #expect(low.questions >= 1)
        // An association that stores nothing (Verification only) is still accepted.
        var echoOnly = parameters(f)
        echoOnly.presentationContexts = [PresentationContextRQ(id: 1, abstractSyntax: UID.verification.rawValue,
                                                               transferSyntaxes: ["1.2.840.10008.1.2"])]
        let echo = try RequestorAssociation(echoOnly)
        #expect(try echo.echo() == .success)
        try echo.release()
        // Space returns: accepted again, and it stores.
        low.set(nil)
        let a = try RequestorAssociation(parameters(f))
        #expect(try store(a, try dataSet(f, sop: "1.2.3.4.22"), sop: "1.2.3.4.22").status == .success)
        try a.release()
    }

    @Test func aCStoreWhileTheDiskIsLowIsOutOfResourcesAndLeavesNoFile() throws {
        let low = LowSpace()
        let f = try StorageSCPTests.Fixture(storageRefusal: { low.refusal() })
        let a = try RequestorAssociation(parameters(f))
        let bytes = try dataSet(f, sop: "1.2.3.4.20")
        low.set(Self.reason)
        let refused = try store(a, bytes, sop: "1.2.3.4.20")
        #expect(refused.status == .refusedOutOfResources, "\(refused)")
        #expect(refused.status.code == 0xA700)
        #expect(refused.errorComment?.hasPrefix("free disk space below DISK_MIN_FREE") == true, "\(refused)")
        #expect(try f.stored().isEmpty)
        #expect(try partFiles(f).isEmpty)
        // Space returns: the same association stores the instance.
        low.set(nil)
        #expect(try store(a, bytes, sop: "1.2.3.4.20").status == .success)
        try a.release()
        #expect(try f.stored().count == 1)
        #expect(f.staging.placements.map(\.sopInstanceUID) == ["1.2.3.4.20"])
    }

    /// A long instance asks again every 16 MiB: the disk running low while it arrives refuses
    /// it (A700) and removes what was written.
    @Test func aLongInstanceIsRefusedWhenTheDiskRunsLowWhileItArrives() throws {
        let low = LowSpace()
        let f = try StorageSCPTests.Fixture(storageRefusal: { low.refusal() })
        let bytes = try dataSet(f, sop: "1.2.3.4.21", pixels: 20 << 20)
        // Question 1: the association; 2: the C-STORE's start; 3: after 16 MiB.
        low.lowFrom(question: 3)
        let a = try RequestorAssociation(parameters(f))
        let refused = try store(a, bytes, sop: "1.2.3.4.21")
        #expect(refused.status == .refusedOutOfResources, "\(refused)")
        #expect(low.questions == 3, "asked \(low.questions) times")
        try a.release()
        #expect(try f.stored().isEmpty)
        #expect(try partFiles(f).isEmpty)
    }
}

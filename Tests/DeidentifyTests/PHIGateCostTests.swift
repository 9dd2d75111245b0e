import DICOMCore
import DICOMFile
@testable import Deidentify
import Foundation
import Testing
import TestSupport

/// What the gate costs per copy, printed (not asserted: the machine's speed varies), on the
/// benchmark's 512 × 512 CT (scripts/make-ct-corpus.py) de-identified by the engine, native and
/// JPEG-compressed. Each copy must pass: a clean output is never refused.
@Suite struct PHIGateCostTests {
    typealias F = PHIGateFixture

    /// Generates two 512 × 512 slices, de-identifies the first with sendit's defaults.
    func deidentifiedCT(_ folder: String) throws -> (original: DataSet, copy: Part10File) {
        try ExternalTools.run(try ExternalTools.python(),
                              [DeidFixture.repository + "/scripts/make-ct-corpus.py", folder, "--count", "2", "--size", "512"])
        var input = try Part10File.read(path: folder + "/ct-512-2/CT000001.dcm")
        input.dataSet = try Deidentifier.loadingText(input.dataSet)
        // The corpus's institution is "Sendit General Hospital", and its procedure code's
        // scheme "99SENDIT": "sendit" is a word of the institution's name (spec 1.5), and the
        // copy that keeps the scheme is rightly refused. Another institution here.
        input.dataSet.set(DataElement(tag: .institutionName, vr: .LO, string: "Springfield General Hospital"))
        let output = try DeidFixture.engine().deidentify(input, identifiers: DeidFixture.identifiers)
        return (input.dataSet, output.file)
    }

    /// The thread's CPU time in nanoseconds: on a machine shared with other work, wall time
    /// measures the others too.
    static func cpuNanoseconds() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }

    /// CPU microseconds per call of `body`, the best of 5 rounds of `n`.
    static func microseconds(_ n: Int, _ body: () throws -> Void) rethrows -> Double {
        var best = Double.infinity
        for _ in 0..<5 {
            let start = cpuNanoseconds()
            for _ in 0..<n { try body() }
            best = min(best, Double(cpuNanoseconds() - start) / Double(n) / 1000)
        }
        return best
    }

    @Test func theCostOfCheckingA512CTCopyNativeAndJPEG() throws {
        let folder = try F.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (original, copy) = try deidentifiedCT(folder)
        let scope = PHIGate.Scope(options: DeidentificationSettings.defaultOptions)
        let native = folder + "/native.dcm"
        try Part10Writer.write(copy, to: native)
        let gate = PHIGate(original: original, scope: scope)
        try gate.check(path: native, finalName: "2.25.1/2.25.2.dcm")

        // The same copy compressed by dcmcjpeg (lossless), put back by the project's writer.
        let jpegByDcmtk = folder + "/dcmtk.dcm", jpeg = folder + "/jpeg.dcm"
        try ExternalTools.run("dcmcjpeg", [native, jpegByDcmtk])
        var compressed = try Part10File.read(path: jpegByDcmtk)
        compressed.dataSet = try Deidentifier.loadingText(compressed.dataSet)
        try Part10Writer.write(compressed, to: jpeg)
        try gate.check(path: jpeg, finalName: "2.25.1/2.25.2.dcm")

        let n = 20
        let construct = PHIGateCostTests.microseconds(n) { _ = PHIGate(original: original, scope: scope) }
        let nativeCost = try PHIGateCostTests.microseconds(n) { try gate.check(path: native, finalName: "2.25.1/2.25.2.dcm") }
        let jpegCost = try PHIGateCostTests.microseconds(n) { try gate.check(path: jpeg, finalName: "2.25.1/2.25.2.dcm") }
        let sizes = try [native, jpeg].map { try FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int ?? 0 }
        print("PHI gate cost, CPU time (\(gate.needles.count) text forms): collecting the needles \(Int(construct)) µs; "
              + "check of a 512×512 CT copy, native (\(sizes[0]) bytes) \(Int(nativeCost)) µs, JPEG lossless (\(sizes[1]) bytes) \(Int(jpegCost)) µs")
    }
}

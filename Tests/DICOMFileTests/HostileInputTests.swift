import DICOMCore
import DICOMFile
import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Input built to break the reader: every failure must be a thrown DICOMReadError, never a
/// crash, a hang, or an allocation the size of a length the input only claims.
@Suite struct HostileInputTests {
    static let both: [ReadOptions] = [.default, .strict]

    @Test func deepNestingIsAnErrorNotAStackOverflow() {
        var b = ByteBuilder()
        for _ in 0..<100_000 {
            b.header(0x0008_1115, .SQ, length: 0xFFFF_FFFF)
            b.item()
        }
        for options in Self.both {
            #expect(throws: DICOMReadError.self) {
                try Part10File.read(bytes: ByteBuilder.part10(b.bytes), options: options)
            }
        }
        do {
            _ = try Part10File.read(bytes: ByteBuilder.part10(b.bytes))
        } catch let e as DICOMReadError {
            #expect(e.reason.contains("nested deeper than 64"))
        } catch { Issue.record("\(error)") }
    }

    @Test func anUndefinedLengthThatNeverEndsStopsAtTheEndOfTheData() throws {
        var b = ByteBuilder()
        b.string(0x0008_0060, .CS, "CT")
        b.header(0x0008_1115, .SQ, length: 0xFFFF_FFFF)
        b.item()
        b.string(0x0008_1150, .UI, "1.2.3")
        let bytes = ByteBuilder.part10(b.bytes)
        let lenient = try Part10File.read(bytes: bytes)
        #expect(lenient.warnings.contains { $0.message.contains("not terminated") })
        #expect(lenient.dataSet[.referencedSeriesSequence]?.items?.first?.string(.referencedSOPClassUID) == "1.2.3")
        #expect(throws: DICOMReadError.self) { try Part10File.read(bytes: bytes, options: .strict) }
    }

    @Test func aForgedHugeLengthAllocatesNothing() throws {
        var b = ByteBuilder()
        b.string(0x0008_0060, .CS, "CT")
        b.header(0x0009_1010, .OB, length: 0xFFFF_FFF0)   // claims 4 GiB, holds 4 bytes
        b.bytes += [1, 2, 3, 4]
        let bytes = ByteBuilder.part10(b.bytes)
        let before = Self.maxResidentBytes()
        let file = try Part10File.read(bytes: bytes)
        #expect(file.dataSet[Tag(0x0009_1010)]?.bytes == [1, 2, 3, 4])
        #expect(file.warnings.contains { $0.message.contains("truncated") })
        #expect(throws: DICOMReadError.self) { try Part10File.read(bytes: bytes, options: .strict) }
        // From a file too: the value would be deferred, but its length is clamped first.
        let dir = try TestEnvironment.temporaryDirectory("hostile")
        let path = dir.appendingPathComponent("forged.dcm").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let fromFile = try Part10File.read(path: path, options: ReadOptions(bulkDataThreshold: 2))
        guard case .binary(.deferred(let loc)) = fromFile.dataSet[Tag(0x0009_1010)]?.value else {
            Issue.record("expected a deferred value")
            return
        }
        #expect(loc.length == 4)
        #expect(Self.maxResidentBytes() - before < 64 << 20)
    }

    @Test func aForgedItemLengthAndFragmentLengthAreClamped() throws {
        var b = ByteBuilder()
        b.header(0x0008_1115, .SQ, length: 0xFFFF_FFFF)
        b.item(length: 0x7FFF_FFFF)
        b.string(0x0008_1150, .UI, "1.2.3")
        let file = try Part10File.read(bytes: ByteBuilder.part10(b.bytes))
        #expect(file.warnings.contains { $0.message.contains("item of") })

        var p = ByteBuilder()
        p.header(0x7FE0_0010, .OB, length: 0xFFFF_FFFF)
        p.item(length: 0)
        p.item(length: 0x7FFF_0000)
        p.bytes += [0xFF, 0xD8]
        let pixels = try Part10File.read(bytes: ByteBuilder.part10(p.bytes, transferSyntax: .jpegBaseline8Bit))
        guard case .fragments(let f) = pixels.dataSet[.pixelData]?.value else {
            Issue.record("expected fragments")
            return
        }
        #expect(f.count == 2 && f[1].inlineBytes == [0xFF, 0xD8])
    }

    @Test func aDeflateBombIsRefused() throws {
        var b = ByteBuilder()
        b.element(0x0009_1010, .OB, [UInt8](repeating: 0, count: 4 << 20))   // 4 MiB of zeros
        let file = try Part10File.read(bytes: ByteBuilder.part10(b.bytes))
        let deflated = try Part10Writer.encode(file, options: .init(transferSyntax: .deflatedExplicitVRLittleEndian))
        #expect(deflated.count < 64 << 10)
        #expect(throws: DICOMReadError.self) {
            try Part10File.read(bytes: deflated, options: ReadOptions(maximumInflatedSize: 1 << 20))
        }
        #expect(try Part10File.read(bytes: deflated).dataSet[Tag(0x0009_1010)]?.binaryLength == 4 << 20)
    }

    @Test func notDICOMAndEmptyInputGetClearErrors() {
        for bytes in [[], [0x00], Array("hello, world: this is not a DICOM file at all".utf8),
                      [UInt8](repeating: 0xFF, count: 300)] {
            do {
                _ = try Part10File.read(bytes: bytes)
                Issue.record("read \(bytes.count) bytes of junk")
            } catch let e as DICOMReadError {
                #expect(e.reason.contains("not a DICOM file"), "\(e)")
            } catch { Issue.record("\(error)") }
        }
    }

    /// Thousands of mutants of real files: truncated, bytes flipped, length fields forged.
    /// Set SENDIT_FUZZ_COUNT and SENDIT_FUZZ_SEED to run longer or replay.
    @Test func mutatedFilesNeverCrashTheReader() throws {
        let env = ProcessInfo.processInfo.environment
        let count = Int(env["SENDIT_FUZZ_COUNT"] ?? "") ?? 4000
        var rng = SplitMix64(seed: UInt64(env["SENDIT_FUZZ_SEED"] ?? "") ?? 20_261_125)
        let seeds = try Self.seedCorpus()
        #expect(seeds.count >= 20)
        let dir = try TestEnvironment.temporaryDirectory("fuzz")
        let path = dir.appendingPathComponent("mutant.dcm").path
        let before = Self.maxResidentBytes()
        var outcomes = [0, 0]   // read, refused
        for i in 0..<count {
            var bytes = seeds[Int(rng.next() % UInt64(seeds.count))]
            Self.mutate(&bytes, &rng)
            for options in [ReadOptions.default, .strict, .headerOnly] {
                do {
                    let file = try Part10File.read(bytes: bytes, options: options)
                    outcomes[0] += 1
                    Self.exercise(file)
                } catch is DICOMReadError {
                    outcomes[1] += 1
                }
            }
            if i % 8 == 0 {   // file-backed, with values deferred
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                if let file = try? Part10File.read(path: path, options: ReadOptions(bulkDataThreshold: 64)) {
                    Self.exercise(file)
                }
            }
        }
        print("fuzz: \(count) mutants, \(outcomes[0]) reads, \(outcomes[1]) refused with DICOMReadError")
        #expect(outcomes[0] > 0 && outcomes[1] > 0)
        #expect(Self.maxResidentBytes() - before < 512 << 20)
    }

    /// Everything a caller may do with a file that was read: decode, dump, encode, write.
    static func exercise(_ file: Part10File) {
        _ = DumpFormatter().format(file)
        _ = try? JSONModelEncoder().encode(file.dataSet)
        for e in file.dataSet {
            _ = e.strings(characterSet: file.dataSet.specificCharacterSet)
            _ = e.personNames()
            _ = e.integers
            _ = e.decimals
            _ = e.dates
            _ = e.times
            _ = e.dateTimes
        }
        _ = try? Part10Writer.encode(file, options: .init(transferSyntax: file.transferSyntax.isEncapsulated ? nil : .implicitVRLittleEndian))
    }

    static func mutate(_ bytes: inout [UInt8], _ rng: inout SplitMix64) {
        guard !bytes.isEmpty else { return }
        let lengths: [UInt32] = [0xFFFF_FFFF, 0xFFFF_FFFE, 0x7FFF_FFFF, 0x8000_0000, 0x0001_0000, 0xFFFF, 1, 3]
        for _ in 0..<(1 + Int(rng.next() % 4)) {
            let at = Int(rng.next() % UInt64(bytes.count))
            switch rng.next() % 6 {
            case 0: bytes.removeLast(bytes.count - at)                                        // truncate
            case 1: bytes[at] ^= UInt8(truncatingIfNeeded: 1 << (rng.next() % 8))             // flip a bit
            case 2: bytes[at] = UInt8(truncatingIfNeeded: rng.next())                         // random byte
            case 3, 4:                                                                        // forge a length
                let l = lengths[Int(rng.next() % UInt64(lengths.count))]
                let p = at & ~1
                for k in 0..<min(4, bytes.count - p) { bytes[p + k] = UInt8(truncatingIfNeeded: l >> (8 * k)) }
            default:                                                                          // duplicate a slice
                let n = min(Int(rng.next() % 64), bytes.count - at)
                bytes.insert(contentsOf: bytes[at..<(at + n)], at: at)
            }
            if bytes.isEmpty { return }
        }
    }

    /// pydicom's small test files, plus files sendit writes with nesting, fragments, deflate.
    static func seedCorpus() throws -> [[UInt8]] {
        var seeds: [[UInt8]] = []
        if let python = TestEnvironment.python {
            for path in try ExternalTools.pydicomTestFiles(python: python) {
                guard let data = FileManager.default.contents(atPath: String(path)), data.count < 96 << 10 else { continue }
                seeds.append(Array(data))
            }
        }
        var b = ByteBuilder()
        b.string(0x0008_0005, .CS, "ISO_IR 100")
        b.string(0x0010_0010, .PN, "Doe^John=ドウ^ジョン")
        b.header(0x0008_1115, .SQ, length: 0xFFFF_FFFF)
        b.item()
        b.header(0x0008_114A, .SQ, length: 0xFFFF_FFFF)
        b.item(length: 14)
        b.string(0x0008_1150, .UI, "1.2.3")
        b.sequenceEnd()
        b.itemEnd()
        b.sequenceEnd()
        b.header(0x7FE0_0010, .OB, length: 0xFFFF_FFFF)
        b.item(length: 0)
        b.item(length: 4)
        b.bytes += [1, 2, 3, 4]
        b.sequenceEnd()
        let nested = ByteBuilder.part10(b.bytes, transferSyntax: .jpegBaseline8Bit)
        seeds.append(nested)
        var n = ByteBuilder()
        n.string(0x0008_0060, .CS, "MR")
        n.element(0x0028_0010, .US, [0, 1])
        n.element(0x7FE0_0010, .OW, [UInt8](repeating: 7, count: 512))
        let native = try Part10File.read(bytes: ByteBuilder.part10(n.bytes))
        for ts in [TransferSyntax.implicitVRLittleEndian, .deflatedExplicitVRLittleEndian, .explicitVRLittleEndian] {
            seeds.append(try Part10Writer.encode(native, options: .init(transferSyntax: ts)))
        }
        return seeds
    }

    static func maxResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }
}

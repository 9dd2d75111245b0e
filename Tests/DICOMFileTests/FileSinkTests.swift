import DICOMCore
import DICOMFile
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Large values left in their file are copied into a FileSink by the kernel (copy_file_range);
/// the result must be byte for byte what the copy through memory gives.
@Suite struct FileSinkTests {
    /// A file with two values large enough to stay in it: Pixel Data, and an odd-length OB
    /// that the writer pads.
    func writeSource(in dir: URL) throws -> String {
        var b = ByteBuilder()
        b.string(0x0008_0016, .UI, "1.2.840.10008.5.1.4.1.1.7")
        b.string(0x0008_0018, .UI, "1.2.3.4")
        b.element(0x0042_0011, .OB, (0..<70_001).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        b.element(0x7FE0_0010, .OW, (0..<300_000).map { UInt8(truncatingIfNeeded: $0 % 251) })
        let path = dir.appendingPathComponent("source.dcm").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data(ByteBuilder.part10(b.bytes))))
        return path
    }

    @Test func aKernelCopyGivesTheBytesACopyThroughMemoryGives() throws {
        let dir = try TestEnvironment.temporaryDirectory("filesink")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = try Part10File.read(path: try writeSource(in: dir))
        for tag in [Tag(group: 0x0042, element: 0x0011), .pixelData] {
            guard case .binary(.deferred) = file.dataSet[tag]?.value else {
                Issue.record("\(tag) was loaded into memory: the test would not reach the copy")
                return
            }
        }
        let out = dir.appendingPathComponent("copy.dcm").path
        let sink = try FileSink(path: out)
        sink.startsWriteback = true
        try Part10Writer.write(file, into: sink)
        try sink.close(sync: true)
        let throughMemory = try Part10Writer.encode(file)
        let written = [UInt8](try Data(contentsOf: URL(fileURLWithPath: out)))
        #expect(written.count == throughMemory.count)
        #expect(written == throughMemory)
        // And the kernel did copy (a sink that cannot would give the same bytes the slow way).
        let direct = try FileSink(path: dir.appendingPathComponent("direct").path)
        #expect(try direct.copy(fromFile: out, offset: 1000, length: 200_000))
        try direct.close(sync: false)
        let copied = [UInt8](try Data(contentsOf: dir.appendingPathComponent("direct")))
        #expect(copied == Array(written[1000..<201_000]))
        let back = try Part10File.read(path: out, options: .strict)
        #expect(back.dataSet[Tag(group: 0x0042, element: 0x0011)]?.binaryLength == 70_002)
        #expect(back.dataSet[.pixelData]?.binaryLength == 300_000)
    }

    /// A copy that cannot finish is undone, and left to the copy through memory.
    @Test func aCopyThatRunsOutOfSourceIsUndone() throws {
        let dir = try TestEnvironment.temporaryDirectory("filesink-undo")
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = try writeSource(in: dir)
        let size = try FileManager.default.attributesOfItem(atPath: source)[.size] as! Int
        let out = dir.appendingPathComponent("out").path
        let sink = try FileSink(path: out)
        try sink.write(Array("0123456789".utf8))
        // 100 bytes are there, 1000 asked for.
        #expect(try sink.copy(fromFile: source, offset: UInt64(size - 100), length: 1000) == false)
        #expect(try sink.copy(fromFile: dir.appendingPathComponent("missing").path, offset: 0, length: 10) == false)
        try sink.write(Array("ab".utf8))
        try sink.close(sync: false)
        #expect([UInt8](try Data(contentsOf: URL(fileURLWithPath: out))) == Array("0123456789ab".utf8))
    }

    @Test func aSourceCutShortIsAnErrorNotAShortCopy() throws {
        let dir = try TestEnvironment.temporaryDirectory("filesink-short")
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = try writeSource(in: dir)
        let file = try Part10File.read(path: source)
        let size = try FileManager.default.attributesOfItem(atPath: source)[.size] as! Int
        #expect(truncate(source, off_t(size - 1000)) == 0)
        let out = dir.appendingPathComponent("copy.dcm").path
        #expect(throws: DICOMReadError.self) { try Part10Writer.write(file, to: out) }
    }
}

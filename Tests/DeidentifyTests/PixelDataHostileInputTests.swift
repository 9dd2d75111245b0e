import DICOMCore
import DICOMFile
@testable import Deidentify
import Foundation
import Testing

/// Real frames of each codec, damaged at random (deterministically): every rebuild either
/// answers or refuses; none traps (a crash would stop the node on a hostile file).
@Suite struct PixelDataHostileInputTests {
    typealias F = PixelDataFixture

    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(max(bound, 1)))
        }
    }

    /// `frame` damaged a few times: bytes changed, cut, repeated, FF bytes and markers put in.
    static func damaged(_ frame: [UInt8], _ g: inout Generator) -> [UInt8] {
        var b = frame
        for _ in 0...g.next(4) {
            guard !b.isEmpty else { break }
            let at = g.next(b.count)
            switch g.next(6) {
            case 0: b[at] = UInt8(g.next(256))
            case 1: b = Array(b[..<at])
            case 2: b.insert(contentsOf: [0xFF, UInt8(g.next(256))], at: at)
            case 3: b.insert(contentsOf: b[at..<min(b.count, at + g.next(40))], at: at)
            case 4: b.removeSubrange(at..<min(b.count, at + g.next(20)))
            default: b[at] = 0xFF
            }
        }
        return b
    }

    static func survive(_ frame: [UInt8], _ rebuild: ([UInt8]) throws -> FrameOutput, seed: UInt64, rounds: Int = 1500) {
        var g = Generator(state: seed)
        var answered = 0
        for _ in 0..<rounds {
            do {
                _ = try rebuild(damaged(frame, &g))
                answered += 1
            } catch is PixelDataRefusal {
            } catch {
                Issue.record("an error that is not a refusal: \(error)")
            }
        }
        #expect(answered > 0)
    }

    @Test func damagedJPEGFramesAreAnsweredOrRefused() throws {
        let dir = try F.temporaryDirectory("hostile-jpeg")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (_, frame, _) = try PixelDataJPEGTests.cjpegFrame(dir, ["-progressive", "-restart", "1"])
        Self.survive(frame, { try JPEGFrameRebuilder.rebuild($0, jpegLS: false) }, seed: 1)
        let (_, frames, _) = try PixelDataJPEGTests.compressed(dir, "dcmcjpls", [])
        Self.survive(frames[0], { try JPEGFrameRebuilder.rebuild($0, jpegLS: true) }, seed: 2)
    }

    @Test func damagedJPEG2000FramesAreAnsweredOrRefused() throws {
        let dir = try F.temporaryDirectory("hostile-j2k")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (codestream, _) = try PixelDataJPEG2000Tests.encode(dir, ["-t", "32,32", "-TP", "R", "-PLT", "-SOP", "-EPH"])
        Self.survive(codestream, { try JPEG2000FrameRebuilder.rebuild($0, part2: false) }, seed: 3)
        let (jp2, _) = try PixelDataJPEG2000Tests.encode(dir, [], jp2: true)
        Self.survive(jp2, { try JPEG2000FrameRebuilder.rebuild($0, part2: true) }, seed: 4)
    }

    @Test func damagedRLEFramesAreAnsweredOrRefused() throws {
        let dir = try F.temporaryDirectory("hostile-rle")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (_, frames, _) = try PixelDataJPEGTests.compressed(dir, "dcmcrle", [])
        Self.survive(frames[0], { try RLEFrameRebuilder.rebuild($0, segments: 2, bytesPerSegment: 45 * 67) }, seed: 5)
    }

    @Test func damagedFragmentListsAreAnsweredOrRefused() throws {
        var g = Generator(state: 6)
        for _ in 0..<3000 {
            let count = g.next(6)
            let lengths = (0..<count).map { _ in UInt64(g.next(40)) }
            let table = (0..<g.next(5)).flatMap { _ in F.le32(g.next(3) == 0 ? g.next(200) : 8 * g.next(6)) }
            let frames = 1 + g.next(4)
            let extended: [UInt64]? = g.next(2) == 0 ? nil : (0..<frames).map { _ in UInt64(g.next(120)) }
            let extendedLengths: [UInt64]? = extended.map { $0.map { _ in UInt64(g.next(60)) } }
            let starts = Set((0..<count).filter { _ in g.next(2) == 0 })
            do {
                let map = try FrameMap.locate(fragmentLengths: lengths, basicOffsetTable: table, extendedOffsets: extended,
                                              extendedLengths: extendedLengths, frameCount: frames,
                                              startsCodestream: { starts.contains($0) })
                #expect(map.frames.count == frames)
                #expect(map.frames.allSatisfy { !$0.isEmpty && $0.lowerBound >= 0 && $0.upperBound <= count })
                #expect(zip(map.frames, map.frames.dropFirst()).allSatisfy { $0.upperBound <= $1.lowerBound })
            } catch is PixelDataRefusal {
            } catch {
                Issue.record("an error that is not a refusal: \(error)")
            }
        }
    }
}

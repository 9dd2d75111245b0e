/// One JPEG 2000 frame (ISO 15444-1; HTJ2K, ISO 15444-15, uses the same codestream syntax)
/// rebuilt from only what decoding needs. A JP2 file (signature box, boxes) is cut to the
/// content of its contiguous codestream box, which is what PS3.5 A.4.4 wants in a fragment.
///
/// Main header: SIZ first, then SIZ, CAP, CPF, COD, COC, QCD, QCC, RGN, POC, PPM, CRG are
/// kept (and, for the Part 2 syntaxes, CBD, MCT, MCC, MCO), COM is left out, TLM too (the
/// tile-part lengths it lists change), and PLM (packet lengths: a pointer a decoder does not
/// need, whose bytes are the sender's). Each tile-part: SOT with Psot recomputed, its header's
/// COD, COC, QCD, QCC, RGN, POC, PPT kept, COM and PLT left out, SOD and the bit stream copied.
/// Then EOC, and nothing after it; a codestream ending after a whole tile-part without EOC
/// gets one. Segments whose layout is fixed by their parameters (SIZ, CAP, COD, COC, QCD,
/// QCC, RGN, POC, CRG) must have that length; any other marker is refused.
struct JPEG2000FrameRebuilder {
    let b: [UInt8]
    let part2: Bool
    private var out: FrameOutput
    private var components = 0

    static func rebuild(_ frame: [UInt8], part2: Bool) throws -> FrameOutput {
        var r = JPEG2000FrameRebuilder(b: frame, part2: part2, out: FrameOutput(capacity: frame.count))
        try r.run(codestream: try JPEG2000FrameRebuilder.codestream(in: frame))
        return r.out
    }

    static let jp2Signature: [UInt8] = [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A]

    private static func refuse(_ reason: String) -> PixelDataRefusal { PixelDataRefusal("JPEG 2000: \(reason)") }
    private func refuse(_ reason: String) -> PixelDataRefusal { Self.refuse(reason) }

    static func hex(_ marker: UInt8) -> String { JPEGFrameRebuilder.hex(marker) }

    func be16(_ i: Int) -> Int { Int(b[i]) << 8 | Int(b[i + 1]) }
    func be32(_ i: Int) -> Int { be16(i) << 16 | be16(i + 2) }

    /// The range of the frame that is the codestream: all of it, or a JP2 file's `jp2c` box
    /// content (ISO 15444-1 I.5.4).
    static func codestream(in b: [UInt8]) throws -> Range<Int> {
        guard b.count >= 12, b[0..<12].elementsEqual(jp2Signature) else { return 0..<b.count }
        func be32(_ i: Int) -> UInt64 { UInt64(b[i]) << 24 | UInt64(b[i + 1]) << 16 | UInt64(b[i + 2]) << 8 | UInt64(b[i + 3]) }
        var p = 0
        while p + 8 <= b.count {
            var length = be32(p), header = 8
            let type = b[(p + 4)..<(p + 8)]
            if length == 1 {
                guard p + 16 <= b.count else { throw refuse("JP2 box at byte \(p) is cut off") }
                length = be32(p + 8) << 32 | be32(p + 12)
                header = 16
            } else if length == 0 {
                length = UInt64(b.count - p)
            }
            guard length >= UInt64(header), length <= UInt64(b.count - p) else {
                throw refuse("JP2 box at byte \(p) runs past the end of the frame")
            }
            if type.elementsEqual(Array("jp2c".utf8)) { return (p + header)..<(p + Int(length)) }
            p += Int(length)
        }
        throw refuse("the JP2 file has no contiguous codestream box")
    }

    private mutating func run(codestream cs: Range<Int>) throws {
        let end = cs.upperBound
        var p = cs.lowerBound
        guard p + 4 <= end, b[p] == 0xFF, b[p + 1] == 0x4F, b[p + 2] == 0xFF, b[p + 3] == 0x51 else {
            throw refuse("the frame does not start with SOC (FF4F) and SIZ (FF51)")
        }
        out.copy(b, p..<(p + 2))
        p += 2
        var main = CodingHeader()
        // Main header, to the first SOT.
        while true {
            let (marker, segment) = try markerSegment(at: p, end: end, in: "main header")
            if marker == 0x90 { break }
            if try keeps(marker, segment, main: true, header: &main) { out.copy(b, segment) }
            p = segment.upperBound
        }
        try checkQuantization(main, defaults: nil)
        // Tile-parts, to EOC.
        while true {
            // The codestream ended after a whole tile-part (perhaps with the zero that pads an
            // odd fragment): see the type's note.
            guard p < end && !(p + 1 == end && b[p] == 0) else {
                out.write([0xFF, 0xD9])
                return
            }
            guard p + 2 <= end, b[p] == 0xFF else { throw refuse("byte \(p - cs.lowerBound) of the codestream is not a marker") }
            if b[p + 1] == 0xD9 {
                out.copy(b, p..<(p + 2))
                return   // anything after EOC is left out
            }
            p = try tilePart(at: p, codestreamStart: cs.lowerBound, end: end, main: main)
        }
    }

    /// One tile-part from its SOT; answers where the next one (or EOC) starts.
    private mutating func tilePart(at start: Int, codestreamStart: Int, end: Int, main: CodingHeader) throws -> Int {
        let place = "tile-part at byte \(start - codestreamStart)"
        guard start + 12 <= end, b[start + 1] == 0x90, be16(start + 2) == 10 else {
            throw refuse("expected SOT (FF90) of length 10 at byte \(start - codestreamStart)")
        }
        let psot = be32(start + 6)
        var p = start + 12
        var header = CodingHeader()
        var kept = FrameOutput(capacity: 64)
        while true {
            let (marker, segment) = try markerSegment(at: p, end: end, in: place)
            if marker == 0x93 { break }
            if try keeps(marker, segment, main: false, header: &header) { kept.copy(b, segment) }
            p = segment.upperBound
        }
        try checkQuantization(header, defaults: main)
        let dataStart = p + 2   // after SOD
        let tileEnd: Int
        if psot != 0 {
            guard psot >= dataStart - start, start + psot <= end else { throw refuse("\(place) runs past the end of the codestream (Psot \(psot))") }
            tileEnd = start + psot
        } else {
            // Psot 0: to EOC. Packet data cannot hold FF followed by 90 or more, except the
            // SOP and EPH markers, so the first such pair ends it.
            var i = dataStart
            while i + 1 < end && !(b[i] == 0xFF && b[i + 1] >= 0x90 && b[i + 1] != 0x91 && b[i + 1] != 0x92) { i += 1 }
            tileEnd = i + 1 < end ? i : end
        }
        let newLength = 12 + kept.bytes.count + 2 + (tileEnd - dataStart)
        guard newLength <= Int(UInt32.max) else { throw refuse("\(place) is too long") }
        let headerUnchanged = kept.bytes.count == p - (start + 12) && (kept.bytes.isEmpty || kept.verbatimRange == (start + 12)..<p)
        if newLength == psot && headerUnchanged {
            out.copy(b, start..<tileEnd)
        } else {
            var sot = Array(b[start..<(start + 12)])
            for k in 0..<4 { sot[6 + k] = UInt8(truncatingIfNeeded: newLength >> (24 - 8 * k)) }
            out.write(sot)
            out.write(kept.bytes)
            out.copy(b, p..<tileEnd)
        }
        return tileEnd
    }

    /// The marker at `p` and its segment (marker through content); for SOT and SOD only the
    /// marker code is checked here.
    private func markerSegment(at p: Int, end: Int, in place: String) throws -> (UInt8, Range<Int>) {
        guard p + 2 <= end, b[p] == 0xFF else { throw refuse("the \(place) ends without SOT or SOD, or holds a stray byte") }
        let marker = b[p + 1]
        if marker == 0x90 || marker == 0x93 { return (marker, p..<(p + 2)) }
        guard p + 4 <= end else { throw refuse("the \(place) ends inside marker \(Self.hex(marker))") }
        let length = be16(p + 2)
        guard length >= 2, p + 2 + length <= end else {
            throw refuse("marker segment \(Self.hex(marker)) in the \(place) (length \(length)) runs past the end of the codestream")
        }
        return (marker, p..<(p + 2 + length))
    }

    /// Decomposition levels and quantization segments of one header, to check the latter.
    struct CodingHeader {
        var levels: Int?
        var componentLevels: [Int: Int] = [:]
        var quantization: [(component: Int?, segment: Range<Int>)] = []
        /// Marker segments read, with their component for those that name one: a header has
        /// at most one of each (ISO 15444-1 A.6).
        var seen = Set<Int>()
    }

    /// Checks one marker segment of a header; true if it is kept, false if it is left out.
    private mutating func keeps(_ marker: UInt8, _ segment: Range<Int>, main: Bool, header: inout CodingHeader) throws -> Bool {
        let length = segment.count - 2
        let c = segment.lowerBound + 4   // first byte after the length
        let name = "\(Self.hex(marker)) in the \(main ? "main" : "tile-part") header"
        let componentBytes = components < 257 ? 1 : 2
        func component(at i: Int) -> Int { componentBytes == 1 ? Int(b[i]) : be16(i) }
        func expect(_ ok: Bool, _ what: String) throws {
            guard ok else { throw refuse("segment \(name) has length \(length), \(what)") }
        }
        // One of each per header, and per component for those that name one (a component
        // that does not exist is refused).
        if [0x51, 0x50, 0x59, 0x52, 0x5C, 0x63, 0x53, 0x5D, 0x5E].contains(marker) {
            var key = Int(marker) << 16
            if [0x53, 0x5D, 0x5E].contains(marker) {
                try expect(length >= 2 + componentBytes, "too short to name a component")
                let c = component(at: segment.lowerBound + 4)
                guard c < components else { throw refuse("segment \(name) names component \(c) of \(components)") }
                key |= c
            }
            guard header.seen.insert(key).inserted else { throw refuse("a second segment \(name)") }
        }
        switch marker {
        case 0x51 where main && components == 0:   // SIZ
            try expect(length >= 38, "too short for SIZ")
            components = be16(segment.lowerBound + 38)
            try expect(components >= 1 && length == 38 + 3 * components, "not 38 + 3 × \(components) components")
        case 0x50 where main:   // CAP
            try expect(length >= 6, "too short for CAP")
            let pcap = UInt32(truncatingIfNeeded: be32(c))
            try expect(length == 6 + 2 * pcap.nonzeroBitCount, "not 6 + 2 per capability")
        case 0x59 where main:   // CPF
            try expect(length >= 4 && length % 2 == 0, "not whole profile words")
        case 0x52:   // COD
            try expect(length >= 12, "too short for COD")
            let levels = Int(b[c + 5])
            try expect(length == 12 + (b[c] & 1 == 1 ? levels + 1 : 0), "not that of COD with \(levels) levels")
            header.levels = levels
        case 0x53:   // COC
            try expect(length >= 8 + componentBytes, "too short for COC")
            let s = c + componentBytes
            let levels = Int(b[s + 1])
            try expect(length == 8 + componentBytes + (b[s] & 1 == 1 ? levels + 1 : 0), "not that of COC with \(levels) levels")
            header.componentLevels[component(at: c)] = levels
        case 0x5C:   // QCD
            try expect(length >= 4, "too short for QCD")
            header.quantization.append((nil, segment))
        case 0x5D:   // QCC
            try expect(length >= 4 + componentBytes, "too short for QCC")
            header.quantization.append((component(at: c), segment))
        case 0x5E:   // RGN
            try expect(length == 4 + componentBytes, "not that of RGN")
        case 0x5F:   // POC
            let entry = 5 + 2 * componentBytes
            try expect(length > 2 && (length - 2) % entry == 0, "not whole progression changes of \(entry) bytes")
        case 0x63 where main:   // CRG
            try expect(length == 2 + 4 * components, "not 2 + 4 × \(components) components")
        case 0x60 where main, 0x61 where !main:   // PPM, PPT: packet headers, which decoding needs
            try expect(length >= 3, "too short")
        case 0x57 where main, 0x58 where !main:   // PLM, PLT: optional pointers (ISO 15444-1 A.7.2, A.7.3)
            return false
        case 0x74, 0x75, 0x77, 0x78:   // MCT, MCC, MCO, CBD (Part 2)
            guard part2 else { throw refuse("Part 2 marker \(name) in a Part 1 codestream") }
        case 0x64:   // COM
            return false
        case 0x55 where main:   // TLM
            return false
        default:
            throw refuse("marker \(name) is not one a codestream may carry there")
        }
        return true
    }

    /// QCD and QCC give one entry per subband: 3 × levels + 1 (ISO 15444-1 A.6.4), of one byte
    /// without quantization, two with scalar expounded; scalar derived gives one entry. The
    /// levels are those of the same header's COD/COC, else of the main header's.
    private func checkQuantization(_ header: CodingHeader, defaults main: CodingHeader?) throws {
        guard !part2 else { return }   // Part 2 allows other decompositions
        let defaultLevels = header.levels ?? main?.levels
        func levels(of component: Int) -> Int? {
            header.componentLevels[component] ?? header.levels ?? main?.componentLevels[component] ?? main?.levels
        }
        for (component, segment) in header.quantization {
            let componentBytes = component == nil ? 0 : (components < 257 ? 1 : 2)
            let style = b[segment.lowerBound + 4 + componentBytes] & 0x1F
            let entries = segment.count - 5 - componentBytes
            var allowed = Set<Int>()
            if let component {
                if let l = levels(of: component) { allowed.insert(l) }
            } else {
                // QCD serves every component without a QCC, whatever its levels.
                allowed.formUnion(header.componentLevels.values)
                allowed.formUnion(main?.componentLevels.values.map { $0 } ?? [])
                if let defaultLevels { allowed.insert(defaultLevels) }
            }
            let subbands = Set(allowed.map { 3 * $0 + 1 })
            let ok: Bool
            switch style {
            case 0: ok = subbands.isEmpty ? entries >= 1 : subbands.contains(entries)
            case 1: ok = entries == 2
            case 2: ok = entries % 2 == 0 && (subbands.isEmpty ? entries >= 2 : subbands.contains(entries / 2))
            default: ok = false
            }
            guard ok else {
                throw refuse("quantization segment \(Self.hex(b[segment.lowerBound + 1])) at byte \(segment.lowerBound) has "
                             + "\(entries) bytes of step sizes, not one entry per subband")
            }
        }
    }
}

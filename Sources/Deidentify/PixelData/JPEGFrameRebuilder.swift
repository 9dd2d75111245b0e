/// One JPEG (ISO 10918-1, T.81) or JPEG-LS (ISO 14495-1, T.87) frame rebuilt from only what
/// decoding needs: SOI; the frame header (SOFn, SOF55); the tables (DQT, DHT, DAC, LSE) that a
/// scan uses (see `JPEGTables`), and DRI; each scan header (SOS) with its entropy-coded data
/// copied verbatim (with its RSTn); DNL; EOI. A JFIF APP0 is kept without its thumbnail, an
/// Adobe APP14 as its fixed 12 bytes (the colour transform a decoder reads there). Every COM
/// and every other APPn is left out wherever it stands, so are fill bytes and anything after
/// EOI. Each kept segment's length must match its content; a segment that runs past the frame
/// is refused.
///
/// A frame that ends in or just after a scan without EOI gets one (decoders accept such frames
/// with a warning; the EOI adds no information). A frame that ends before any scan is refused.
struct JPEGFrameRebuilder {
    let b: [UInt8]
    let jpegLS: Bool
    private var pieces: [Piece] = []
    private var tables = JPEGTables()
    /// The frame header's marker: the coding process.
    private var process: UInt8?
    /// Each frame component's quantization table.
    private var quantizationTable: [UInt8: Int] = [:]
    private var scans = 0
    private var jfifSeen = false
    private var adobeSeen = false

    private enum Piece {
        case copy(Range<Int>)
        case write([UInt8])
        /// A table segment (marker through content), by its number in `tables`.
        case tables(Int, marker: UInt8, Range<Int>)
    }

    init(b: [UInt8], jpegLS: Bool) {
        self.b = b
        self.jpegLS = jpegLS
    }

    static func rebuild(_ frame: [UInt8], jpegLS: Bool) throws -> FrameOutput {
        var r = JPEGFrameRebuilder(b: frame, jpegLS: jpegLS)
        try r.run()
        return r.output()
    }

    private var codec: String { jpegLS ? "JPEG-LS" : "JPEG" }

    static func hex(_ marker: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return "FF" + String(digits[Int(marker >> 4)]) + String(digits[Int(marker & 0x0F)])
    }

    private func refuse(_ reason: String) -> PixelDataRefusal { PixelDataRefusal("\(codec): \(reason)") }

    /// The pieces, with each table segment cut to the tables a scan uses.
    private func output() -> FrameOutput {
        var out = FrameOutput(capacity: b.count)
        for piece in pieces {
            switch piece {
            case .copy(let range):
                out.copy(b, range)
            case .write(let bytes):
                out.write(bytes)
            case .tables(let i, let marker, let range):
                let used = tables.usedTables(of: i)
                if used.count == tables.segments[i].count {
                    out.copy(b, range)
                } else if !used.isEmpty {
                    let body = used.flatMap { b[$0.range] }
                    out.write([0xFF, marker, UInt8((body.count + 2) >> 8), UInt8((body.count + 2) & 0xFF)] + body)
                }
            }
        }
        return out
    }

    private mutating func run() throws {
        let n = b.count
        guard n >= 2, b[0] == 0xFF, b[1] == 0xD8 else { throw refuse("the frame does not start with Start of Image (FFD8)") }
        pieces.append(.copy(0..<2))
        var p = 2
        while true {
            guard p < n else { return try endWithoutEOI(at: p) }
            guard b[p] == 0xFF else { throw refuse("byte \(p) of the frame is outside any marker segment") }
            var q = p
            while q + 1 < n && b[q + 1] == 0xFF { q += 1 }   // fill bytes: left out
            guard q + 1 < n else { return try endWithoutEOI(at: p) }
            let marker = b[q + 1], at = q
            p = q + 2
            switch marker {
            case 0xD9:
                guard process != nil && scans > 0 else { throw refuse("End of Image at byte \(at) before any scan") }
                pieces.append(.copy(at..<p))
                return   // anything after EOI is left out
            case 0xD8:
                throw refuse("a second Start of Image at byte \(at)")
            case 0xD0...0xD7:
                throw refuse("restart marker \(Self.hex(marker)) at byte \(at) outside a scan")
            case 0x01:
                continue   // TEM: a marker without parameters that decoding does not use
            default:
                break
            }
            guard p + 2 <= n else { throw refuse("the frame ends inside marker \(Self.hex(marker)) at byte \(at)") }
            let length = Int(b[p]) << 8 | Int(b[p + 1])
            guard length >= 2, p + length <= n else {
                throw refuse("marker segment \(Self.hex(marker)) at byte \(at) (length \(length)) runs past the end of the frame")
            }
            let segment = at..<(p + length)
            let content = (p + 2)..<(p + length)
            p += length
            switch try handle(marker, segment, content) {
            case .next: break
            case .marker(let next): p = next
            case .end: return
            }
        }
    }

    /// What follows a marker segment.
    private enum Next {
        /// The next marker segment.
        case next
        /// A scan's entropy-coded data, up to the marker at this offset.
        case marker(Int)
        /// A scan's entropy-coded data to the end of the frame (an EOI was added).
        case end
    }

    /// Keeps, rebuilds or leaves out one marker segment (`segment` from its marker on).
    private mutating func handle(_ marker: UInt8, _ segment: Range<Int>, _ content: Range<Int>) throws -> Next {
        let length = segment.count - 2
        let name = "\(Self.hex(marker)) at byte \(segment.lowerBound)"
        switch marker {
        case 0xC0, 0xC1, 0xC2, 0xC3, 0xC9, 0xCA, 0xCB, 0xF7:
            guard (marker == 0xF7) == jpegLS else {
                throw refuse("frame header \(name) is not of this transfer syntax's coding process")
            }
            guard process == nil else { throw refuse("a second frame header \(name)") }
            guard content.count >= 6 else { throw refuse("frame header \(name) is too short") }
            let components = Int(b[content.lowerBound + 5])
            guard components >= 1, length == 8 + 3 * components else {
                throw refuse("frame header \(name) has length \(length), not 8 + 3 × \(components) components")
            }
            for i in 0..<components {
                let c = content.lowerBound + 6 + 3 * i
                quantizationTable[b[c]] = Int(b[c + 2])
            }
            process = marker
            pieces.append(.copy(segment))
        case 0xC5, 0xC6, 0xC7, 0xCD, 0xCE, 0xCF, 0xDE, 0xDF:
            throw refuse("hierarchical JPEG (\(name)) is not rebuilt")
        case 0xDB, 0xC4, 0xCC, 0xF8:
            guard marker != 0xF8 || jpegLS else { throw refuse("JPEG-LS preset parameters \(name) in a JPEG frame") }
            let prefix = "\(codec): segment \(name): "
            if let i = try tables.read(marker, b, content, refuse: { PixelDataRefusal(prefix + $0) }) {
                pieces.append(.tables(i, marker: marker, segment))
            } else {
                pieces.append(.copy(segment))
            }
        case 0xDD:
            guard length == 4 || (jpegLS && (length == 5 || length == 6)) else {
                throw refuse("restart interval \(name) has length \(length)")
            }
            pieces.append(.copy(segment))
        case 0xDC:
            guard scans > 0 else { throw refuse("define number of lines \(name) before the first scan") }
            guard length == 4 || (jpegLS && (length == 5 || length == 6)) else {
                throw refuse("define number of lines \(name) has length \(length)")
            }
            pieces.append(.copy(segment))
        case 0xDA:
            guard process != nil else { throw refuse("start of scan \(name) before the frame header") }
            let components = content.isEmpty ? 0 : Int(b[content.lowerBound])
            guard (1...4).contains(components), length == 6 + 2 * components else {
                throw refuse("start of scan \(name) has length \(length), not 6 + 2 × \(components) components")
            }
            try useTables(scan: content, name)
            pieces.append(.copy(segment))
            scans += 1
            guard let next = copyEntropyCodedData(from: segment.upperBound) else {
                pieces.append(.write([0xFF, 0xD9]))   // the frame ended in the scan: see the type's note
                return .end
            }
            return .marker(next)
        case 0xE0:
            if !jfifSeen && process == nil && length >= 16 && starts(content, with: Array("JFIF\0".utf8)) {
                jfifSeen = true
                // Identifier, version, units, densities; no thumbnail (Xthumbnail, Ythumbnail 0).
                let fixed = content.lowerBound..<(content.lowerBound + 12)
                if length == 16 && b[content.lowerBound + 12] == 0 && b[content.lowerBound + 13] == 0 {
                    pieces.append(.copy(segment))
                } else {
                    pieces.append(.write([0xFF, 0xE0, 0x00, 0x10] + b[fixed] + [0, 0]))
                }
            }
        case 0xEE:
            if !adobeSeen && scans == 0 && length >= 14 && starts(content, with: Array("Adobe".utf8)) {
                adobeSeen = true
                // Identifier, version, flags0, flags1, colour transform.
                if length == 14 {
                    pieces.append(.copy(segment))
                } else {
                    pieces.append(.write([0xFF, 0xEE, 0x00, 0x0E] + b[content.lowerBound..<(content.lowerBound + 12)]))
                }
            }
        case 0xE1...0xEF, 0xFE:
            break   // other APPn and COM: left out
        default:
            throw refuse("marker \(name) is not one a \(codec) frame may carry")
        }
        return .next
    }

    /// Marks the tables a scan decodes with (T.81 B.2.3, G.1.2; T.87 C.2.3): the quantization
    /// table of each component in the DCT processes; the DC and AC Huffman or conditioning
    /// tables its selectors name, as far as the process and the progression step use them;
    /// JPEG-LS mapping tables.
    private mutating func useTables(scan content: Range<Int>, _ name: String) throws {
        let c = content.lowerBound
        let count = Int(b[c])
        let after = c + 1 + 2 * count   // Ss, Se, Ah/Al (JPEG-LS: NEAR, ILV, Al/Ah)
        let dcOnly = b[after] == 0, refinement = b[after + 2] >> 4 != 0
        for i in 0..<count {
            let component = b[c + 1 + 2 * i], selectors = b[c + 2 + 2 * i]
            guard let quantization = quantizationTable[component] else {
                throw refuse("start of scan \(name) names component \(component), which the frame header does not")
            }
            if jpegLS {
                if selectors != 0 { tables.use(.mapping(Int(selectors))) }
                continue
            }
            let dc = Int(selectors >> 4), ac = Int(selectors & 0x0F)
            switch process {
            case 0xC0, 0xC1:
                tables.use(.quantization(quantization))
                tables.use(.huffman(tableClass: 0, id: dc))
                tables.use(.huffman(tableClass: 1, id: ac))
            case 0xC2:
                tables.use(.quantization(quantization))
                if !dcOnly { tables.use(.huffman(tableClass: 1, id: ac)) } else if !refinement { tables.use(.huffman(tableClass: 0, id: dc)) }
            case 0xC3:
                tables.use(.huffman(tableClass: 0, id: dc))
            case 0xC9:
                tables.use(.quantization(quantization))
                tables.use(.conditioning(tableClass: 0, id: dc))
                tables.use(.conditioning(tableClass: 1, id: ac))
            case 0xCA:
                tables.use(.quantization(quantization))
                if !dcOnly { tables.use(.conditioning(tableClass: 1, id: ac)) } else if !refinement {
                    tables.use(.conditioning(tableClass: 0, id: dc))
                }
            default:   // 0xCB, lossless arithmetic
                tables.use(.conditioning(tableClass: 0, id: dc))
            }
        }
    }

    private mutating func endWithoutEOI(at p: Int) throws {
        guard process != nil && scans > 0 else { throw refuse("the frame ends at byte \(p) before any scan") }
        pieces.append(.write([0xFF, 0xD9]))
    }

    private func starts(_ content: Range<Int>, with prefix: [UInt8]) -> Bool {
        content.count >= prefix.count && b[content.lowerBound..<(content.lowerBound + prefix.count)].elementsEqual(prefix)
    }

    /// Copies a scan's entropy-coded data from `start`: everything up to the marker that ends
    /// it, stuffed bytes and restart markers included, fill bytes before a marker left out.
    /// Answers where that marker starts; nil if the frame ends first. In JPEG, FF 00 is a
    /// stuffed FF; in JPEG-LS, FF followed by a byte below 80 is data (T.87 A.1).
    private mutating func copyEntropyCodedData(from start: Int) -> Int? {
        let n = b.count
        var piece = start, i = start
        while true {
            guard let ff = b.withUnsafeBufferPointer({ nextFF($0, from: i) }) else {
                pieces.append(.copy(piece..<n))
                return nil
            }
            guard ff + 1 < n else {
                pieces.append(.copy(piece..<ff))   // a marker cut off at the end: left out
                return nil
            }
            let next = b[ff + 1]
            if (next == 0x00 && !jpegLS) || (next < 0x80 && jpegLS) || (0xD0...0xD7).contains(next) {
                i = ff + 2
                continue
            }
            pieces.append(.copy(piece..<ff))
            if next == 0xFF {
                var last = ff + 1
                while last + 1 < n && b[last + 1] == 0xFF { last += 1 }
                guard last + 1 < n else { return nil }
                if (0xD0...0xD7).contains(b[last + 1]) {
                    piece = last
                    i = last + 2
                    continue
                }
                return last
            }
            return ff
        }
    }

    private func nextFF(_ buffer: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        var i = from
        while i < buffer.count {
            if buffer[i] == 0xFF { return i }
            i += 1
        }
        return nil
    }
}

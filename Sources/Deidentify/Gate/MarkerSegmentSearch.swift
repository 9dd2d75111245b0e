/// The bytes of encapsulated frames that are not sample data: JPEG and JPEG-LS marker segments
/// (quantization and Huffman tables, frame and scan headers, LSE mapping tables, restart
/// intervals…), JPEG 2000 main and tile-part headers (PPM, PPT…) and JP2 boxes, RLE headers.
/// The byte search reads them as UTF-8; decoding needs many of them, so the engine keeps them,
/// and their values are of the sender's choosing. Here they are also read as Latin-1, as UTF-8
/// folded, and as UTF-16 in both byte orders from either byte (a table's text need not start
/// on an even offset), like a binary value, against the needles of 4 characters or more.
/// These ranges are headers: small beside the frames they describe.
enum MarkerSegmentSearch {
    /// The first needle found in `b[r]` read in those encodings, or nil.
    static func firstMatch(_ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, gate: PHIGate) -> GateNeedle? {
        guard !gate.binary.isEmpty, r.count >= 4 else { return nil }
        let raw = UnsafeBufferPointer(rebasing: b[r])
        var readings: [[UInt8]] = []
        if raw.contains(where: { $0 >= 0x80 }) {
            readings.append(GateFolding.fold(latin1: UnsafeRawBufferPointer(raw)).both)
            readings.append(GateFolding.fold(String(decoding: raw, as: UTF8.self)).both)
        }
        if raw.count >= 8 {
            for start in 0..<2 {
                for bigEndian in [false, true] {
                    var units: [UInt16] = []
                    units.reserveCapacity(raw.count / 2)
                    var k = start
                    while k + 1 < raw.count {
                        let (h, l) = bigEndian ? (raw[k], raw[k + 1]) : (raw[k + 1], raw[k])
                        units.append(UInt16(h) << 8 | UInt16(l))
                        k += 2
                    }
                    readings.append(GateFolding.fold(String(decoding: units, as: UTF16.self)).both)
                }
            }
        }
        for reading in readings {
            let found = reading.withUnsafeBufferPointer { t in gate.binary.firstMatch(in: t, from: 0, to: t.count) }
            if let (n, _) = found { return n }
        }
        return nil
    }
}

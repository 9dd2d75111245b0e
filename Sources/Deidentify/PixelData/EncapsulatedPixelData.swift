import DICOMCore
import DICOMFile

/// Encapsulated Pixel Data (PS3.5 A.4) rebuilt a frame at a time: the fragments of each frame
/// found (`FrameMap`), the frame rebuilt by its codec, written as one fragment; fragments
/// belonging to no frame left out; the Basic Offset Table made anew from the frames (empty
/// if an offset would not fit 32 bits, and left empty for a single frame that had none); the
/// Extended Offset Table and its lengths removed. A frame that comes out as one unbroken
/// stretch of its single source fragment stays in the source file (cut if need be).
enum EncapsulatedPixelData {
    /// Rebuilds `dataSet`'s Pixel Data (7FE0,0010); true if anything changed.
    static func rebuild(_ dataSet: inout DataSet, encoding: PixelDataEncoding, spool: PixelDataSpool?) throws -> Bool {
        guard let element = dataSet[.pixelData] else { return false }
        guard case .fragments(let items) = element.value, let table = items.first else {
            throw PixelDataRefusal("Pixel Data \(Tag.pixelData) is not encapsulated, as its transfer syntax requires")
        }
        let fragments = Array(items.dropFirst())
        let description = ImagePixelDescription(dataSet)
        let frameCount = try description.frames()
        let codec = try FrameCodec(encoding, description)
        // A table of another size than one offset per frame is not used (nor loaded).
        let oldTable = table.length == UInt64(4 * frameCount) ? try table.load() : nil
        let extendedOffsets = try numbers(dataSet[.extendedOffsetTable])
        let map = try FrameMap.locate(fragmentLengths: fragments.map(\.length), basicOffsetTable: oldTable ?? [],
                                      extendedOffsets: extendedOffsets,
                                      extendedLengths: try numbers(dataSet[.extendedOffsetTableLengths]),
                                      frameCount: frameCount,
                                      startsCodestream: { try codec.startsCodestream(fragments[$0].prefix(16)) })

        var rebuilt: [BinaryValue] = []
        var unchanged = map.frames.count == fragments.count
        for (k, range) in map.frames.enumerated() {
            let frame = try load(fragments[range])
            let output: FrameOutput
            do {
                output = try codec.rebuild(frame)
            } catch let refusal as PixelDataRefusal {
                throw refusal.within("frame \(k + 1) of \(frameCount)")
            }
            if range.count == 1, let kept = output.verbatimRange {
                let source = fragments[range.lowerBound]
                // All of it, or all but the zero that pads an odd frame (the writer pads the same).
                let padded = frame.count % 2 == 0 && frame.last == 0 && kept == 0..<(frame.count - 1)
                if kept == 0..<frame.count || padded {
                    rebuilt.append(source)
                    continue
                }
                unchanged = false
                if case .deferred(let loc) = source {
                    rebuilt.append(.deferred(BulkDataLocation(path: loc.path, offset: loc.offset + UInt64(kept.lowerBound),
                                                              length: UInt64(kept.count))))
                    continue
                }
            }
            unchanged = false
            var value = ValueBuilder(spool: spool)
            try value.append(output.bytes)
            rebuilt.append(value.finish())
        }

        let newTable = basicOffsetTable(rebuilt, keepEmpty: frameCount == 1 && table.length == 0)
        let hadExtended = dataSet.contains(.extendedOffsetTable) || dataSet.contains(.extendedOffsetTableLengths)
        if unchanged && !hadExtended && oldTable.map({ $0 == newTable }) ?? (table.length == 0 && newTable.isEmpty) {
            return false
        }
        dataSet.set(DataElement(tag: .pixelData, vr: element.vr, value: .fragments([.inline(newTable)] + rebuilt),
                                hasUndefinedLength: true))
        dataSet.remove(.extendedOffsetTable)
        dataSet.remove(.extendedOffsetTableLengths)
        return true
    }

    /// One offset per frame, from the first fragment item; empty if one would not fit 32 bits
    /// (PS3.5 A.4: the Extended Offset Table would be needed, and it is not made).
    static func basicOffsetTable(_ frames: [BinaryValue], keepEmpty: Bool) -> [UInt8] {
        guard !keepEmpty else { return [] }
        var table: [UInt8] = []
        table.reserveCapacity(4 * frames.count)
        var offset: UInt64 = 0
        for f in frames {
            guard offset <= UInt64(UInt32.max) else { return [] }
            withUnsafeBytes(of: UInt32(offset).littleEndian) { table.append(contentsOf: $0) }
            offset += 8 + f.length + (f.length & 1)   // the writer pads an odd fragment
        }
        return table
    }

    /// A frame's fragments, one after the other.
    static func load(_ fragments: ArraySlice<BinaryValue>) throws -> [UInt8] {
        if fragments.count == 1, let only = fragments.first { return try only.load() }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(fragments.reduce(0) { $0 + $1.length }))
        for f in fragments { bytes.append(contentsOf: try f.load()) }
        return bytes
    }

    /// The 64-bit little-endian values of an OV element (the Extended Offset Table and its lengths).
    static func numbers(_ element: DataElement?) throws -> [UInt64]? {
        guard let element, case .binary(let value) = element.value else { return nil }
        let bytes = try value.load()
        return stride(from: 0, to: bytes.count - bytes.count % 8, by: 8).map { i in
            (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[i + $1]) << UInt64(8 * $1) }
        }
    }
}

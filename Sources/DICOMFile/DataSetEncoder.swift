import DICOMCore

/// Encodes a data set in Explicit or Implicit VR Little Endian (PS3.5 7). Sequences and items
/// keep the defined or undefined length they were read with; defined lengths and any group
/// length elements present are computed. Odd-length values are padded with their VR's padding
/// byte. Values left in a source file are streamed from it in chunks, never loaded whole.
public struct DataSetEncoder {
    public let explicitVR: Bool

    public init(explicitVR: Bool) { self.explicitVR = explicitVR }

    static let undefined: UInt32 = 0xFFFF_FFFF
    static let streamChunk = 1 << 20

    public func encode(_ dataSet: DataSet, into sink: ByteSink) throws {
        var scratch = EncodeBuffer()
        try write(dataSet, explicit: explicitVR, into: sink, scratch: &scratch)
        try scratch.flush(into: sink)
    }

    public func encode(_ dataSet: DataSet) throws -> [UInt8] {
        let sink = MemorySink()
        try encode(dataSet, into: sink)
        return sink.bytes
    }

    /// The number of bytes `encode` writes for the data set.
    public func encodedLength(of dataSet: DataSet) -> UInt64 { length(of: dataSet, explicit: explicitVR) }

    // MARK: lengths

    func length(of dataSet: DataSet, explicit: Bool) -> UInt64 {
        dataSet.elements.reduce(0) { $0 + length(of: $1, explicit: explicit) }
    }

    func length(of e: DataElement, explicit: Bool) -> UInt64 {
        let (vr, valueLength) = header(for: e, explicit: explicit)
        let headerSize: UInt64 = explicit && vr.hasLongExplicitLength ? 12 : 8
        switch e.value {
        case .binary:
            return headerSize + UInt64(valueLength)
        case .sequence(let items):
            let content = contentLength(items: items, explicit: itemsExplicit(vr: e.vr, explicit: explicit))
            return headerSize + content + (e.hasUndefinedLength ? 8 : 0)
        case .fragments(let fragments):
            return headerSize + fragments.reduce(8) { $0 + 8 + padded($1.length) }
        }
    }

    func contentLength(items: [DataSet], explicit: Bool) -> UInt64 {
        items.reduce(0) { $0 + 8 + length(of: $1, explicit: explicit) + ($1.hasUndefinedLength ? 8 : 0) }
    }

    func padded(_ n: UInt64) -> UInt64 { n + (n & 1) }

    /// Items of an undefined-length UN are encoded in Implicit VR Little Endian (CP-246).
    func itemsExplicit(vr: VR, explicit: Bool) -> Bool { vr == .UN ? false : explicit }

    /// The VR and value length field to write. In explicit VR a value too long for its VR's
    /// 16-bit length field is written as UN (PS3.5 6.2.2).
    func header(for e: DataElement, explicit: Bool) -> (VR, UInt32) {
        switch e.value {
        case .binary(let b):
            let n = padded(b.length)
            let vr = explicit && !e.vr.hasLongExplicitLength && n > 0xFFFF ? VR.UN : e.vr
            return (vr, UInt32(truncatingIfNeeded: n))
        case .sequence(let items):
            if e.hasUndefinedLength { return (e.vr, DataSetEncoder.undefined) }
            return (e.vr, UInt32(truncatingIfNeeded: contentLength(items: items, explicit: itemsExplicit(vr: e.vr, explicit: explicit))))
        case .fragments:
            return (e.vr, DataSetEncoder.undefined)
        }
    }

    // MARK: writing

    func write(_ dataSet: DataSet, explicit: Bool, into sink: ByteSink, scratch: inout EncodeBuffer) throws {
        let elements = dataSet.elements
        var i = 0
        while i < elements.count {
            let e = elements[i]
            if e.tag.isGroupLength, case .binary = e.value {
                // Recompute: the encoded length of the rest of this group at this level.
                var j = i + 1, total: UInt64 = 0
                while j < elements.count && elements[j].tag.group == e.tag.group {
                    total += length(of: elements[j], explicit: explicit)
                    j += 1
                }
                var fixed = e
                fixed.vr = .UL
                fixed.value = .binary(.inline(withUnsafeBytes(of: UInt32(truncatingIfNeeded: total).littleEndian, Array.init)))
                try write(fixed, explicit: explicit, into: sink, scratch: &scratch)
            } else {
                try write(e, explicit: explicit, into: sink, scratch: &scratch)
            }
            i += 1
        }
    }

    func write(_ e: DataElement, explicit: Bool, into sink: ByteSink, scratch: inout EncodeBuffer) throws {
        let (vr, valueLength) = header(for: e, explicit: explicit)
        scratch.tag(e.tag)
        if explicit {
            scratch.u16BE(vr.rawValue)
            if vr.hasLongExplicitLength {
                scratch.u16(0)
                scratch.u32(valueLength)
            } else {
                scratch.u16(UInt16(truncatingIfNeeded: valueLength))
            }
        } else {
            scratch.u32(valueLength)
        }
        switch e.value {
        case .binary(let b):
            try writeBinary(b, padding: e.vr.paddingByte, into: sink, scratch: &scratch)
        case .sequence(let items):
            let itemExplicit = itemsExplicit(vr: e.vr, explicit: explicit)
            for item in items {
                scratch.tag(.item)
                scratch.u32(item.hasUndefinedLength ? DataSetEncoder.undefined
                            : UInt32(truncatingIfNeeded: length(of: item, explicit: itemExplicit)))
                try write(item, explicit: itemExplicit, into: sink, scratch: &scratch)
                if item.hasUndefinedLength {
                    scratch.tag(.itemDelimitationItem)
                    scratch.u32(0)
                }
            }
            if e.hasUndefinedLength {
                scratch.tag(.sequenceDelimitationItem)
                scratch.u32(0)
            }
        case .fragments(let fragments):
            for f in fragments {
                scratch.tag(.item)
                scratch.u32(UInt32(truncatingIfNeeded: padded(f.length)))
                try writeBinary(f, padding: 0, into: sink, scratch: &scratch)
            }
            scratch.tag(.sequenceDelimitationItem)
            scratch.u32(0)
        }
        if scratch.count >= EncodeBuffer.flushSize { try scratch.flush(into: sink) }
    }

    func writeBinary(_ b: BinaryValue, padding: UInt8, into sink: ByteSink, scratch: inout EncodeBuffer) throws {
        switch b {
        case .inline(let bytes):
            if bytes.count >= EncodeBuffer.flushSize {
                try scratch.flush(into: sink)
                try sink.write(bytes)
            } else {
                scratch.append(bytes)
            }
        case .deferred(let loc):
            try scratch.flush(into: sink)
            if loc.byteSwapUnit <= 1, try sink.copy(fromFile: loc.path, offset: loc.offset, length: loc.length) { break }
            var done: UInt64 = 0
            while done < loc.length {
                let n = Int(min(UInt64(DataSetEncoder.streamChunk), loc.length - done))
                var chunk = try ByteInput.readRegion(path: loc.path, offset: loc.offset + done, length: n)
                if loc.byteSwapUnit > 1 { ByteSwap.swap(&chunk, unit: loc.byteSwapUnit) }
                try sink.write(chunk)
                done += UInt64(n)
            }
        }
        if b.length & 1 == 1 { scratch.append([padding]) }
    }
}

/// Small writes gathered before they reach the sink.
struct EncodeBuffer {
    static let flushSize = 64 * 1024
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(EncodeBuffer.flushSize + 64) }

    var count: Int { bytes.count }
    mutating func append(_ b: [UInt8]) { bytes.append(contentsOf: b) }
    mutating func u16(_ v: UInt16) { bytes.append(UInt8(v & 0xFF)); bytes.append(UInt8(v >> 8)) }
    mutating func u16BE(_ v: UInt16) { bytes.append(UInt8(v >> 8)); bytes.append(UInt8(v & 0xFF)) }
    mutating func u32(_ v: UInt32) { u16(UInt16(v & 0xFFFF)); u16(UInt16(v >> 16)) }
    mutating func tag(_ t: Tag) { u16(t.group); u16(t.element) }

    mutating func flush(into sink: ByteSink) throws {
        guard !bytes.isEmpty else { return }
        try sink.write(bytes)
        bytes.removeAll(keepingCapacity: true)
    }
}

import DICOMCore

/// Parses a data set encoded in a transfer syntax (PS3.5 7): element headers, sequences of
/// defined and undefined length, encapsulated Pixel Data. Values at least
/// `options.bulkDataThreshold` long are left in the file. Every length is checked against the
/// bytes left before anything is allocated for it, so a forged length costs nothing.
struct DataSetParser {
    let input: ByteInput
    let bigEndian: Bool
    /// The encoding the transfer syntax announces; a data set may turn out to differ (lenient).
    let explicitVR: Bool
    let options: ReadOptions
    var warnings: [ReadWarning] = []
    /// Set when reading stopped at top-level Pixel Data.
    var stoppedBeforePixelData = false
    /// Where the bytes came from, for error messages (a deflated stream names its file here).
    var sourceDescription: String?

    init(input: ByteInput, bigEndian: Bool, explicitVR: Bool, options: ReadOptions) {
        self.input = input
        self.bigEndian = bigEndian
        self.explicitVR = explicitVR
        self.options = options
        sourceDescription = input.path
    }

    enum Ending { case endOfInput, definedLength, itemDelimiter, sequenceDelimiter, pixelData, endOfGroup }

    static let undefinedLength: UInt32 = 0xFFFF_FFFF
    static let pixelDataTags: Set<UInt32> = [0x7FE0_0008, 0x7FE0_0009, 0x7FE0_0010]

    var isStrict: Bool { options.strictness == .strict }

    func error(_ offset: UInt64, _ reason: String) -> DICOMReadError {
        DICOMReadError(path: sourceDescription, offset: offset, reason: reason)
    }

    /// A defect that strict reading refuses and lenient reading reports.
    mutating func defect(_ offset: UInt64, _ message: String, truncation: Bool = false, encoding: Bool = false,
                         repeated: Bool = false) throws {
        if isStrict { throw error(offset, message) }
        warnings.append(ReadWarning(offset: offset, message: message, isTruncation: truncation, isEncodingMismatch: encoding,
                                    isRepeatedTag: repeated))
    }

    // MARK: data sets

    /// Reads the top-level data set to the end of the input.
    mutating func readTopLevel() throws -> DataSet {
        try readDataSet(end: nil, depth: 0, isItem: false, explicit: explicitVR, pixelRepresentation: nil).0
    }

    /// Reads elements of group `group` only (File Meta Information), explicit VR little endian.
    mutating func readGroup(_ group: UInt16) throws -> DataSet {
        try readDataSet(end: nil, depth: 0, isItem: false, explicit: explicitVR, pixelRepresentation: nil,
                        onlyGroup: group).0
    }

    mutating func readDataSet(end: UInt64?, depth: Int, isItem: Bool, explicit announced: Bool,
                              pixelRepresentation inherited: Int?, onlyGroup: UInt16? = nil,
                              keep: Bool = true) throws -> (DataSet, Ending) {
        let explicit = try detectEncoding(announced: announced, isItem: isItem, end: end)
        var elements: [DataElement] = []
        elements.reserveCapacity(isItem ? 8 : 96)
        var inOrder = true
        var pixelRepresentation = inherited
        var ending = Ending.endOfInput

        while true {
            if let end, input.offset >= end {
                if input.offset > end { try defect(end, "item runs \(input.offset - end) bytes past its defined length") }
                ending = .definedLength
                break
            }
            if input.isAtEnd {
                if isItem && end == nil { try defect(input.offset, "item not terminated by an Item Delimitation Item before the end of the data", truncation: true) }
                ending = .endOfInput
                break
            }
            let start = input.offset
            guard try input.require(8) else {
                let left = input.remaining
                if isItem || end != nil { throw error(start, "truncated element header (\(left) bytes left)") }
                try defect(start, "\(left) trailing bytes after the last element ignored", truncation: true)
                _ = input.skip(left)
                break
            }
            let group = input.peekUInt16(at: 0, bigEndian: bigEndian)
            let elementNumber = input.peekUInt16(at: 2, bigEndian: bigEndian)
            let tag = Tag(group: group, element: elementNumber)

            if let onlyGroup, group != onlyGroup {
                ending = .endOfGroup
                break
            }
            if group == 0xFFFE {
                if tag == .itemDelimitationItem {
                    input.skip(8)
                    if isItem { ending = .itemDelimiter; break }
                    try defect(start, "Item Delimitation Item outside an item")
                    continue
                }
                if tag == .sequenceDelimitationItem {
                    if isItem && end == nil {
                        input.skip(8)
                        try defect(start, "item not terminated before its Sequence Delimitation Item")
                        ending = .sequenceDelimiter
                        break
                    }
                    input.skip(8)
                    try defect(start, "Sequence Delimitation Item outside a sequence")
                    continue
                }
                throw error(start, "unexpected \(tag) outside a sequence")
            }
            if options.stopBeforePixelData && depth == 0 && DataSetParser.pixelDataTags.contains(tag.rawValue) {
                stoppedBeforePixelData = true
                ending = .pixelData
                break
            }

            // With `keepOnly`, a top-level element not named is walked but not stored, nor is
            // anything inside it.
            let keepElement = keep && (depth > 0 || options.keepOnly?.contains(tag) ?? true)
            let element = try readElement(tag: tag, start: start, explicit: explicit, depth: depth,
                                          pixelRepresentation: pixelRepresentation, keep: keepElement)
            if tag.rawValue == 0x0028_0103, let pr = element.uint16s.first { pixelRepresentation = Int(pr) }
            guard keepElement else { continue }
            if inOrder, let last = elements.last, last.tag >= tag {
                inOrder = false
            }
            if !inOrder {
                // Out of order is only a defect of form; a repeat is two values for one tag.
                if elements.contains(where: { $0.tag == tag }) {
                    try defect(start, "\(tag) is repeated", repeated: true)
                } else {
                    try defect(start, "\(tag) is out of order")
                }
            }
            elements.append(element)
        }
        var ds: DataSet
        if inOrder {
            ds = DataSet(elementsInTagOrder: elements)
        } else {
            ds = DataSet()
            for e in elements { ds.set(e) }   // later duplicates win, as in pydicom
        }
        ds.hasUndefinedLength = end == nil
        return (ds, ending)
    }

    /// PS3.5 allows a data set to differ from the announced VR encoding only in lenient reading:
    /// the first element's VR bytes tell. Items may fall back to implicit but not the reverse
    /// (as pydicom reads them).
    mutating func detectEncoding(announced: Bool, isItem: Bool, end: UInt64?) throws -> Bool {
        guard try input.require(6) else { return announced }
        if isItem && !announced { return false }
        let group = input.peekUInt16(at: 0, bigEndian: bigEndian)
        if group == 0xFFFE { return announced }
        let looksExplicit = DataSetParser.isVRLetter(input.peekByte(at: 4)) && DataSetParser.isVRLetter(input.peekByte(at: 5))
        if looksExplicit == announced { return announced }
        if isItem && looksExplicit { return announced }
        try defect(input.offset, "data set is \(looksExplicit ? "explicit" : "implicit") VR although its transfer syntax is \(announced ? "explicit" : "implicit") VR; read as \(looksExplicit ? "explicit" : "implicit")",
                   encoding: true)
        return looksExplicit
    }

    @inline(__always)
    static func isVRLetter(_ b: UInt8) -> Bool { b > 0x40 && b < 0x5B }

    // MARK: elements

    mutating func readElement(tag: Tag, start: UInt64, explicit: Bool, depth: Int,
                              pixelRepresentation: Int?, keep: Bool = true) throws -> DataElement {
        var vr: VR
        var length: UInt32
        if explicit {
            let b0 = input.peekByte(at: 4), b1 = input.peekByte(at: 5)
            if let known = VR(rawValue: UInt16(b0) << 8 | UInt16(b1)) {
                vr = known
                if vr.hasLongExplicitLength {
                    guard try input.require(12) else { throw error(start, "truncated element header of \(tag)") }
                    length = input.peekUInt32(at: 8, bigEndian: bigEndian)
                    input.skip(12)
                } else {
                    length = UInt32(input.peekUInt16(at: 6, bigEndian: bigEndian))
                    input.skip(8)
                }
            } else if DataSetParser.isVRLetter(b0) && DataSetParser.isVRLetter(b1) {
                // An unknown VR: PS3.5 7.1.2 gives every future VR the long header form.
                let code = String(decoding: [b0, b1], as: UTF8.self)
                try defect(start, "unknown VR '\(code)' for \(tag); read as UN")
                guard try input.require(12) else { throw error(start, "truncated element header of \(tag)") }
                vr = .UN
                length = input.peekUInt32(at: 8, bigEndian: bigEndian)
                input.skip(12)
            } else {
                try defect(start, "\(tag) has no valid VR (bytes \(DataSetParser.hex(b0)) \(DataSetParser.hex(b1))); read as implicit VR",
                           encoding: true)
                vr = DataSetParser.implicitVR(for: tag, pixelRepresentation: pixelRepresentation, undefinedLength: false)
                length = input.peekUInt32(at: 4, bigEndian: bigEndian)
                input.skip(8)
            }
        } else {
            length = input.peekUInt32(at: 4, bigEndian: bigEndian)
            vr = DataSetParser.implicitVR(for: tag, pixelRepresentation: pixelRepresentation,
                                          undefinedLength: length == DataSetParser.undefinedLength)
            input.skip(8)
        }

        if length == DataSetParser.undefinedLength {
            return try readUndefinedLength(tag: tag, vr: vr, start: start, explicit: explicit, depth: depth,
                                           pixelRepresentation: pixelRepresentation, keep: keep)
        }
        let valueOffset = input.offset
        if UInt64(length) > input.remaining {
            // Lenient reading keeps what is there, as pydicom does; the caller sees the warning
            // (an importer quarantines truncated files).
            try defect(start, "value of \(tag) claims \(length) bytes but only \(input.remaining) are left (truncated)", truncation: true)
            length = UInt32(input.remaining)
        }
        if length & 1 == 1 {
            try defect(start, "\(tag) \(vr.code) has odd length \(length)")
        }
        if vr == .SQ {
            let items = try readItems(end: valueOffset + UInt64(length), depth: depth + 1, explicit: explicit,
                                      pixelRepresentation: pixelRepresentation, tag: tag, keep: keep)
            return DataElement(tag: tag, vr: .SQ, value: .sequence(items), hasUndefinedLength: false)
        }
        return DataElement(tag: tag, vr: vr, value: .binary(try readValue(length: length, vr: vr, at: valueOffset, keep: keep)))
    }

    mutating func readValue(length: UInt32, vr: VR, at offset: UInt64, keep: Bool = true) throws -> BinaryValue {
        guard keep else {
            guard input.skip(UInt64(length)) else { throw error(offset, "unexpected end of data in a value of \(length) bytes") }
            return .inline([])
        }
        let swapUnit = bigEndian ? vr.byteSwapUnit : 0
        if input.isFileBacked, let path = input.path, UInt64(length) >= options.bulkDataThreshold {
            _ = input.skip(UInt64(length))
            return .deferred(BulkDataLocation(path: path, offset: offset, length: UInt64(length), byteSwapUnit: swapUnit))
        }
        var bytes = try input.read(Int(length))
        if swapUnit > 1 { ByteSwap.swap(&bytes, unit: swapUnit) }
        return .inline(bytes)
    }

    mutating func readUndefinedLength(tag: Tag, vr: VR, start: UInt64, explicit: Bool, depth: Int,
                                      pixelRepresentation: Int?, keep: Bool) throws -> DataElement {
        switch vr {
        case .SQ:
            let items = try readItems(end: nil, depth: depth + 1, explicit: explicit,
                                      pixelRepresentation: pixelRepresentation, tag: tag, keep: keep)
            return DataElement(tag: tag, vr: .SQ, value: .sequence(items), hasUndefinedLength: true)
        case .UN:
            // CP-246: an undefined-length UN is a sequence encoded in implicit VR little endian.
            let items = try readItems(end: nil, depth: depth + 1, explicit: false,
                                      pixelRepresentation: pixelRepresentation, tag: tag, keep: keep)
            return DataElement(tag: tag, vr: .UN, value: .sequence(items), hasUndefinedLength: true)
        case .OB, .OW:
            guard tag.rawValue == 0x7FE0_0010 else {
                throw error(start, "\(tag) \(vr.code) has undefined length but is not Pixel Data")
            }
            let fragments = try readFragments(start: start, keep: keep)
            return DataElement(tag: tag, vr: vr, value: .fragments(fragments), hasUndefinedLength: true)
        default:
            throw error(start, "\(tag) \(vr.code) has undefined length, which only SQ, UN and encapsulated Pixel Data may have")
        }
    }

    // MARK: sequences

    mutating func readItems(end: UInt64?, depth: Int, explicit: Bool, pixelRepresentation: Int?,
                            tag: Tag, keep: Bool = true) throws -> [DataSet] {
        guard depth <= options.maximumSequenceDepth else {
            throw error(input.offset, "sequences nested deeper than \(options.maximumSequenceDepth) levels at \(tag)")
        }
        var items: [DataSet] = []
        while true {
            if let end, input.offset >= end {
                if input.offset > end { try defect(end, "sequence \(tag) runs \(input.offset - end) bytes past its defined length") }
                break
            }
            let start = input.offset
            guard try input.require(8) else {
                if end == nil && input.isAtEnd {
                    try defect(start, "sequence \(tag) not terminated before the end of the data", truncation: true)
                    break
                }
                throw error(start, "truncated item in sequence \(tag)")
            }
            let itemTag = Tag(group: input.peekUInt16(at: 0, bigEndian: bigEndian),
                              element: input.peekUInt16(at: 2, bigEndian: bigEndian))
            let length = input.peekUInt32(at: 4, bigEndian: bigEndian)
            if itemTag == .sequenceDelimitationItem {
                input.skip(8)
                if end != nil { try defect(start, "Sequence Delimitation Item in sequence \(tag) of defined length") }
                break
            }
            guard itemTag == .item else {
                throw error(start, "expected an Item in sequence \(tag), found \(itemTag)")
            }
            input.skip(8)
            if length == DataSetParser.undefinedLength {
                let (item, ending) = try readDataSet(end: nil, depth: depth, isItem: true, explicit: explicit,
                                                     pixelRepresentation: pixelRepresentation, keep: keep)
                if keep { items.append(item) }
                if ending == .sequenceDelimiter || ending == .endOfInput {
                    if ending == .endOfInput { try defect(input.offset, "sequence \(tag) not terminated before the end of the data", truncation: true) }
                    break
                }
            } else {
                var itemLength = UInt64(length)
                if itemLength > input.remaining {
                    try defect(start, "item of \(tag) claims \(length) bytes but only \(input.remaining) are left (truncated)", truncation: true)
                    itemLength = input.remaining
                }
                var (item, _) = try readDataSet(end: input.offset + itemLength, depth: depth, isItem: true,
                                                explicit: explicit, pixelRepresentation: pixelRepresentation, keep: keep)
                item.hasUndefinedLength = false
                if keep { items.append(item) }
            }
        }
        return items
    }

    /// Encapsulated Pixel Data (PS3.5 A.4): items up to the Sequence Delimitation Item. The first
    /// item is the Basic Offset Table.
    mutating func readFragments(start: UInt64, keep: Bool = true) throws -> [BinaryValue] {
        var fragments: [BinaryValue] = []
        while true {
            let itemStart = input.offset
            guard try input.require(8) else {
                if input.isAtEnd {
                    try defect(itemStart, "encapsulated Pixel Data not terminated before the end of the data", truncation: true)
                    break
                }
                throw error(itemStart, "truncated fragment header in encapsulated Pixel Data")
            }
            let itemTag = Tag(group: input.peekUInt16(at: 0, bigEndian: bigEndian),
                              element: input.peekUInt16(at: 2, bigEndian: bigEndian))
            let length = input.peekUInt32(at: 4, bigEndian: bigEndian)
            input.skip(8)
            if itemTag == .sequenceDelimitationItem { break }
            guard itemTag == .item else {
                throw error(itemStart, "expected a fragment Item in encapsulated Pixel Data, found \(itemTag)")
            }
            guard length != DataSetParser.undefinedLength else {
                throw error(itemStart, "fragment of encapsulated Pixel Data has undefined length")
            }
            var fragmentLength = length
            if UInt64(length) > input.remaining {
                try defect(itemStart, "fragment claims \(length) bytes but only \(input.remaining) are left (truncated)", truncation: true)
                fragmentLength = UInt32(input.remaining)
            }
            let fragment = try readValue(length: fragmentLength, vr: .OB, at: input.offset, keep: keep)
            if keep { fragments.append(fragment) }
        }
        return fragments
    }

    // MARK: implicit VR

    /// The VR of an element in implicit VR: the dictionary's, with its choices resolved as
    /// PS3.5 and pydicom do (Pixel Data OW, or OB when encapsulated; `US or SS` by Pixel
    /// Representation; the other OB/OW choices OW).
    static func implicitVR(for tag: Tag, pixelRepresentation: Int?, undefinedLength: Bool) -> VR {
        if tag.rawValue == 0x7FE0_0010 { return undefinedLength ? .OB : .OW }
        let vr = DataDictionary.vr(for: tag)
        if undefinedLength && vr == .UN { return .SQ }   // a private sequence in implicit VR
        guard DataDictionary.hasVRChoice(tag), let choices = DataDictionary.entry(for: tag)?.vrs else { return vr }
        if choices.contains(.SS) { return pixelRepresentation == 1 ? .SS : .US }
        return choices.contains(.OW) ? .OW : vr
    }

    static func hex(_ b: UInt8) -> String {
        let d = Array("0123456789ABCDEF".utf8)
        return String(decoding: [d[Int(b >> 4)], d[Int(b & 0xF)]], as: UTF8.self)
    }
}

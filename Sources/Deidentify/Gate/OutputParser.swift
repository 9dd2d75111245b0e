import DICOMCore

/// The gate's own reading of the written output, independent of the toolkit's reader: a strict
/// walk of the file's bytes (PS3.10 preamble and File Meta Information, then the data set in
/// Explicit or Implicit VR Little Endian, items of defined and undefined length, encapsulated
/// fragments) that records where every value lies, so that the byte search can skip exactly the
/// sample data and nothing else. Whatever it cannot make sense of is an error: the writer
/// writes only what this reads.
struct OutputParser {
    struct Failure: Error, CustomStringConvertible {
        let offset: Int
        let reason: String
        var description: String { "\(reason) (byte \(offset))" }
    }

    /// One element: its value's place in the bytes, or its items' data sets, or its fragments.
    struct Element {
        let tag: Tag
        let vr: VR
        /// The data set it belongs to (index into `dataSets`).
        let dataSet: Int
        let valueStart: Int
        let valueLength: Int
        /// Data sets of its items (a sequence, or a UN that holds one).
        var items: [Int] = []
        /// Encapsulated Pixel Data: the items (Basic Offset Table first), as (start, length).
        var fragments: [(start: Int, length: Int)]? = nil
        var isSequence: Bool { vr == .SQ || !items.isEmpty }
    }

    struct DataSetNode {
        /// The element whose item this is (nil: File Meta Information or the top level).
        let parent: Int?
        let itemNumber: Int
        var characterSetTerms: [String]? = nil
        /// Elements of this data set by tag: only those `note` keeps.
        var byTag: [Tag: Int] = [:]
    }

    let bytes: UnsafeBufferPointer<UInt8>
    private(set) var elements: [Element] = []
    private(set) var dataSets: [DataSetNode] = []
    private(set) var transferSyntax: TransferSyntax = .explicitVRLittleEndian
    /// Where the data set starts (after the File Meta Information).
    private(set) var dataSetStart = 0
    /// The data set was deflated in the file: offsets past `dataSetStart` are in its inflated bytes.
    private(set) var isInflated = false
    static let maximumDepth = 64

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    func u16(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 }
    func u32(_ i: Int) -> Int { u16(i) | u16(i + 2) << 16 }
    func tag(at i: Int) -> Tag { Tag(group: UInt16(u16(i)), element: UInt16(u16(i + 2))) }

    /// Reads the preamble and the File Meta Information; answers the transfer syntax and where
    /// the data set starts. (A deflated data set is inflated by the caller, then `parseDataSet`.)
    mutating func parseFileMeta() throws -> (TransferSyntax, Int) {
        guard bytes.count >= 132, bytes[128] == 0x44, bytes[129] == 0x49, bytes[130] == 0x43, bytes[131] == 0x4D else {
            throw Failure(offset: 128, reason: "no DICM prefix")
        }
        dataSets = [DataSetNode(parent: nil, itemNumber: 0)]
        var p = 132
        while p + 8 <= bytes.count, u16(p) == 0x0002 {
            p = try parseElement(at: p, explicit: true, dataSet: 0, depth: 0)
        }
        guard let i = dataSets[0].byTag[.transferSyntaxUID] else { throw Failure(offset: 132, reason: "no Transfer Syntax UID") }
        let e = elements[i]
        let text = String(decoding: bytes[e.valueStart..<(e.valueStart + e.valueLength)], as: UTF8.self)
        let uid = String(text.unicodeScalars.filter { $0 != "\0" && $0 != " " })
        transferSyntax = TransferSyntax.lookup(UID(uid))
        dataSetStart = p
        return (transferSyntax, p)
    }

    /// Reads the top-level data set from `start` to the end of the bytes.
    mutating func parseDataSet(from start: Int, transferSyntax ts: TransferSyntax) throws {
        guard ts.isLittleEndian else { throw Failure(offset: start, reason: "\(ts.name) is not read by the gate") }
        transferSyntax = ts
        dataSetStart = start
        dataSets.append(DataSetNode(parent: nil, itemNumber: 0))
        let top = dataSets.count - 1
        var p = start
        while p < bytes.count {
            guard p + 8 <= bytes.count else { throw Failure(offset: p, reason: "\(bytes.count - p) bytes after the last element") }
            p = try parseElement(at: p, explicit: ts.isExplicitVR, dataSet: top, depth: 0)
        }
    }

    static let longForm: Set<VR> = [.OB, .OD, .OF, .OL, .OV, .OW, .SQ, .SV, .UC, .UN, .UR, .UT, .UV]

    /// Reads one element at `p`; answers where the next begins.
    mutating func parseElement(at p: Int, explicit: Bool, dataSet: Int, depth: Int) throws -> Int {
        let t = tag(at: p)
        guard t.group != 0xFFFE else { throw Failure(offset: p, reason: "\(t) outside a sequence") }
        var vr: VR
        var length: Int
        var valueStart: Int
        if explicit {
            guard let v = VR(rawValue: UInt16(bytes[p + 4]) << 8 | UInt16(bytes[p + 5])) else {
                throw Failure(offset: p, reason: "\(t) has no valid VR")
            }
            vr = v
            if OutputParser.longForm.contains(v) {
                guard p + 12 <= bytes.count else { throw Failure(offset: p, reason: "truncated header of \(t)") }
                length = u32(p + 8)
                valueStart = p + 12
            } else {
                length = u16(p + 6)
                valueStart = p + 8
            }
        } else {
            length = u32(p + 4)
            valueStart = p + 8
            if t == .pixelData {
                vr = length == 0xFFFF_FFFF ? .OB : .OW
            } else {
                vr = DataDictionary.vr(for: t)
            }
        }
        let index = elements.count
        if length == 0xFFFF_FFFF {
            if vr == .SQ || vr == .UN {
                elements.append(Element(tag: t, vr: vr, dataSet: dataSet, valueStart: valueStart, valueLength: 0))
                note(t, index, in: dataSet)
                // CP-246: an undefined-length UN holds a sequence in Implicit VR Little Endian.
                let (items, end) = try parseItems(at: valueStart, end: nil, explicit: vr == .SQ ? explicit : false,
                                                  parent: index, depth: depth + 1)
                elements[index].items = items
                return end
            }
            guard t == .pixelData, vr == .OB || vr == .OW else {
                throw Failure(offset: p, reason: "\(t) \(vr.code) has undefined length")
            }
            let (fragments, end) = try parseFragments(at: valueStart)
            var e = Element(tag: t, vr: vr, dataSet: dataSet, valueStart: valueStart, valueLength: end - valueStart)
            e.fragments = fragments
            elements.append(e)
            note(t, index, in: dataSet)
            return end
        }
        guard valueStart + length <= bytes.count else {
            throw Failure(offset: p, reason: "the value of \(t) runs past the end (\(length) bytes)")
        }
        elements.append(Element(tag: t, vr: vr, dataSet: dataSet, valueStart: valueStart, valueLength: length))
        note(t, index, in: dataSet)
        if vr == .SQ {
            let (items, _) = try parseItems(at: valueStart, end: valueStart + length, explicit: explicit, parent: index, depth: depth + 1)
            elements[index].items = items
        } else if vr == .UN && length >= 8 && u16(valueStart) == 0xFFFE && u16(valueStart + 2) == 0xE000 {
            // A sequence sent as UN of defined length: read its items if they read (else it
            // stays bytes; it is searched as bytes either way).
            let savedElements = elements.count, savedDataSets = dataSets.count
            if let (items, _) = try? parseItems(at: valueStart, end: valueStart + length, explicit: false, parent: index, depth: depth + 1) {
                elements[index].items = items
            } else {
                elements.removeSubrange(savedElements...)
                dataSets.removeSubrange(savedDataSets...)
            }
        }
        if t == .specificCharacterSet {
            let raw = bytes[valueStart..<(valueStart + length)]
            dataSets[dataSet].characterSetTerms = raw.split(separator: 0x5C, omittingEmptySubsequences: false)
                .map { String(decoding: $0, as: UTF8.self) }
        }
        return valueStart + length
    }

    mutating func markInflated() { isInflated = true }

    /// Keeps the place of the attributes the checks read (Image Pixel, Number of Frames, the
    /// offset table, the transfer syntax); the others are found by walking `elements`.
    mutating func note(_ t: Tag, _ index: Int, in dataSet: Int) {
        switch t.rawValue {
        case 0x0002_0010, 0x0028_0002, 0x0028_0004, 0x0028_0008, 0x0028_0010, 0x0028_0011, 0x0028_0100, 0x0028_0101,
             0x0028_0102, 0x0028_0103, 0x7FE0_0001:
            dataSets[dataSet].byTag[t] = index
        default:
            break
        }
    }

    /// Items of a sequence up to `end` (defined length) or its Sequence Delimitation Item.
    mutating func parseItems(at start: Int, end: Int?, explicit: Bool, parent: Int, depth: Int) throws -> ([Int], Int) {
        guard depth <= OutputParser.maximumDepth else { throw Failure(offset: start, reason: "sequences nested too deep") }
        var items: [Int] = []
        var p = start
        while true {
            if let end, p >= end {
                guard p == end else { throw Failure(offset: p, reason: "an item runs past its sequence") }
                return (items, p)
            }
            guard p + 8 <= bytes.count else { throw Failure(offset: p, reason: "a sequence is not terminated") }
            let t = tag(at: p), length = u32(p + 4)
            if t == .sequenceDelimitationItem {
                guard end == nil, length == 0 else { throw Failure(offset: p, reason: "a misplaced Sequence Delimitation Item") }
                return (items, p + 8)
            }
            guard t == .item else { throw Failure(offset: p, reason: "\(t) where an item was expected") }
            dataSets.append(DataSetNode(parent: parent, itemNumber: items.count + 1))
            let node = dataSets.count - 1
            items.append(node)
            p += 8
            if length == 0xFFFF_FFFF {
                while true {
                    guard p + 8 <= bytes.count else { throw Failure(offset: p, reason: "an item is not terminated") }
                    if tag(at: p) == .itemDelimitationItem {
                        guard u32(p + 4) == 0 else { throw Failure(offset: p, reason: "an Item Delimitation Item with a length") }
                        p += 8
                        break
                    }
                    p = try parseElement(at: p, explicit: explicit, dataSet: node, depth: depth)
                }
            } else {
                let itemEnd = p + length
                guard itemEnd <= (end ?? bytes.count) else { throw Failure(offset: p, reason: "an item runs past its end") }
                while p < itemEnd {
                    guard p + 8 <= itemEnd else { throw Failure(offset: p, reason: "bytes left at the end of an item") }
                    p = try parseElement(at: p, explicit: explicit, dataSet: node, depth: depth)
                }
                guard p == itemEnd else { throw Failure(offset: p, reason: "an element runs past its item") }
            }
        }
    }

    /// Encapsulated Pixel Data (PS3.5 A.4): items of defined length up to the delimiter.
    func parseFragments(at start: Int) throws -> ([(start: Int, length: Int)], Int) {
        var out: [(start: Int, length: Int)] = []
        var p = start
        while true {
            guard p + 8 <= bytes.count else { throw Failure(offset: p, reason: "encapsulated Pixel Data is not terminated") }
            let t = tag(at: p), length = u32(p + 4)
            if t == .sequenceDelimitationItem {
                guard length == 0 else { throw Failure(offset: p, reason: "a Sequence Delimitation Item with a length") }
                return (out, p + 8)
            }
            guard t == .item, length != 0xFFFF_FFFF, p + 8 + length <= bytes.count else {
                throw Failure(offset: p, reason: "a fragment of encapsulated Pixel Data cannot be read")
            }
            out.append((p + 8, length))
            p += 8 + length
        }
    }

    // MARK: reading values

    /// The element `tag` of data set `ds`, if there.
    func element(_ tag: Tag, in ds: Int) -> Element? { dataSets[ds].byTag[tag].map { elements[$0] } }

    func uint16(_ tag: Tag, in ds: Int) -> Int? {
        guard let e = element(tag, in: ds), e.valueLength >= 2 else { return nil }
        return u16(e.valueStart)
    }

    /// An IS value (Number of Frames), or nil.
    func integerString(_ tag: Tag, in ds: Int) -> Int? {
        guard let e = element(tag, in: ds) else { return nil }
        let text = String(decoding: bytes[e.valueStart..<(e.valueStart + e.valueLength)], as: UTF8.self)
        return Int(text.trimmingCharacters(in: [" ", "\0"]).replacingOccurrences(of: "+", with: ""))
    }

    func string(_ tag: Tag, in ds: Int) -> String? {
        guard let e = element(tag, in: ds) else { return nil }
        return String(decoding: bytes[e.valueStart..<(e.valueStart + e.valueLength)], as: UTF8.self)
            .trimmingCharacters(in: [" ", "\0"])
    }

    /// The character set of data set `ds`: its own, or its parent's.
    func characterSet(of ds: Int) -> SpecificCharacterSet {
        var d: Int? = ds
        while let i = d {
            if let terms = dataSets[i].characterSetTerms { return SpecificCharacterSet(terms: terms) }
            d = dataSets[i].parent.map { elements[$0].dataSet }
        }
        return .default
    }

    /// Where an element is, for a hit: `(0008,1030) StudyDescription`, nested as
    /// `(0040,0275) RequestAttributesSequence item 1 > (0040,1001) RequestedProcedureID`.
    func location(of index: Int) -> String {
        var parts: [String] = []
        var e = elements[index]
        parts.append(OutputParser.name(e.tag))
        while let parent = dataSets[e.dataSet].parent {
            let item = dataSets[e.dataSet].itemNumber
            e = elements[parent]
            parts.append(OutputParser.name(e.tag) + " item \(item)")
        }
        let where_ = e.dataSet == 0 ? "File Meta Information " : ""
        return where_ + parts.reversed().joined(separator: " > ")
    }

    static func name(_ t: Tag) -> String {
        let keyword = t.isPrivate ? "private" : (DataDictionary.entry(for: t)?.keyword ?? "unknown")
        return "\(t) \(keyword)"
    }

    /// The innermost element whose value holds byte `offset`, if any.
    func element(containing offset: Int) -> Int? {
        var best: Int? = nil
        for (i, e) in elements.enumerated() where e.valueStart <= offset && offset < e.valueStart + e.valueLength {
            if let b = best, elements[b].valueLength <= e.valueLength { continue }
            best = i
        }
        return best
    }
}

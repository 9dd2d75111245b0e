import DICOMCore

/// Formats a file the way `dcmdump` does: one line per element with tag, VR, value, length,
/// value multiplicity and keyword; sequences and items indented with their delimiters.
/// Output is built as bytes in one buffer (this runs once per element of every file dumped).
public struct DumpFormatter {
    /// Longest value text shown before it is cut with "...".
    public var maxValueWidth = 64
    /// Values left in the file are shown as "(not loaded)" rather than read.
    public var loadDeferredValues = false

    public init() {}

    public func format(_ file: Part10File) -> String {
        var out: [UInt8] = []
        format(file, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public func format(_ file: Part10File, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + 16 * 1024)
        out += "# Dicom-File-Format\n\n".utf8
        if !file.fileMetaInformation.isEmpty {
            out += "# Dicom-Meta-Information-Header\n# Used TransferSyntax: Explicit VR Little Endian\n".utf8
            format(file.fileMetaInformation, depth: 0, characterSet: .default, into: &out)
            out.append(0x0A)
        }
        out += "# Dicom-Data-Set\n# Used TransferSyntax: ".utf8
        out += file.transferSyntax.name.utf8
        out.append(0x0A)
        format(file.dataSet, depth: 0, characterSet: file.dataSet.specificCharacterSet, into: &out)
        if file.stoppedBeforePixelData { out += "# (stopped before Pixel Data)\n".utf8 }
    }

    public func format(_ dataSet: DataSet, depth: Int, characterSet: SpecificCharacterSet, into out: inout [UInt8]) {
        for e in dataSet {
            switch e.value {
            case .sequence(let items):
                let kind = e.hasUndefinedLength ? "undefined" : "explicit"
                var line = Line(depth: depth, tag: e.tag, vr: e.vr.code, limit: maxValueWidth, into: &out)
                line.text("(Sequence with \(kind) length #=\(items.count))")
                line.finish(length: e.hasUndefinedLength ? nil : sequenceLength(e), vm: 1,
                            name: keyword(e.tag, in: dataSet), into: &out)
                let encoder = DataSetEncoder(explicitVR: true)
                for item in items {
                    let itemSet = item.contains(.specificCharacterSet) ? item.specificCharacterSet : characterSet
                    var itemLine = Line(depth: depth + 1, tag: .item, vr: "na", limit: maxValueWidth, into: &out)
                    itemLine.text("(Item with \(item.hasUndefinedLength ? "undefined" : "explicit") length #=\(item.count))")
                    itemLine.finish(length: item.hasUndefinedLength ? nil : encoder.length(of: item, explicit: e.vr != .UN),
                                    vm: 1, name: "Item", into: &out)
                    format(item, depth: depth + 2, characterSet: itemSet, into: &out)
                    delimiter(depth + 1, .itemDelimitationItem, "ItemDelimitationItem", into: &out)
                }
                delimiter(depth, .sequenceDelimitationItem, "SequenceDelimitationItem", into: &out)
            case .fragments(let fragments):
                var line = Line(depth: depth, tag: e.tag, vr: e.vr.code, limit: maxValueWidth, into: &out)
                line.text("(PixelSequence #=\(fragments.count))")
                line.finish(length: nil, vm: 1, name: keyword(e.tag, in: dataSet), into: &out)
                for (i, f) in fragments.enumerated() {
                    var fragmentLine = Line(depth: depth + 1, tag: .item, vr: "pi", limit: maxValueWidth, into: &out)
                    if i == 0 && f.length == 0 { fragmentLine.text("(no value available)") } else { binary(f, vr: .OB, into: &fragmentLine) }
                    fragmentLine.finish(length: f.length, vm: 1, name: "Item", into: &out)
                }
                delimiter(depth, .sequenceDelimitationItem, "SequenceDelimitationItem", into: &out)
            case .binary(let b):
                var line = Line(depth: depth, tag: e.tag, vr: e.vr.code, limit: maxValueWidth, into: &out)
                let vm = value(e, b, characterSet: characterSet, into: &line)
                line.finish(length: b.length, vm: vm, name: keyword(e.tag, in: dataSet), into: &out)
            }
        }
    }

    func delimiter(_ depth: Int, _ tag: Tag, _ name: String, into out: inout [UInt8]) {
        var line = Line(depth: depth, tag: tag, vr: "na", limit: maxValueWidth, into: &out)
        line.text("(" + name + ")")
        line.finish(length: 0, vm: 0, name: name, into: &out)
    }

    func keyword(_ tag: Tag, in dataSet: DataSet) -> String {
        if tag.isPrivate {
            if tag.isPrivateCreator { return "PrivateCreator" }
            if let creator = dataSet.privateCreator(of: tag) { return "Private (" + creator + ")" }
            return "Unknown Tag & Data"
        }
        guard let entry = DataDictionary.entry(for: tag) else { return "Unknown Tag & Data" }
        return entry.keyword.isEmpty ? entry.displayName : entry.keyword
    }

    func sequenceLength(_ e: DataElement) -> UInt64 {
        DataSetEncoder(explicitVR: true).length(of: e, explicit: true) - 12
    }

    /// Writes the value text and returns the value multiplicity.
    func value(_ e: DataElement, _ b: BinaryValue, characterSet: SpecificCharacterSet, into line: inout Line) -> Int {
        if b.length == 0 {
            line.text("(no value available)")
            return 0
        }
        guard case .inline(let bytes) = b else {
            if loadDeferredValues { binary(b, vr: e.vr, into: &line) } else { line.text("(not loaded)") }
            return 1
        }
        let vr = e.vr
        if vr == .UI {
            let values = e.strings()
            if values.count == 1, let entry = UIDRegistry.entry(for: UID(values[0])), !entry.keyword.isEmpty {
                line.text("=" + entry.keyword)
            } else {
                line.byte(UInt8(ascii: "["))
                line.text(values.joined(separator: "\\"))
                line.byte(UInt8(ascii: "]"))
            }
            return values.count
        }
        if vr.isString {
            line.byte(UInt8(ascii: "["))
            let count: Int
            if !bytes.contains(where: { $0 >= 0x80 || $0 == 0x1B }) {
                count = asciiValues(bytes, vr: vr, into: &line)
            } else {
                let values = e.strings(characterSet: characterSet)
                line.text(values.joined(separator: "\\"))
                count = values.count
            }
            line.byte(UInt8(ascii: "]"))
            return count
        }
        switch vr {
        case .US: return numbers(e.uint16s, into: &line)
        case .SS: return numbers(e.int16s, into: &line)
        case .UL: return numbers(e.uint32s, into: &line)
        case .SL: return numbers(e.int32s, into: &line)
        case .UV: return numbers(e.uint64s, into: &line)
        case .SV: return numbers(e.int64s, into: &line)
        case .FL: return texts(e.floats.map { "\($0)" }, into: &line)
        case .FD: return texts(e.doubles.map { "\($0)" }, into: &line)
        case .AT: return texts(e.tags.map { $0.description }, into: &line)
        default:
            binary(b, vr: vr, into: &line)
            return 1
        }
    }

    /// ASCII string values, split and trimmed as `DataElement.strings` does, written directly.
    func asciiValues(_ bytes: [UInt8], vr: VR, into line: inout Line) -> Int {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0 }) { return 0 }
        guard vr.isMultiValuedString else {
            line.bytes(DataElement.trimmed(bytes[...], vr: vr))
            return 1
        }
        var count = 0
        for part in bytes[...].split(separator: 0x5C, omittingEmptySubsequences: false) {
            if count > 0 { line.byte(0x5C) }
            line.bytes(DataElement.trimmed(part, vr: vr))
            count += 1
        }
        return count
    }

    func numbers<T: BinaryInteger>(_ values: [T], into line: inout Line) -> Int {
        for (i, v) in values.enumerated() {
            if i > 0 { line.byte(0x5C) }
            line.integer(v)
            if line.isFull { break }
        }
        return values.count
    }

    func texts(_ values: [String], into line: inout Line) -> Int {
        line.text(values.joined(separator: "\\"))
        return values.count
    }

    func binary(_ b: BinaryValue, vr: VR, into line: inout Line) {
        guard let bytes = loadDeferredValues ? try? b.load() : b.inlineBytes else {
            line.text("(not loaded)")
            return
        }
        let digits = Array("0123456789abcdef".utf8)
        let wordSize = vr == .OW ? 2 : 1
        var i = 0
        while i + wordSize <= bytes.count && !line.isFull {
            if i > 0 { line.byte(0x5C) }
            for k in (0..<wordSize).reversed() {
                line.byte(digits[Int(bytes[i + k] >> 4)])
                line.byte(digits[Int(bytes[i + k] & 0xF)])
            }
            i += wordSize
        }
    }

    /// One output line under construction: the value text is cut at `maxValueWidth` bytes.
    struct Line {
        static let hex = Array("0123456789abcdef".utf8)
        let depth: Int
        let limit: Int
        var value: [UInt8] = []

        init(depth: Int, tag: Tag, vr: String, limit: Int, into out: inout [UInt8]) {
            self.depth = depth
            self.limit = limit
            for _ in 0..<depth { out += [0x20, 0x20] }
            out.append(UInt8(ascii: "("))
            Line.hex4(tag.group, into: &out)
            out.append(UInt8(ascii: ","))
            Line.hex4(tag.element, into: &out)
            out.append(UInt8(ascii: ")"))
            out.append(0x20)
            out += vr.utf8
            out.append(0x20)
            value.reserveCapacity(80)
        }

        var isFull: Bool { value.count > limit }
        mutating func byte(_ b: UInt8) { value.append(b) }
        mutating func bytes<C: Collection>(_ b: C) where C.Element == UInt8 { value += b }
        mutating func text(_ s: String) { value += s.utf8 }
        mutating func integer<T: BinaryInteger>(_ v: T) { value += String(v).utf8 }

        /// Cuts the value, pads to dcmdump's column and writes "# length, vm name".
        mutating func finish(length: UInt64?, vm: Int, name: String, into out: inout [UInt8]) {
            if value.count > limit {
                value.removeLast(value.count - (limit - 3))
                value += "...".utf8
            }
            out += value
            let used = 2 * depth + 15 + value.count   // "(gggg,eeee) VR " is 15 bytes
            let column = 55 + 2 * depth
            if used < column { out += repeatElement(UInt8(0x20), count: column - used) }
            out += " # ".utf8
            let len = length.map { String($0) } ?? "u/l"
            if len.utf8.count < 3 { out += repeatElement(UInt8(0x20), count: 3 - len.utf8.count) }
            out += len.utf8
            out += ", ".utf8
            out += String(vm).utf8
            out.append(0x20)
            out += name.utf8
            out.append(0x0A)
        }

        static func hex4(_ v: UInt16, into out: inout [UInt8]) {
            out += [hex[Int(v >> 12)], hex[Int(v >> 8 & 0xF)], hex[Int(v >> 4 & 0xF)], hex[Int(v & 0xF)]]
        }
    }
}

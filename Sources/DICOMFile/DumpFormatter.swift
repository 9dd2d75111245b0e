import DICOMCore

/// Formats a file the way `dcmdump` does: one line per element with tag, VR, value, length,
/// value multiplicity and keyword; sequences and items indented with their delimiters.
public struct DumpFormatter {
    /// Longest value text shown before it is cut with "...".
    public var maxValueWidth = 64
    /// Values left in the file are shown as "(not loaded)" rather than read.
    public var loadDeferredValues = false

    public init() {}

    public func format(_ file: Part10File) -> String {
        var out = ""
        out.reserveCapacity(8192)
        out += "# Dicom-File-Format\n\n"
        if !file.fileMetaInformation.isEmpty {
            out += "# Dicom-Meta-Information-Header\n# Used TransferSyntax: Explicit VR Little Endian\n"
            format(file.fileMetaInformation, depth: 0, characterSet: .default, into: &out)
            out += "\n"
        }
        out += "# Dicom-Data-Set\n# Used TransferSyntax: \(file.transferSyntax.name)\n"
        format(file.dataSet, depth: 0, characterSet: file.dataSet.specificCharacterSet, into: &out)
        if file.stoppedBeforePixelData { out += "# (stopped before Pixel Data)\n" }
        return out
    }

    public func format(_ dataSet: DataSet, depth: Int, characterSet: SpecificCharacterSet, into out: inout String) {
        let indent = String(repeating: "  ", count: depth)
        for e in dataSet {
            switch e.value {
            case .sequence(let items):
                let kind = e.hasUndefinedLength ? "undefined" : "explicit"
                line(indent, e.tag, e.vr.code, "(Sequence with \(kind) length #=\(items.count))",
                     length: e.hasUndefinedLength ? nil : sequenceLength(e), vm: 1, name: keyword(e.tag, in: dataSet), into: &out)
                for item in items {
                    let itemSet = item.contains(.specificCharacterSet) ? item.specificCharacterSet : characterSet
                    let ikind = item.hasUndefinedLength ? "undefined" : "explicit"
                    let itemLength = item.hasUndefinedLength ? nil
                        : DataSetEncoder(explicitVR: true).length(of: item, explicit: e.vr != .UN)
                    line(indent + "  ", .item, "na", "(Item with \(ikind) length #=\(item.count))",
                         length: itemLength, vm: 1, name: "Item", into: &out)
                    format(item, depth: depth + 2, characterSet: itemSet, into: &out)
                    line(indent + "  ", .itemDelimitationItem, "na", "(ItemDelimitationItem)", length: 0, vm: 0,
                         name: "ItemDelimitationItem", into: &out)
                }
                line(indent, .sequenceDelimitationItem, "na", "(SequenceDelimitationItem)", length: 0, vm: 0,
                     name: "SequenceDelimitationItem", into: &out)
            case .fragments(let fragments):
                line(indent, e.tag, e.vr.code, "(PixelSequence #=\(fragments.count))", length: nil, vm: 1,
                     name: keyword(e.tag, in: dataSet), into: &out)
                for (i, f) in fragments.enumerated() {
                    let text = i == 0 && f.length == 0 ? "(no value available)" : binaryText(f, vr: .OB)
                    line(indent + "  ", .item, "pi", text, length: f.length, vm: 1, name: "Item", into: &out)
                }
                line(indent, .sequenceDelimitationItem, "na", "(SequenceDelimitationItem)", length: 0, vm: 0,
                     name: "SequenceDelimitationItem", into: &out)
            case .binary(let b):
                let (text, vm) = valueText(e, b, characterSet: characterSet)
                line(indent, e.tag, e.vr.code, text, length: b.length, vm: vm, name: keyword(e.tag, in: dataSet), into: &out)
            }
        }
    }

    func keyword(_ tag: Tag, in dataSet: DataSet) -> String {
        if tag.isPrivate {
            if tag.isPrivateCreator { return "PrivateCreator" }
            if let creator = dataSet.privateCreator(of: tag) { return "Private (\(creator))" }
            return "Unknown Tag & Data"
        }
        guard let entry = DataDictionary.entry(for: tag) else { return "Unknown Tag & Data" }
        return entry.keyword.isEmpty ? entry.displayName : entry.keyword
    }

    func sequenceLength(_ e: DataElement) -> UInt64 {
        DataSetEncoder(explicitVR: true).length(of: e, explicit: true) - 12
    }

    func valueText(_ e: DataElement, _ b: BinaryValue, characterSet: SpecificCharacterSet) -> (String, Int) {
        if b.length == 0 { return ("(no value available)", 0) }
        guard case .inline = b else {
            return loadDeferredValues ? (binaryText(b, vr: e.vr), 1) : ("(not loaded)", 1)
        }
        let vr = e.vr
        if vr == .UI {
            let values = e.strings()
            let shown = values.map { uid -> String in
                if let entry = UIDRegistry.entry(for: UID(uid)), !entry.keyword.isEmpty { return "=" + entry.keyword }
                return uid
            }
            let joined = shown.joined(separator: "\\")
            return (values.count == 1 && joined.hasPrefix("=") ? joined : "[" + joined + "]", values.count)
        }
        if vr.isString {
            let values = e.strings(characterSet: characterSet)
            return ("[" + cut(values.joined(separator: "\\")) + "]", values.count)
        }
        switch vr {
        case .US: return numbers(e.uint16s.map { String($0) })
        case .SS: return numbers(e.int16s.map { String($0) })
        case .UL: return numbers(e.uint32s.map { String($0) })
        case .SL: return numbers(e.int32s.map { String($0) })
        case .UV: return numbers(e.uint64s.map { String($0) })
        case .SV: return numbers(e.int64s.map { String($0) })
        case .FL: return numbers(e.floats.map { "\($0)" })
        case .FD: return numbers(e.doubles.map { "\($0)" })
        case .AT: return numbers(e.tags.map { $0.description })
        default: return (binaryText(b, vr: vr), 1)
        }
    }

    func numbers(_ values: [String]) -> (String, Int) { (cut(values.joined(separator: "\\")), values.count) }

    func binaryText(_ b: BinaryValue, vr: VR) -> String {
        guard let bytes = loadDeferredValues ? try? b.load() : b.inlineBytes else { return "(not loaded)" }
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        let wordSize = vr == .OW ? 2 : 1
        let limit = maxValueWidth + 4
        var i = 0
        while i + wordSize <= bytes.count && text.count < limit {
            if i > 0 { text.append(UInt8(ascii: "\\")) }
            for k in (0..<wordSize).reversed() {
                text.append(digits[Int(bytes[i + k] >> 4)])
                text.append(digits[Int(bytes[i + k] & 0xF)])
            }
            i += wordSize
        }
        return cut(String(decoding: text, as: UTF8.self))
    }

    func cut(_ s: String) -> String {
        s.utf8.count <= maxValueWidth ? s : String(s.prefix(maxValueWidth - 3)) + "..."
    }

    func line(_ indent: String, _ tag: Tag, _ vr: String, _ value: String, length: UInt64?, vm: Int,
              name: String, into out: inout String) {
        var head = indent + tag.description.lowercased() + " " + vr + " " + value
        let width = 55 + indent.count
        if head.count < width { head += String(repeating: " ", count: width - head.count) }
        let len = length.map { String($0) } ?? "u/l"
        let padLen = len.count < 3 ? String(repeating: " ", count: 3 - len.count) + len : len
        out += head + " # " + padLen + ", " + String(vm) + " " + name + "\n"
    }
}

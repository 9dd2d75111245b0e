import DICOMCore
import DICOMFile

/// Makes the original read the same way for every reader before the engine sees it: where
/// PS3.5 leaves readers room to differ, a value could hide from the engine and the gate and
/// still reach a reader downstream. What cannot be made unambiguous is refused.
///
/// - A tag that occurs twice in one data set is refused: this reader keeps the later value,
///   others keep the first (the file's warnings tell).
/// - Elements out of tag order were put in order by the reader (no value is lost).
/// - A value sent as UN whose tag the dictionary knows takes the dictionary's VR, so text is
///   decoded in the data set's character set (not as Latin-1) and a sequence's items are
///   parsed (implicit VR little endian, PS3.5 6.2.2) and cleaned like any others. A UN
///   sequence that cannot be parsed is removed: its content cannot be cleaned.
/// - A NUL inside a text value (where readers stop or go on) becomes a space.
/// - Text in any character set other than the default repertoire and UTF-8 (ISO 8859, ISO 2022,
///   GB18030…), or 8-bit bytes under a character set that claims plain ASCII, is re-encoded in
///   UTF-8 (ISO_IR 192) throughout: the engine cleans decoded text, and what it writes is what
///   every reader then decodes. So is a data set in UTF-8 with a value that is not valid UTF-8
///   (each byte outside a valid sequence read as Latin-1, as the sender most likely wrote it).
enum InputNormalizer {
    struct Result {
        var dataSet: DataSet
        /// What was changed, for the explanation (no values).
        var notes: [String]
    }

    static func normalize(_ file: Part10File) throws -> Result {
        if let repeated = file.warnings.first(where: \.isRepeatedTag) {
            throw Deidentifier.Refusal(reason: "a tag occurs twice in one data set, and readers disagree on which value counts (\(repeated.message))")
        }
        var notes: [String] = []
        var ds = normalizeLevel(file.dataSet, notes: &notes, path: "")
        if needsTranscoding(ds, charset: ds.specificCharacterSet) {
            ds = transcode(ds, charset: ds.specificCharacterSet, top: true)
            notes.append("text re-encoded in UTF-8 (ISO_IR 192) from \(file.dataSet.specificCharacterSet)")
        }
        return Result(dataSet: ds, notes: notes)
    }

    /// UN to the dictionary's VR, UN sequences parsed, NULs inside text replaced; at every level.
    static func normalizeLevel(_ ds: DataSet, notes: inout [String], path: String) -> DataSet {
        var out: [DataElement] = []
        out.reserveCapacity(ds.count)
        for var e in ds {
            if e.vr == .UN, !e.tag.isPrivate, let entry = DataDictionary.entry(for: e.tag), entry.vrs.count == 1 {
                let vr = entry.vrs[0]
                if vr == .SQ {
                    guard let items = unknownSequenceItems(e) else {
                        notes.append("\(path)\(e.tag) sent as UN is not a readable sequence: removed")
                        continue
                    }
                    e = DataElement(sequence: e.tag, items: items, hasUndefinedLength: true)
                } else if vr != .UN {
                    e.vr = vr
                }
            }
            if let items = e.items {
                e.value = .sequence(items.enumerated().map { i, item in
                    var cleaned = normalizeLevel(item, notes: &notes, path: "\(path)\(e.tag)[\(i)]/")
                    cleaned.hasUndefinedLength = item.hasUndefinedLength
                    return cleaned
                })
            } else if e.vr.isString, var bytes = e.bytes, let nul = bytes.firstIndex(of: 0) {
                // Trailing NULs are padding (UI) or tolerated; one followed by anything else is not.
                let last = bytes.lastIndex(where: { $0 != 0 && $0 != 0x20 }) ?? -1
                if nul < last {
                    for i in nul...last where bytes[i] == 0 { bytes[i] = 0x20 }
                    e.value = .binary(.inline(bytes))
                    notes.append("\(path)\(e.tag): NUL inside the value read as a space")
                }
            }
            out.append(e)
        }
        var result = DataSet(elementsInTagOrder: out)
        result.hasUndefinedLength = ds.hasUndefinedLength
        return result
    }

    /// A UN value parsed as an undefined-length sequence of implicit VR little endian items.
    static func unknownSequenceItems(_ e: DataElement) -> [DataSet]? {
        guard case .binary(let value) = e.value, let bytes = try? value.load() else { return nil }
        var framed: [UInt8] = []
        framed.reserveCapacity(bytes.count + 16)
        func le16(_ v: UInt16) { framed += [UInt8(v & 0xFF), UInt8(v >> 8)] }
        le16(e.tag.group); le16(e.tag.element); framed += [0xFF, 0xFF, 0xFF, 0xFF]
        framed += bytes
        le16(0xFFFE); le16(0xE0DD); framed += [0, 0, 0, 0]
        var options = ReadOptions(strictness: .lenient)
        options.bulkDataThreshold = .max
        guard let parsed = try? Part10File.readDataSet(bytes: framed, transferSyntax: .implicitVRLittleEndian, options: options),
              parsed.dataSet.count == 1, let items = parsed.dataSet[e.tag]?.items,
              !parsed.warnings.contains(where: { $0.isTruncation || $0.isRepeatedTag }) else { return nil }
        return items
    }

    /// Some text value is not plain ASCII under a character set other than UTF-8.
    static func needsTranscoding(_ ds: DataSet, charset: SpecificCharacterSet) -> Bool {
        let charset = ds[.specificCharacterSet] != nil ? ds.specificCharacterSet : charset
        let utf8 = charset.terms.first == "ISO_IR 192" && charset.terms.count == 1
        for e in ds {
            if let items = e.items {
                if items.contains(where: { needsTranscoding($0, charset: charset) }) { return true }
            } else if e.vr.isString, let bytes = e.bytes, bytes.contains(where: { $0 >= 0x80 || $0 == 0x1B }) {
                // Under UTF-8, only bytes that are not UTF-8 (Latin-1 sent as ISO_IR 192):
                // decoded with those bytes as Latin-1, they are written as UTF-8.
                if !utf8 || String(validating: bytes, as: UTF8.self) == nil { return true }
            }
        }
        return false
    }

    /// Valid UTF-8 with at least one multi-byte character.
    static func isMultibyteUTF8(_ bytes: [UInt8]) -> Bool {
        bytes.contains { $0 >= 0x80 } && String(validating: bytes, as: UTF8.self) != nil
    }

    /// Every text value decoded in its character set and written as UTF-8; the top level says
    /// ISO_IR 192 and items lose their own Specific Character Set.
    static func transcode(_ ds: DataSet, charset: SpecificCharacterSet, top: Bool) -> DataSet {
        let charset = ds[.specificCharacterSet] != nil ? ds.specificCharacterSet : charset
        var out: [DataElement] = []
        for var e in ds where e.tag != .specificCharacterSet {
            if let items = e.items {
                e.value = .sequence(items.map { item in
                    var t = transcode(item, charset: charset, top: false)
                    t.hasUndefinedLength = item.hasUndefinedLength
                    return t
                })
            } else if e.vr.isString, let bytes = e.bytes, bytes.contains(where: { $0 >= 0x80 || $0 == 0x1B }) {
                // Values split at backslashes only where the VR is multi-valued (a PN's groups
                // and an LT's backslashes stay inside their value).
                // Bytes that are valid UTF-8 with multi-byte characters under a single-byte
                // character set are UTF-8 whatever the header says (no ISO 8859 name reads as
                // valid UTF-8 by chance): decoded as the sender wrote them, they are found.
                let lying = !charset.isCodeExtensionsOrUTF8 && InputNormalizer.isMultibyteUTF8(bytes)
                let text = e.strings(characterSet: lying ? .utf8 : charset).joined(separator: "\\")
                var utf8 = Array(text.utf8)
                if utf8.count & 1 == 1 { utf8.append(e.vr.paddingByte) }
                e.value = .binary(.inline(utf8))
            }
            out.append(e)
        }
        if top { out.append(DataElement(tag: .specificCharacterSet, vr: .CS, string: "ISO_IR 192")) }
        var result = DataSet(out)
        result.hasUndefinedLength = ds.hasUndefinedLength
        return result
    }
}

extension SpecificCharacterSet {
    /// ISO 2022 code extensions or UTF-8: multi-byte character sets whose bytes say what they
    /// are (the others are one byte a character).
    var isCodeExtensionsOrUTF8: Bool {
        terms.contains { $0.hasPrefix("ISO 2022") } || terms.first == "ISO_IR 192" || ["GB18030", "GBK"].contains(terms.first ?? "")
    }
}

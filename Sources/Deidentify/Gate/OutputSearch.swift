import DICOMCore

/// One search of one output (matching spec 3), in order: the text values, the file and folder
/// names, the binary values read as text, Pixel Data, then the file's bytes outside sample data.
/// Throws the first hit.
struct OutputSearch {
    let gate: PHIGate
    let parser: OutputParser
    /// Byte ranges the byte search skips: sample data, and values the engine wrote from constants.
    var skipped: [Range<Int>] = []
    /// Byte ranges of coded values (CS and the code attributes), in file order: a name part
    /// under 6 characters found there is a defined term (`TEXT`, `CT`, `HEAD`), not the name.
    var coded: [Range<Int>] = []

    init(gate: PHIGate, parser: OutputParser) {
        self.gate = gate
        self.parser = parser
    }

    mutating func run(names: [String]) throws {
        try searchText()
        try searchNames(names)
        try searchBinary()
        try checkPixelData()
        try searchBytes()
    }

    /// LO SH PN UC CS: values that are words, also read run together.
    static func joinsValues(_ vr: VR) -> Bool { vr == .LO || vr == .SH || vr == .PN || vr == .UC || vr == .CS }

    /// UI, DA, DT and TM: no digit view, no other dates (spec 2.3, 3).
    static func isDateOrUID(_ vr: VR) -> Bool { vr == .UI || vr == .DA || vr == .DT || vr == .TM }
    static let binaryVRs: Set<VR> = [.OB, .OW, .OD, .OF, .OL, .OV, .UN, .US, .SS, .UL, .SL, .FL, .FD, .SV, .UV, .AT]
    static let pixelTags: Set<Tag> = [.pixelData, .floatPixelData, .doubleFloatPixelData]

    // MARK: text values

    /// Folded texts one after another, each ended by FF (never in UTF-8: no needle spans two).
    struct TextBuffer {
        var bytes: [UInt8] = []
        /// Where each text starts, the element it is from (or -1), and the VR it was read as.
        var starts: [Int] = []
        var elements: [Int] = []
        var vrs: [VR] = []

        mutating func append(_ text: [UInt8], element: Int, vr: VR) {
            let start = bytes.count
            starts.append(start)
            elements.append(element)
            vrs.append(vr)
            bytes += text
            bytes.append(0xFF)
            appendLetterView(from: start, element: element, vr: vr)
        }

        /// ASCII text: lower-casing is its fold.
        mutating func append(lowering part: UnsafeBufferPointer<UInt8>, element: Int, vr: VR) {
            let start = bytes.count
            starts.append(start)
            elements.append(element)
            vrs.append(vr)
            let lower = NeedleMatcher.lowerASCII
            for c in part { bytes.append(lower[Int(c)]) }
            bytes.append(0xFF)
            appendLetterView(from: start, element: element, vr: vr)
        }

        /// The text just appended (from `start`, FF not included) read as GateLetterView: appended
        /// too when it differs.
        private mutating func appendLetterView(from start: Int, element: Int, vr: VR) {
            guard let view = GateLetterView.joined(bytes[start..<(bytes.count - 1)]) else { return }
            starts.append(bytes.count)
            elements.append(element)
            vrs.append(vr)
            bytes += view
            bytes.append(0xFF)
        }

        mutating func append(_ folded: GateFolding.Folded, element: Int, vr: VR) {
            append(folded.text, element: element, vr: vr)
            if let u = folded.umlautForm { append(u, element: element, vr: vr) }
        }

        /// The text holding byte `offset`.
        func text(at offset: Int) -> Int {
            var lo = 0, hi = starts.count
            while lo < hi {
                let mid = (lo + hi) >> 1
                if starts[mid] <= offset { lo = mid + 1 } else { hi = mid }
            }
            return lo - 1
        }
    }

    /// The VR a value's text is read in: its own if a text VR; a UN's dictionary VR if a text VR.
    func textVR(_ e: OutputParser.Element) -> VR? {
        if e.vr.isString { return e.vr }
        if e.vr == .UN, e.items.isEmpty, !e.tag.isPrivate, let v = DataDictionary.entry(for: e.tag)?.vr, v.isString { return v }
        return nil
    }

    mutating func searchText() throws {
        var buffer = TextBuffer()
        buffer.bytes.reserveCapacity(16384)
        let b = parser.bytes
        var charsets: [Int: SpecificCharacterSet] = [:]   // by data set, made when first needed
        var ranges: [Range<Int>] = []
        for (i, e) in parser.elements.enumerated() where e.fragments == nil && e.vr != .SQ {
            guard e.valueLength > 0, let vr = textVR(e) else { continue }
            let parent = parser.dataSets[e.dataSet].parent.map { parser.elements[$0].tag }
            let mayBeConstant = e.tag == .deidentificationMethod || parent == .deidentificationMethodCodeSequence
                || (e.dataSet == 0 && (e.tag == .implementationVersionName || e.tag == .implementationClassUID))
            if vr == .CS || GateKeywords.codeAttributes.contains(e.tag) { coded.append(e.valueStart..<(e.valueStart + e.valueLength)) }
            OutputSearch.values(b, e.valueStart, e.valueStart + e.valueLength, multiValued: vr.isMultiValuedString, into: &ranges)
            // Words cut over two values (`HUNS\INGER`): the values run together are read too.
            var joined: [UInt8] = []
            if ranges.count > 1 && OutputSearch.joinsValues(vr) {
                joined = b[e.valueStart..<(e.valueStart + e.valueLength)].filter { $0 != 0x5C }
            }
            try joined.withUnsafeBufferPointer { joinedPart in
            for r in ranges + (joined.isEmpty ? [] : [-1 ..< -1]) {
                if r.lowerBound < 0 && mayBeConstant { continue }
                let part = r.lowerBound < 0 ? joinedPart : UnsafeBufferPointer(rebasing: b[r])
                // A UID kept as it is (a private SOP class) whose component is an identifier's
                // digits: the identifier is in the output.
                if vr == .UI, !gate.digitForms.isEmpty {
                    let uid = String(decoding: part.filter { $0 != 0 && $0 != 0x20 }, as: UTF8.self)
                    if UIDRegistry.entry(for: UID(uid)) == nil {
                        for component in uid.split(separator: ".") {
                            if let n = gate.digitForms[String(component)], n.kind == .id {
                                throw PHIGate.Hit.found(n, at: parser.location(of: i))
                            }
                        }
                    }
                }
                // Base64 runs (GateBase64): their decoded bytes, read as an OB value.
                if r.lowerBound >= 0, part.count >= GateBase64.minimumRun, !gate.binary.isEmpty {
                    try GateBase64.forEachDecoded(part) { decoded in
                        if let n = try decoded.withUnsafeBufferPointer({ try firstMatch(inBinary: $0, vr: .OB, element: i) }) {
                            throw PHIGate.Hit.found(n, at: parser.location(of: i))
                        }
                    }
                }
                let plain = !part.contains { $0 >= 0x80 || $0 == 0x1B }
                if plain {
                    // ASCII reads the same in every character set: lower-casing is the fold.
                    if mayBeConstant, gate.constants.isConstant(OutputSearch.trimmed(String(decoding: part, as: UTF8.self)), tag: e.tag, parent: parent) {
                        skipped.append(r)
                        continue
                    }
                    buffer.append(lowering: part, element: i, vr: vr)
                    if part.contains(where: { $0 == 0x26 || $0 == 0x25 }), let resolved = GateCharacterReferences.resolved(String(decoding: part, as: UTF8.self)) {
                        buffer.append(GateFolding.fold(resolved), element: i, vr: vr)
                    }
                    continue
                }
                var charset = SpecificCharacterSet.default
                if vr.usesSpecificCharacterSet {
                    if let known = charsets[e.dataSet] { charset = known } else {
                        charset = parser.characterSet(of: e.dataSet)
                        charsets[e.dataSet] = charset
                    }
                }
                let decoded = charset.decode(part)
                if mayBeConstant, gate.constants.isConstant(OutputSearch.trimmed(decoded), tag: e.tag, parent: parent) {
                    skipped.append(r)
                    continue
                }
                buffer.append(GateFolding.fold(decoded), element: i, vr: vr)
                if let resolved = GateCharacterReferences.resolved(decoded) {
                    buffer.append(GateFolding.fold(resolved), element: i, vr: vr)
                }
                // Text in UTF-8 where the character set says otherwise: read that way too.
                if charset.terms.first != "ISO_IR 192", OutputSearch.isUTF8(part) {
                    buffer.append(GateFolding.fold(String(decoding: part, as: UTF8.self)), element: i, vr: vr)
                }
            }
            }
        }
        try search(buffer) { parser.location(of: $0) }
    }

    func search(_ buffer: TextBuffer, place: (Int) -> String) throws {
        try OutputSearch.search(buffer, gate: gate, place: place) { text in
            let i = buffer.elements[text]
            return i >= 0 && (buffer.vrs[text] == .CS || GateKeywords.codeAttributes.contains(parser.elements[i].tag))
        }
    }

    /// A short name part in a coded value: not a hit.
    static func isShortName(_ n: GateNeedle) -> Bool { n.kind == .name && n.characters < 6 }

    /// Whether byte `offset` of the file lies in a coded value.
    func isCoded(_ offset: Int) -> Bool {
        var lo = 0, hi = coded.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if coded[mid].upperBound <= offset { lo = mid + 1 } else { hi = mid }
        }
        return lo < coded.count && coded[lo].contains(offset)
    }

    /// Runs the text matcher and the digit view over `buffer`; `place` names an element.
    static func search(_ buffer: TextBuffer, gate: PHIGate, place: (Int) -> String,
                       isCoded: (Int) -> Bool = { _ in false }) throws {
        var hit: PHIGate.Hit? = nil
        let matcher = gate.text, forms = gate.digitForms, lengths = gate.digitLengths
        buffer.bytes.withUnsafeBufferPointer { b in
            if let (n, at) = matcher.firstMatch(in: b, from: 0, to: b.count, accept: { n, at in
                let k = buffer.text(at: at)
                if OutputSearch.isShortName(n) && isCoded(k) { return false }
                // A UID kept (retain-uids) may have a date component: the engine keeps it.
                if n.kind == .birthdate && buffer.vrs[k] == .UI && at > 0 && b[at - 1] == 0x2E { return false }
                return n.kind != .otherdate || !OutputSearch.isDateOrUID(buffer.vrs[k])
            }) {
                hit = .found(n, at: place(buffer.elements[buffer.text(at: at)]))
                return
            }
            guard !forms.isEmpty else { return }
            // One pass over all texts: FF ends each, and is no separator, so no number spans two.
            var found: (GateNeedle, Int)? = nil
            GateDigitView.numbers(in: b, from: 0, to: b.count, lengths: lengths) { digits, range in
                let k = buffer.text(at: range.lowerBound)
                guard !OutputSearch.isDateOrUID(buffer.vrs[k]) else { return false }
                // A number with a country code before it ("+1 541 555 0113") is looked for by its
                // last 10 digits too.
                let national = digits.utf8.count > 10 && digits.utf8.count <= 13 ? String(digits.suffix(10)) : nil
                if let n = forms[digits] ?? national.flatMap({ forms[$0] }) { found = (n, k) }
                return found != nil
            }
            if let (n, k) = found { hit = .found(n, at: place(buffer.elements[k])); return }
            // An identifier's digits as a whole run joined by a `.` (`1.4410527`).
            GateDigitView.dottedRuns(in: b, from: 0, to: b.count, lengths: lengths) { digits, range in
                let k = buffer.text(at: range.lowerBound)
                guard !OutputSearch.isDateOrUID(buffer.vrs[k]), let n = forms[digits], n.kind == .id else { return false }
                found = (n, k)
                return true
            }
            if let (n, k) = found { hit = .found(n, at: place(buffer.elements[k])) }
        }
        if let hit { throw hit }
        try searchWholeValues(buffer, gate: gate, place: place)
        try searchDates(buffer, gate: gate, place: place)
    }

    /// A text that is, whole, an identifier too short to be a needle (3 to 5 digits), in texts
    /// not read as DA, DT, TM or UI; and a TM or DT whose fraction of a second holds a digit
    /// form (an identifier's digits, the birth date).
    static func searchWholeValues(_ buffer: TextBuffer, gate: PHIGate, place: (Int) -> String) throws {
        guard !gate.wholeIDs.isEmpty || !gate.digitForms.isEmpty || !gate.dates.isEmpty else { return }
        var hit: PHIGate.Hit? = nil
        buffer.bytes.withUnsafeBufferPointer { b in
            for k in buffer.starts.indices {
                var lo = buffer.starts[k], hi = k + 1 < buffer.starts.count ? buffer.starts[k + 1] - 1 : b.count - 1
                let vr = buffer.vrs[k]
                if vr == .TM || vr == .DT {
                    guard let dot = (lo..<hi).first(where: { b[$0] == 0x2E }) else { continue }
                    var end = dot + 1
                    while end < hi && b[end] >= 0x30 && b[end] <= 0x39 { end += 1 }
                    let fraction = String(decoding: UnsafeBufferPointer(rebasing: b[(dot + 1)..<end]), as: UTF8.self)
                    guard fraction.utf8.count >= 5 else { continue }
                    for (digits, n) in gate.digitForms where n.kind != .otherdate && fraction.contains(digits) {
                        hit = .found(n, at: place(buffer.elements[k]))
                        return
                    }
                    for d in gate.dates where d.needle.kind == .birthdate && fraction.contains(String(decoding: d.needle.bytes, as: UTF8.self)) {
                        hit = .found(d.needle, at: place(buffer.elements[k]))
                        return
                    }
                    continue
                }
                guard !gate.wholeIDs.isEmpty, !isDateOrUID(vr) else { continue }
                while lo < hi && b[lo] == 0x20 { lo += 1 }
                while hi > lo && b[hi - 1] == 0x20 { hi -= 1 }
                guard (3...5).contains(hi - lo) else { continue }
                if let n = gate.wholeIDs[String(decoding: UnsafeBufferPointer(rebasing: b[lo..<hi]), as: UTF8.self)] {
                    hit = .found(n, at: place(buffer.elements[k]))
                    return
                }
            }
        }
        if let hit { throw hit }
    }

    /// A protected date written as three tokens (GateDateTriples), in texts not read as DA, DT,
    /// TM or UI that hold two digits or more.
    static func searchDates(_ buffer: TextBuffer, gate: PHIGate, place: (Int) -> String) throws {
        guard !gate.dates.isEmpty else { return }
        var hit: PHIGate.Hit? = nil
        buffer.bytes.withUnsafeBufferPointer { b in
            for k in buffer.starts.indices where !isDateOrUID(buffer.vrs[k]) {
                let lo = buffer.starts[k], hi = k + 1 < buffer.starts.count ? buffer.starts[k + 1] - 1 : b.count - 1
                var digits = 0
                for i in lo..<hi where b[i] >= 0x30 && b[i] <= 0x39 { digits += 1 }
                guard digits >= 2 else { continue }
                if let d = GateDateTriples.first(in: b, from: lo, to: hi, dates: gate.dates) {
                    hit = .found(d.needle, at: place(buffer.elements[k]))
                    return
                }
            }
        }
        if let hit { throw hit }
    }

    /// The byte ranges of a value's values (split at backslashes where multi-valued), into `out`.
    static func values(_ b: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int, multiValued: Bool, into out: inout [Range<Int>]) {
        out.removeAll(keepingCapacity: true)
        var start = lo
        if multiValued {
            for i in lo..<hi where b[i] == 0x5C {
                out.append(start..<i)
                start = i + 1
            }
        }
        out.append(start..<hi)
    }

    static func trimmed(_ s: String) -> String { GateNeedleForms.trimmed(s, also: "") }

    static func isUTF8(_ part: UnsafeBufferPointer<UInt8>) -> Bool {
        !transcode(part.makeIterator(), from: UTF8.self, to: UTF32.self, stoppingOnError: true, into: { _ in })
    }

    // MARK: names

    /// The output's file and folder names, searched as text values.
    func searchNames(_ names: [String]) throws {
        guard !names.isEmpty else { return }
        var buffer = TextBuffer()
        for (k, name) in names.enumerated() {
            buffer.append(GateFolding.fold(name), element: k, vr: .LO)
        }
        try search(buffer) { $0 == names.count - 1 ? "file name" : "folder name" }
    }

    // MARK: binary values

    /// Binary values other than sample data, read as Latin-1, UTF-8 and the data set's character
    /// set, and (OB, OW, UN of even length) as UTF-16 in both byte orders from byte 0 and 1;
    /// base64 runs decoded and read the same ways; needles of 4 characters or more, no digit
    /// view, no other dates.
    func searchBinary() throws {
        guard !gate.binary.isEmpty || !gate.numberForms.isEmpty else { return }
        let b = parser.bytes
        for (i, e) in parser.elements.enumerated() where e.fragments == nil && e.valueLength >= 4 {
            guard OutputSearch.binaryVRs.contains(e.vr), !OutputSearch.pixelTags.contains(e.tag) else { continue }
            if !gate.numberForms.isEmpty,
               let n = GateBinaryNumbers.firstMatch(b, e.valueStart, e.valueStart + e.valueLength, vr: e.vr, tag: e.tag, forms: gate.numberForms) {
                throw PHIGate.Hit.found(n, at: parser.location(of: i))
            }
            guard !gate.binary.isEmpty else { continue }
            let raw = UnsafeBufferPointer(rebasing: b[e.valueStart..<(e.valueStart + e.valueLength)])
            if let n = try firstMatch(inBinary: raw, vr: e.vr, element: i) { throw PHIGate.Hit.found(n, at: parser.location(of: i)) }
            // Base64 runs (GateBase64): their decoded bytes, read as an OB value.
            if raw.count >= GateBase64.minimumRun {
                try GateBase64.forEachDecoded(raw) { decoded in
                    if let n = try decoded.withUnsafeBufferPointer({ try firstMatch(inBinary: $0, vr: .OB, element: i) }) {
                        throw PHIGate.Hit.found(n, at: parser.location(of: i))
                    }
                }
            }
        }
    }

    /// The first binary needle in the readings of `raw` as text (read as a value of `vr` of
    /// element `i`).
    func firstMatch(inBinary raw: UnsafeBufferPointer<UInt8>, vr: VR, element i: Int) throws -> GateNeedle? {
        let e = parser.elements[i]
        var readings: [[UInt8]] = []
        if raw.contains(where: { $0 >= 0x80 || $0 == 0x1B }) {
            readings.append(GateFolding.fold(latin1: UnsafeRawBufferPointer(raw)).both)
            readings.append(GateFolding.fold(String(decoding: raw, as: UTF8.self)).both)
            let charset = parser.characterSet(of: e.dataSet)
            let first = charset.terms.first ?? ""
            if !["", "ISO_IR 6", "ISO_IR 100", "ISO_IR 192"].contains(first) || charset.terms.count > 1 {
                readings.append(GateFolding.fold(charset.decode(raw)).both)
            }
            if !gate.eastAsian.isEmpty {
                let bytes = Array(raw)
                for encoding in gate.eastAsian {
                    readings.append(GateFolding.fold(SpecificCharacterSet.decode(bytes, encodingName: encoding)).both)
                }
            }
        } else {
            readings.append(raw.map { NeedleMatcher.lowerASCII[Int($0)] })
        }
        if [.OB, .OW, .UN].contains(vr), raw.count % 2 == 0, raw.count >= 8 {
            // From byte 0, and from byte 1 (text after a one-byte header: odd offset).
            for (from, to) in [(0, raw.count), (1, raw.count - 1)] {
                for bigEndian in [false, true] {
                    let (high, low) = bigEndian ? (0, 1) : (1, 0)
                    let units = stride(from: from, to: to, by: 2).map { (k: Int) -> UInt16 in
                        let h = UInt16(raw[k + high]), l = UInt16(raw[k + low])
                        return h << 8 | l
                    }
                    readings.append(GateFolding.fold(String(decoding: units, as: UTF16.self)).both)
                }
            }
        }
        // OW: its bytes in the other order of each 16-bit word (text of a big-endian file,
        // which the reader swapped, still reads in pairs).
        if vr == .OW {
            var swapped = Array(raw)
            var k = 0
            while k + 1 < swapped.count { swapped.swapAt(k, k + 1); k += 2 }
            readings.append(swapped.withUnsafeBytes { GateFolding.fold(latin1: $0).both })
        }
        // A gzip or zlib stream: what it inflates to, as Latin-1 and UTF-8. One that goes on
        // past 32 MiB cannot be searched whole, so it cannot be shown clean.
        if raw.count >= 8, raw[0] == 0x1F && raw[1] == 0x8B || (raw[0] & 0x0F == 8 && (UInt16(raw[0]) << 8 | UInt16(raw[1])) % 31 == 0) {
            let inflated = Inflater.inflatePrefix(raw, limit: 32 << 20)
            if inflated.capped {
                throw PHIGate.Hit.unchecked("a compressed value", at: parser.location(of: i), "it inflates past 32 MiB")
            }
            readings.append(inflated.bytes.withUnsafeBytes { GateFolding.fold(latin1: $0).both })
            readings.append(GateFolding.fold(String(decoding: inflated.bytes, as: UTF8.self)).both)
        }
        for reading in readings {
            let found = reading.withUnsafeBufferPointer { r in gate.binary.firstMatch(in: r, from: 0, to: r.count) }
            if let (n, _) = found { return n }
        }
        return nil
    }

    // MARK: Pixel Data

    /// Native Pixel Data: its length and its samples' unused bits; encapsulated: its frames
    /// walked. Sample data is left out of the byte search.
    mutating func checkPixelData() throws {
        let b = parser.bytes
        let encapsulatedSyntax = parser.transferSyntax.isEncapsulated
        for (i, e) in parser.elements.enumerated() where OutputSearch.pixelTags.contains(e.tag) {
            let name = pixelName(i)
            let topLevel = parser.dataSets[e.dataSet].parent == nil
            if e.fragments != nil {
                guard encapsulatedSyntax else {
                    throw PHIGate.Hit.unchecked("Pixel Data", at: name, "it is encapsulated in \(parser.transferSyntax.name)")
                }
                do {
                    let check = try EncapsulatedPixelCheck(parser, element: i)
                    skipped += check.skipped
                    for r in check.searchable {
                        if let n = MarkerSegmentSearch.firstMatch(b, r, gate: gate) { throw PHIGate.Hit.found(n, at: describe(offset: r.lowerBound)) }
                    }
                    for frame in check.joined {
                        let matcher = gate.bytes, digitForms = gate.digitForms, lengths = gate.digitLengths
                        let found = frame.bytes.withUnsafeBufferPointer { f -> (GateNeedle, Int)? in
                            for r in frame.searchable {
                                if let m = matcher.firstMatch(in: f, from: r.lowerBound, to: r.upperBound) { return m }
                                if let n = MarkerSegmentSearch.firstMatch(f, r, gate: gate) { return (n, r.lowerBound) }
                                var number: GateNeedle? = nil
                                GateDigitView.numbers(in: f, from: r.lowerBound, to: r.upperBound, lengths: lengths) { digits, _ in
                                    number = digitForms[digits]
                                    return number != nil
                                }
                                if let number { return (number, r.lowerBound) }
                            }
                            return nil
                        }
                        if let (n, _) = found { throw PHIGate.Hit.found(n, at: "\(name) \(frame.name)") }
                    }
                } catch let problem as EncapsulatedPixelCheck.Problem {
                    throw PHIGate.Hit.unchecked("Pixel Data", at: name, problem.reason)
                }
                continue
            }
            if topLevel && encapsulatedSyntax && e.tag == .pixelData {
                throw PHIGate.Hit.unchecked("Pixel Data", at: name, "it is native in \(parser.transferSyntax.name)")
            }
            let check: NativePixelCheck
            do { check = try NativePixelCheck(parser, dataSet: e.dataSet, pixelTag: e.tag) } catch {
                throw PHIGate.Hit.unchecked("Pixel Data", at: name, error.reason)
            }
            guard e.valueLength == check.valueLength else {
                throw PHIGate.Hit.unchecked("Pixel Data", at: name,
                    "it holds \(e.valueLength) bytes where \(check.rows) rows × \(check.columns) columns × \(check.samples) samples × \(check.bitsAllocated) bits × \(check.frames) frames need \(check.valueLength)")
            }
            if let problem = check.checkBits(b, start: e.valueStart, count: check.sampleBytes) {
                throw PHIGate.Hit.unchecked("Pixel Data", at: name, problem)
            }
            skipped.append(e.valueStart..<(e.valueStart + check.sampleBytes))
        }
    }

    /// `Pixel Data`, `Float Pixel Data`, or nested: `(0088,0200) IconImageSequence item 1 > Pixel Data`.
    func pixelName(_ i: Int) -> String {
        let e = parser.elements[i]
        let own = e.tag == .pixelData ? "Pixel Data" : e.tag == .floatPixelData ? "Float Pixel Data" : "Double Float Pixel Data"
        guard let parent = parser.dataSets[e.dataSet].parent else { return own }
        return parser.location(of: parent) + " item \(parser.dataSets[e.dataSet].itemNumber) > " + own
    }

    // MARK: bytes

    /// The file's bytes outside the skipped ranges, as UTF-8 ignoring ASCII case. Bytes that
    /// are no value of the data set (the preamble, the offset table, the fragments' marker
    /// segments and boxes) are also read in the digit view: nothing else searches them.
    func searchBytes() throws {
        let b = parser.bytes
        let gaps = EncapsulatedPixelCheck.complement(skipped, in: 0..<b.count)
        if !gate.bytes.isEmpty {
            for gap in gaps {
                if let (n, at) = gate.bytes.firstMatch(in: b, from: gap.lowerBound, to: gap.upperBound, accept: { n, at in
                    !(OutputSearch.isShortName(n) && isCoded(at))
                }) {
                    throw PHIGate.Hit.found(n, at: describe(offset: at))
                }
            }
        }
        guard !gate.digitForms.isEmpty else { return }
        var outsideValues: [Range<Int>] = [0..<min(128, b.count)]
        for e in parser.elements { for f in e.fragments ?? [] { outsideValues.append(f.start..<(f.start + f.length)) } }
        for gap in gaps {
            for region in outsideValues where region.overlaps(gap) {
                let r = region.clamped(to: gap)
                var found: GateNeedle? = nil
                GateDigitView.numbers(in: b, from: r.lowerBound, to: r.upperBound, lengths: gate.digitLengths) { digits, _ in
                    found = gate.digitForms[digits]
                    return found != nil
                }
                if let found { throw PHIGate.Hit.found(found, at: describe(offset: r.lowerBound)) }
            }
        }
    }

    /// Where byte `offset` of the searched bytes is, in words an operator can follow.
    func describe(offset: Int) -> String {
        if offset < 128 { return "preamble" }
        for (i, e) in parser.elements.enumerated() {
            guard let fragments = e.fragments else { continue }
            for (k, f) in fragments.enumerated() where f.start - 8 <= offset && offset < f.start + f.length {
                return pixelName(i) + (k == 0 ? " Basic Offset Table" : " fragment \(k)")
            }
        }
        if let i = parser.element(containing: offset) { return parser.location(of: i) }
        let whose = parser.isInflated && offset >= parser.dataSetStart ? "the inflated data set" : "the file"
        return "element headers at byte \(parser.isInflated && offset >= parser.dataSetStart ? offset - parser.dataSetStart : offset) of \(whose)"
    }
}

extension GateFolding.Folded {
    /// The plain form, and the umlaut form after it (apart, so no needle spans both).
    var both: [UInt8] {
        guard let u = umlautForm else { return text }
        return text + [0xFF] + u
    }
}

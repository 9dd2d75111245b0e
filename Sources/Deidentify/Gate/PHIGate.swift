#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DICOMCore

/// The last check before a de-identified copy enters the outbox: the gate's side of the
/// contract shared with the engine's text cleaner, "Identifying values and how they are
/// matched" (cited here and in the files beside this one as "spec 1" to "spec 4"). Written
/// apart from the engine, with its own keyword lists, folding, matching and readers, so that
/// one bug cannot hide in both.
///
/// From the original it collects the identifying values ("needles", spec 1) and their forms;
/// then it searches the written output (spec 3): every text value decoded in its character set
/// at every level, File Meta Information included; every binary value other than sample data,
/// read as Latin-1, UTF-8, the character set and UTF-16; the file's bytes outside
/// entropy-coded sample data; the output's file and folder names. Pixel Data is checked with its
/// own walker: native samples must be exactly their frames' length with no bit set outside Bits
/// Stored; encapsulated frames are walked marker by marker (JPEG, JPEG-LS, JPEG 2000, RLE) and
/// all but their entropy-coded data is searched. The first hit is thrown; a copy that cannot be
/// read or walked is a hit too.
public struct PHIGate: Sendable {
    /// Text forms (matching spec 2.2), in the order they were collected.
    let needles: [GateNeedle]
    let text: NeedleMatcher
    /// Forms of 4 characters or more (2 of ideographs, kana, Hangul), `otherdate` aside: for
    /// binary values read as text.
    let binary: NeedleMatcher
    /// The East Asian encodings binary values are also read in (the scripts of those forms).
    let eastAsian: [String]
    /// Forms of 4 bytes or more, `otherdate` aside, as UTF-8 ignoring ASCII case: for the bytes.
    let bytes: NeedleMatcher
    /// Digit forms (spec 2.3) by their digits.
    let digitForms: [String: GateNeedle]
    /// Identifiers of 6 significant digits or more by their value: for binary numbers.
    let numberForms: [UInt64: GateNeedle]
    /// Their lengths, a bit each; with 10 also when a longer one's last 10 digits are looked up.
    let digitLengths: UInt64
    /// Values of the original that could not be read: every check fails.
    let problems: [String]
    /// Dates looked for as three tokens in a row (GateDateTriples): birth dates first.
    let dates: [GateProtectedDate]
    /// Identifiers of 3 to 5 digits, looked for as whole text values.
    let wholeIDs: [String: GateNeedle]
    let constants: EngineWrittenValues

    /// Collects the needles from the original data set (every level of nesting).
    public init(original: DataSet, scope: Scope = Scope()) {
        var collector = NeedleCollector(scope: scope)
        collector.collect(original, characterSet: original.specificCharacterSet)
        let forms = collector.text.needles
        needles = forms
        text = NeedleMatcher(forms)
        let searchedInBytes = forms.filter { $0.kind != .otherdate }
        // 2 characters suffice in the East Asian scripts: 4 bytes or more however encoded.
        let binaryForms = searchedInBytes.filter { n in
            n.characters >= 4 || n.characters >= 2 && n.boundary == .substring && n.bytes.contains { $0 >= 0xE1 }
        }
        binary = NeedleMatcher(binaryForms)
        eastAsian = PHIGate.eastAsianEncodings(binaryForms.map { String(decoding: $0.bytes, as: UTF8.self) })
        bytes = NeedleMatcher(searchedInBytes.filter { $0.bytes.count >= 4 } + collector.raw.needles.filter { $0.kind != .otherdate },
                              ignoringASCIICase: true)
        digitForms = collector.digits
        numberForms = GateBinaryNumbers.forms(collector.digits)
        var lengths: UInt64 = 0
        for d in collector.digits.keys where d.utf8.count < 64 { lengths |= 1 << UInt64(d.utf8.count) }
        if lengths & (1 << 10) != 0 { lengths |= 0b111 << 11 }   // 11 to 13 digits: a country code before 10
        digitLengths = lengths
        problems = collector.problems
        wholeIDs = collector.wholeIDs
        dates = collector.dates.sorted { ($0.needle.kind == .birthdate ? 0 : 1) < ($1.needle.kind == .birthdate ? 0 : 1) }
        constants = scope.recipeName.map { EngineWrittenValues(recipeName: $0) } ?? .standard
    }

    /// Checks the output file at `path`; its own file and folder names are searched too.
    public func check(path: String) throws {
        try check(path: path, finalName: nil)
    }

    /// Checks the output file at `path`, which will be known as `finalName` (a path relative to
    /// the outbox, `<series>/<instance>.dcm`): every component of `finalName` is searched as a
    /// name; without it, the last two components of `path`.
    public func check(path: String, finalName: String?) throws {
        if let problem = problems.first { throw Hit.unchecked("the original", at: "the original", problem) }
        let names = (finalName ?? path).split(separator: "/").map(String.init).suffix(finalName == nil ? 2 : .max)
        let file: OutputBytes
        do { file = try OutputBytes(path: path) } catch {
            throw Hit.unchecked("the output", at: "the output", "it cannot be read: \(error)")
        }
        try check(bytes: file.buffer, names: Array(names))
        withExtendedLifetime(file) {}
    }

    /// Checks an output's bytes (a whole Part 10 file) and its names.
    func check(bytes file: UnsafeBufferPointer<UInt8>, names: [String]) throws {
        var parser = OutputParser(bytes: file)
        let ts: TransferSyntax, start: Int
        do { (ts, start) = try parser.parseFileMeta() } catch {
            throw Hit.unchecked("the output", at: "the output", "its File Meta Information cannot be read: \(error)")
        }
        if ts.isDeflated {
            // The data set inflated after the file's own preamble and File Meta Information.
            let inflated: [UInt8]
            do { inflated = try Inflater.inflate(UnsafeBufferPointer(rebasing: file[start...])) } catch {
                throw Hit.unchecked("the output", at: "the output", "\(error)")
            }
            let whole = Array(file[..<start]) + inflated
            try whole.withUnsafeBufferPointer { w in try check(parsing: w, start: start, as: .explicitVRLittleEndian, names: names) }
            return
        }
        try check(parsing: file, start: start, as: ts, names: names)
    }

    func check(parsing b: UnsafeBufferPointer<UInt8>, start: Int, as ts: TransferSyntax, names: [String]) throws {
        var parser = OutputParser(bytes: b)
        do {
            let (declared, _) = try parser.parseFileMeta()
            try parser.parseDataSet(from: start, transferSyntax: ts)
            if declared.isDeflated { parser.markInflated() }
        } catch {
            throw Hit.unchecked("the output", at: "the output", "it cannot be read: \(error)")
        }
        var search = OutputSearch(gate: self, parser: parser)
        try search.run(names: names)
    }
}

extension PHIGate {
    /// The hit in one text value read as `vr` (text matching and the digit view), or nil.
    func search(text: String, as vr: VR = .LO) -> Hit? {
        var buffer = OutputSearch.TextBuffer()
        buffer.append(GateFolding.fold(text), element: 0, vr: vr)
        if let resolved = GateCharacterReferences.resolved(text) {   // as OutputSearch reads a value
            buffer.append(GateFolding.fold(resolved), element: 0, vr: vr)
        }
        do {
            try OutputSearch.search(buffer, gate: self) { _ in "text" }
            return nil
        } catch {
            return error as? Hit
        }
    }

    /// The hit in raw bytes (the byte search: UTF-8, ASCII case ignored), or nil.
    func search(bytes raw: [UInt8]) -> Hit? {
        raw.withUnsafeBufferPointer { b in
            self.bytes.firstMatch(in: b, from: 0, to: b.count).map { Hit.found($0.0, at: "bytes") }
        }
    }
}
